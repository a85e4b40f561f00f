// `Session`, the handler's synchronous view of one session.
import { SessionError } from "./errors.js";
import type { SessionData } from "./record.js";
import { assertJson, checked, type SessionState } from "./session-state.js";

/** User ids are the app's own: an id, not a document. */
const MAX_USER_ID_LENGTH = 256;

/**
 * One visitor's session data, loaded for this request. Every method is synchronous: the store
 * was read by `ctx.session()` and is written once, after the handler returns.
 *
 * @example
 * ```ts
 * const session = await ctx.session();
 * const visits = (session.get("visits") ?? 0) + 1;
 * session.set("visits", visits);
 * if (session.isNew) session.flash("notice", "Welcome!");
 * ```
 */
export class Session<Data extends SessionData = SessionData> {
  readonly #state: SessionState;
  /** True when this request created the session (no valid cookie, or its record had expired). */
  readonly isNew: boolean;

  /** @internal Sessions come from `ctx.session()` or a handle's `session()`. */
  constructor(state: SessionState) {
    this.#state = state;
    this.isNew = state.base === null || state.revoked;
  }

  /** The value under `key`, or a value flashed for this request; `undefined` when there is none. */
  get<K extends keyof Data & string>(key: K): Data[K] | undefined {
    return this.#state.get(key) as Data[K] | undefined;
  }

  /** Sets a JSON-serialisable value; anything else is a `TypeError` naming the key. */
  set<K extends keyof Data & string>(key: K, value: Data[K]): void {
    this.#mutable();
    assertJson(key, value);
    this.#state.data.set(key, value);
    this.#state.changes.set(key, { value });
  }

  /**
   * Sets `key` to `fn(current value)` and returns the new value. Where the store has
   * compare-and-set, a request that finds the session changed by another one runs `fn` again on
   * the fresher value, so two tabs adding to one cart both count (`set` would let the later one
   * win). `fn` must be pure: it may run more than once.
   *
   * @example
   * ```ts
   * session.update("cart", (cart = {}) => ({ ...cart, apple: (cart.apple ?? 0) + 1 }));
   * ```
   */
  update<K extends keyof Data & string>(key: K, fn: (current: Data[K] | undefined) => Data[K]): Data[K] {
    this.#mutable();
    const value = checked(key, fn(this.#state.data.get(key) as Data[K] | undefined));
    this.#state.data.set(key, value);
    this.#state.changes.set(key, { value, update: fn as (current: unknown) => unknown });
    return value;
  }

  /** True when `key` holds a value, or a value flashed for this request. */
  has(key: keyof Data & string): boolean {
    return this.#state.has(key) || this.#state.flashIn.has(key);
  }

  /** Removes `key`; true when it was there. Deleting a key that is not there changes nothing (no write). */
  delete(key: keyof Data & string): boolean {
    this.#mutable();
    if (!this.#state.data.delete(key)) return false;
    this.#state.changes.set(key, null);
    return true;
  }

  /** Removes every key (the session itself stays; see `destroy`). */
  clear(): void {
    this.#mutable();
    this.#state.clear();
  }

  /** The keys of the stored data (flashed values are not listed). */
  keys(): (keyof Data & string)[] {
    return [...this.#state.data.keys()];
  }

  /** The `[key, value]` pairs of the stored data (flashed values are not listed). */
  entries(): [keyof Data & string, Data[keyof Data]][] {
    return [...this.#state.data.entries()] as [keyof Data & string, Data[keyof Data]][];
  }

  /** A value readable with `get` in the next request that loads this session, then gone. */
  flash<K extends keyof Data & string>(key: K, value: Data[K]): void {
    this.#mutable();
    assertJson(key, value);
    this.#state.flashOut.set(key, value);
  }

  /**
   * Binds the session to a user (on login, with `regenerate()`), or unbinds it with `null`. The id
   * is kept apart from the data (`keys()` never lists it) and indexed, so that
   * `sessions.list(userId)` and `sessions.revokeAll(userId)` find this session.
   *
   * @example
   * ```ts
   * session.regenerate();
   * session.setUser(user.id);
   * ```
   */
  setUser(userId: string | null): void {
    this.#mutable();
    if (userId !== null && (typeof userId !== "string" || userId === "" || userId.length > MAX_USER_ID_LENGTH)) {
      throw new TypeError(
        `coatcheck: setUser takes a non-empty string of at most ${MAX_USER_ID_LENGTH} characters, or null; got ${String(userId)}.`,
      );
    }
    const state = this.#state;
    state.userSet = true;
    state.user = userId ?? undefined;
    state.authenticatedAt = userId === null ? undefined : state.now();
  }

  /** The user the session is bound to, or `undefined`. */
  get user(): string | undefined {
    return this.#state.user;
  }

  /** When the user was last set, in ms since the epoch: for "enter your password again" checks. */
  get authenticatedAt(): number | undefined {
    return this.#state.authenticatedAt;
  }

  /**
   * An opaque, stable handle of this session, safe to show and to post back to
   * `sessions.revoke(ref)`: never the id, nothing a ticket can be made from. New after
   * `regenerate()`; `undefined` until the session is first stored.
   */
  get ref(): string | undefined {
    return this.#state.ref();
  }

  /** At commit: a new id for the same data, the old record deleted. Call it on login. */
  regenerate(): void {
    this.#mutable();
    this.#state.regenerate = true;
  }

  /**
   * At commit: the record is deleted and the cookie expired. Call it on logout. Data set after
   * `destroy()` starts a new session under a new id, like Django's `flush()`.
   */
  destroy(): void {
    this.#mutable();
    this.#state.end();
  }

  /**
   * Per-session lifetime: seconds of idle lifetime; `0` for a cookie that ends with the browser
   * (the server still keeps the configured `maxAge`); `null` to follow the configured policy.
   */
  setExpiry(value: number | null): void {
    this.#mutable();
    if (value !== null && (typeof value !== "number" || !Number.isFinite(value) || value < 0)) {
      throw new TypeError(`coatcheck: setExpiry takes a non-negative number of seconds or null; got ${String(value)}.`);
    }
    this.#state.expiry = value;
  }

  #mutable(): void {
    if (this.#state.closed) {
      throw new SessionError(
        "ERR_SESSION_CLOSED",
        "the session was changed after its response was committed; change it before returning the response.",
      );
    }
  }
}
