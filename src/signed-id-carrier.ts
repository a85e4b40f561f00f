// A ticket that is an HMAC-stamped id, with the record in a `SessionStore` under a hash of the id:
// verify, load, create, merge concurrent saves by compare-and-set, regenerate with a tombstone.
import { readCookies } from "./cookie.js";
import { SessionError } from "./errors.js";
import { newSessionId, storeKeyFor } from "./id.js";
import { acceptRecord, expiresAt, type LifetimePolicy, parseRecord, type SessionRecord, TOMBSTONE_SECONDS, tombstone } from "./record.js";
import type { SessionState } from "./session-state.js";
import type { Keyring, VerifiedTicket } from "./signature.js";
import type { SessionStore, StoreVersion, StoreWriteOptions, StoreWritten } from "./store.js";
import { afterConflict, guarded, oneAtATime, type StoreGuard, storedText } from "./store-calls.js";
import { MAX_TICKETS_TRIED, type SavePlan, type Ticket, type TicketCarrier } from "./ticket-carrier.js";
import { UserIndex } from "./user-index.js";

/** What the signed-id carrier is configured with, once. */
export interface SignedIdConfig {
  store: SessionStore;
  keyring: Keyring;
  cookieName: string;
  policy: LifetimePolicy;
  storeTimeout: number;
  clock: () => number;
}

/** A write whose new version the store did not tell. */
const UNTOLD: Partial<StoreWritten> = {};

const CAS_ATTEMPTS = 8;
/** How long a regenerated session's old key stays closed against racing saves. */

export function signedIdCarrier(config: SignedIdConfig): TicketCarrier {
  const users = new UserIndex(config.store, config.policy, config.clock, config.storeTimeout);
  return {
    users,
    async load(request, events) {
      const { cookieName, keyring, store, policy, clock } = config;
      const guard = { storeName: store.name, timeout: config.storeTimeout, events, users };
      const values = readCookies(request.headers.get("cookie"), (name) => name === cookieName, MAX_TICKETS_TRIED).get(cookieName) ?? [];
      const sentCookies = values.length > 0 ? [cookieName] : [];
      const found = await keyring.pick(cookieName, values, events);
      // Ambiguous: expire nothing (an expiring cookie could delete the victim's and keep a tossed one).
      if (found === "ambiguous") return new SignedIdTicket(config, guard, null, []);
      if (!found) return new SignedIdTicket(config, guard, null, sentCookies);
      const { ticket, value } = found;
      ticket.storeKey ??= await storeKeyFor(ticket.id);
      const storeKey = ticket.storeKey;
      const stored = await guarded(guard, "get", () => store.get(storeKey));
      const text = storedText(stored);
      const record = acceptRecord(text, storeKey, policy, clock(), events);
      if (!record) return new SignedIdTicket(config, guard, null, sentCookies);
      const loaded = new SignedIdTicket(config, guard, record, sentCookies, ticket.keyIndex > 0);
      loaded.carry(ticket, storeKey, stored?.version, value);
      return loaded;
    },
  };
}

/** The store guard of one request, and the user index its saves keep up to date. */
type TicketGuard = StoreGuard & { users: UserIndex };

class SignedIdTicket implements Ticket {
  readonly #config: SignedIdConfig;
  readonly #guard: TicketGuard;
  /** The id the cookie carries (as verified), its store key, the loaded version, and its cookie value under the first secret. */
  #verified: VerifiedTicket | undefined;
  #storeKey: string | undefined;
  #version: StoreVersion | undefined;
  #signed: string | undefined;
  cookieValue: string | undefined;

  constructor(
    config: SignedIdConfig,
    guard: TicketGuard,
    readonly record: SessionRecord | null,
    readonly sentCookies: readonly string[],
    readonly stale = false,
  ) {
    this.#config = config;
    this.#guard = guard;
  }

  /** Binds the loaded session's id; a value stamped by an older secret is not re-sent as is. */
  carry(verified: VerifiedTicket, storeKey: string, version: StoreVersion | undefined, value: string): void {
    this.#verified = verified;
    this.#storeKey = storeKey;
    this.#version = version;
    this.cookieValue = value;
    if (!this.stale) this.#signed = value;
  }

  get ref(): string | undefined {
    return this.#storeKey;
  }

  async save(state: SessionState, plan: SavePlan, now: number): Promise<SessionRecord | null> {
    // A fresh session has no former self: one destroyed first left its user's index in `discard`.
    const before = this.record && !plan.fresh ? { user: this.record.u, key: this.#storeKey } : undefined;
    const record = await this.#saveRecord(state, plan, now);
    if (record) await this.#followUser(before, record, plan.touchOnly);
    return record;
  }

  #saveRecord(state: SessionState, { fresh, touchOnly }: SavePlan, now: number): Promise<SessionRecord | null> {
    if (fresh) return this.#create(state, now);
    if (state.regenerate) return this.#regenerate(state, now);
    return this.#compareAndSet(state, now, touchOnly ? "touch" : "write");
  }

  /**
   * Keeps the users' indexes in step with a saved record: a session that changed user or id leaves
   * the former user's index and joins the new one's; a touch refreshes its entry, so the index
   * lives as long as the sessions it lists.
   */
  async #followUser(before: { user?: string; key?: string } | undefined, record: SessionRecord, touchOnly: boolean): Promise<void> {
    const { users, events } = this.#guard;
    const key = this.#storeKey!;
    const moved = before?.user !== record.u || before?.key !== key;
    if (before?.user !== undefined && before.key !== undefined && moved) await users.remove(before.user, before.key, events);
    if (moved || touchOnly) await this.#index(record, key);
  }

  /** The user and key last added to an index by this request: not added twice. */
  #indexed: string | undefined;

  async #index(record: SessionRecord, key: string): Promise<void> {
    if (record.u === undefined || this.#indexed === `${record.u}\n${key}`) return;
    await this.#guard.users.add(record.u, key, { c: record.c, a: record.a }, this.#guard.events);
    this.#indexed = `${record.u}\n${key}`;
  }

  async discard(): Promise<void> {
    const { store } = this.#config;
    const key = this.#storeKey!;
    await guarded(this.#guard, "delete", () => store.delete(key));
    const user = this.record?.u;
    if (user !== undefined) await this.#guard.users.remove(user, key, this.#guard.events);
  }

  async cookies(): Promise<[string, string][]> {
    const { keyring, cookieName } = this.#config;
    // Unset only for a value an older secret stamped: signed once under the first, then remembered with its verification.
    this.#signed ??= this.#verified!.resigned ??= await keyring.sign(cookieName, this.#verified!.id, this.#storeKey);
    return [[cookieName, this.#signed]];
  }

  /** A new session under a new id, never one the client chose. */
  async #create(state: SessionState, now: number): Promise<SessionRecord> {
    const record = state.applyTo(null, now);
    const key = await this.#mint();
    record.k = key;
    await this.#write(key, JSON.stringify(record), null, this.#writeOptions(record, now, false));
    return record;
  }

  /**
   * Moves the session to a new id. The new record is written before the old key is closed, so a
   * failure on the way leaves the visitor in the old session (not logged out) and the new record
   * unreachable: no cookie names it. With compare-and-set the old key becomes a short-lived
   * tombstone only if unchanged since read, so a racing save on the old id fails instead of
   * bringing it back; changes merged in while closing it are written to the new key too.
   */
  async #regenerate(state: SessionState, now: number): Promise<SessionRecord> {
    const { store } = this.#config;
    const oldKey = this.#storeKey!;
    const oldVersion = this.#version;
    const record = state.applyTo(this.record, now);
    const key = await this.#mint();
    record.k = key;
    const value = JSON.stringify(record);
    await this.#write(key, value, null, this.#writeOptions(record, now, false));
    if (!store.compareAndSet) {
      await guarded(this.#guard, "delete", () => store.delete(oldKey));
      return record;
    }
    // Indexed before the old key closes, so a revokeAll that ends the old key finds this one too.
    await this.#index(record, key);
    const closing = this.#compareAndSet(state, now, "close", oldKey, oldVersion).catch(async (error: unknown) => {
      // Interrupted: nobody will hold the new id, so it must not be listed as a device either.
      await guarded(this.#guard, "delete", () => store.delete(key)).catch(() => {});
      throw error;
    });
    const closed = (await closing)!;
    closed.k = key;
    const merged = JSON.stringify(closed);
    // Nobody else knows the new id yet: a plain set cannot overwrite anyone's write.
    if (merged !== value) await guarded(this.#guard, "set", () => store.set(key, merged, this.#writeOptions(closed, now, false)));
    return closed;
  }

  /** A new id, its store key and its signed cookie value, hashed and signed side by side; returns the store key. */
  async #mint(): Promise<string> {
    const { keyring, cookieName } = this.#config;
    const id = newSessionId();
    const storeKey = storeKeyFor(id);
    this.#signed = await keyring.sign(cookieName, id, storeKey);
    this.#storeKey = await storeKey;
    return this.#storeKey;
  }

  #writeOptions(record: SessionRecord, now: number, touchOnly: boolean): StoreWriteOptions {
    const expiry = expiresAt(record, this.#config.policy);
    return { expiresAt: expiry, ttlSeconds: Math.max(1, Math.ceil((expiry - now) / 1000)), touchOnly };
  }

  /**
   * One write: compare-and-set when the store has it (false when the version moved), else a plain
   * set ("skipped" when the store dropped a touch-only write). Written: what the store told of the
   * version it wrote (nothing, from a store that answers `true` or has no compare-and-set).
   */
  async #write(
    key: string,
    value: string,
    expected: StoreVersion | null,
    options: StoreWriteOptions,
  ): Promise<false | "skipped" | Partial<StoreWritten>> {
    const { store } = this.#config;
    if (store.compareAndSet) {
      const answer = await guarded(this.#guard, "compareAndSet", () => store.compareAndSet!(key, value, expected, options));
      return answer === true ? UNTOLD : answer;
    }
    const written = await guarded(this.#guard, "set", () => store.set(key, value, options));
    return written === false && options.touchOnly ? "skipped" : UNTOLD;
  }

  /**
   * Writes this request's changes over the loaded record (or, to `close` it, puts a short-lived
   * tombstone in its place and returns the record as it would have been). With compare-and-set, a
   * record changed since it was read is re-read and the changes re-applied to it; a record gone
   * (destroyed or regenerated elsewhere) is never recreated: ERR_SESSION_INTERRUPTED. Null when
   * the store skipped a touch-only write.
   */
  #compareAndSet(
    state: SessionState,
    now: number,
    mode: "write" | "touch" | "close",
    key = this.#storeKey!,
    loadedVersion = this.#version,
  ): Promise<SessionRecord | null> {
    const { store, storeTimeout } = this.#config;
    // Closing points the old key at the new one (this ticket's key once regenerated).
    const closed = { expiresAt: now + TOMBSTONE_SECONDS * 1000, ttlSeconds: TOMBSTONE_SECONDS, touchOnly: false };
    return oneAtATime(store, key, storeTimeout, async (queue) => {
      let base = this.record!;
      let version = loadedVersion ?? null;
      // A save queued before this one wrote since this request read: write over what it wrote.
      const previous = queue.written;
      queue.written = undefined;
      const written = previous && previous.version !== version ? parseRecord(previous.text) : null;
      if (written) {
        base = written;
        version = previous!.version;
      }
      for (let attempt = 1; ; attempt++) {
        const record = state.applyTo(base, now);
        record.k = key;
        const text = mode === "close" ? tombstone(this.#storeKey) : JSON.stringify(record);
        const options = mode === "close" ? closed : this.#writeOptions(record, now, mode === "touch");
        const answer = await this.#write(key, text, version, options);
        if (answer === "skipped") return null;
        if (answer) {
          if (answer.version != null && mode !== "close") queue.written = { version: answer.version, text };
          return record;
        }
        const fresher = await this.#retry(key, attempt);
        base = fresher.record;
        version = fresher.version;
      }
    });
  }

  /** After a lost compare-and-set: report, wait, and re-read; a session gone meanwhile is never written over. */
  async #retry(key: string, attempt: number): Promise<{ record: SessionRecord; version: StoreVersion | null }> {
    const { store, policy, clock } = this.#config;
    const { events, storeName } = this.#guard;
    await afterConflict(this.#guard, attempt, CAS_ATTEMPTS, "the session under this request");
    const found = await guarded(this.#guard, "get", () => store.get(key));
    // Gone, a tombstone, corrupt or another key's record: the session ended; never write over it.
    const text = storedText(found);
    const record = acceptRecord(text, key, policy, clock(), events);
    if (!record) throw interrupted(storeName);
    return { record, version: found!.version ?? null };
  }
}

function interrupted(storeName: string): SessionError {
  return new SessionError(
    "ERR_SESSION_INTERRUPTED",
    `${storeName} store: the session was destroyed or regenerated by another request while this one ran; its changes were not saved.`,
  );
}
