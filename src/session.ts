// `Session`, the handler's synchronous view of one session, and the per-request state behind it:
// what changed, so that a save writes only that and can re-apply it on a fresher record.
import { SessionError } from "./errors.js";
import type { SessionData, SessionRecord } from "./record.js";

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

function describeNonJson(value: unknown, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : String(value);
    case "object": {
      if (value === null) return undefined;
      if (seen.has(value)) return "a circular reference";
      if (!Array.isArray(value) && !isPlainObject(value)) return `an instance of ${value.constructor?.name ?? "a class"}`;
      seen.add(value);
      for (const item of Array.isArray(value) ? value : Object.values(value)) {
        const problem = describeNonJson(item, seen);
        if (problem) return problem;
      }
      seen.delete(value);
      return undefined;
    }
    default:
      return typeof value === "bigint" ? "a bigint" : `a ${typeof value}`;
  }
}

/** A key-level change this request made, re-applied on top of a fresher record on conflict. */
type Change = { value: unknown; update?: (current: unknown) => unknown } | null;

/** Internal per-request state behind a {@link Session}. */
export class SessionState {
  data: Map<string, unknown>;
  readonly flashIn: Map<string, unknown>;
  readonly flashOut = new Map<string, unknown>();
  readonly changes = new Map<string, Change>();
  cleared = false;
  expiry: number | null | undefined = undefined;
  regenerate = false;
  destroyed = false;
  closed = false;

  constructor(
    /** The record as loaded, or null for a new session. */
    public readonly base: SessionRecord | null,
  ) {
    this.data = new Map(base ? Object.entries(base.d) : undefined);
    this.flashIn = new Map(base?.f ? Object.entries(base.f) : undefined);
  }

  get modified(): boolean {
    return this.changes.size > 0 || this.cleared || this.flashOut.size > 0 || this.flashIn.size > 0 || this.expiry !== undefined;
  }

  /** True when nothing would be left to store. */
  get empty(): boolean {
    return this.data.size === 0 && this.flashOut.size === 0;
  }

  /** This request's changes applied on top of `record` (null: a new session). */
  applyTo(record: SessionRecord | null, now: number): SessionRecord {
    // Null-prototype objects: a "__proto__" key is data here, not a prototype.
    const data: SessionData = Object.create(null);
    if (record && !this.cleared) Object.assign(data, record.d);
    for (const [key, change] of this.changes) {
      // An update() made on an older record runs again on this one, so no tab's change is lost.
      if (change?.update && record !== this.base && !this.cleared) data[key] = checked(key, change.update(record?.d[key]));
      else if (change) data[key] = change.value;
      else delete data[key];
    }
    const flash: SessionData = Object.create(null);
    if (record?.f) {
      for (const [key, value] of Object.entries(record.f)) {
        // A flash this request consumed stays consumed; one another request set since is kept.
        const consumed = this.flashIn.has(key) && JSON.stringify(this.flashIn.get(key)) === JSON.stringify(value);
        if (!consumed) flash[key] = value;
      }
    }
    for (const [key, value] of this.flashOut) flash[key] = value;
    const next: SessionRecord = {
      v: 1,
      c: record?.c ?? now,
      t: now,
      e: this.expiry !== undefined ? this.expiry : (record?.e ?? null),
      d: data,
    };
    if (Object.keys(flash).length > 0) next.f = flash;
    return next;
  }
}

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
    this.isNew = state.base === null;
  }

  /** The value under `key`, or a value flashed for this request; `undefined` when there is none. */
  get<K extends keyof Data & string>(key: K): Data[K] | undefined {
    const state = this.#state;
    return (state.data.has(key) ? state.data.get(key) : state.flashIn.get(key)) as Data[K] | undefined;
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

  has(key: keyof Data & string): boolean {
    return this.#state.data.has(key) || this.#state.flashIn.has(key);
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
    this.#state.data.clear();
    this.#state.changes.clear();
    this.#state.cleared = true;
  }

  /** The keys of the stored data (flashed values are not listed). */
  keys(): (keyof Data & string)[] {
    return [...this.#state.data.keys()];
  }

  entries(): [keyof Data & string, Data[keyof Data]][] {
    return [...this.#state.data.entries()] as [keyof Data & string, Data[keyof Data]][];
  }

  /** A value readable with `get` in the next request that loads this session, then gone. */
  flash<K extends keyof Data & string>(key: K, value: Data[K]): void {
    this.#mutable();
    assertJson(key, value);
    this.#state.flashOut.set(key, value);
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
    const state = this.#state;
    state.destroyed = true;
    state.cleared = true;
    state.data.clear();
    state.changes.clear();
    state.flashIn.clear();
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

function assertJson(key: string, value: unknown): void {
  const problem = value === undefined ? "undefined (use delete to remove a key)" : describeNonJson(value, new Set());
  if (problem) throw new TypeError(`coatcheck: the session value for "${key}" is not JSON-serialisable: it contains ${problem}.`);
}

function checked<T>(key: string, value: T): T {
  assertJson(key, value);
  return value;
}
