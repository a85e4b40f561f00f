// Who is signed in where: each user's index of session store keys, kept in the same store with
// compare-and-set (where the store has it), and the list / revoke / revoke-all built on it.

import { MAX_COOKIE_AGE_SECONDS } from "./cookie.js";
import { cryptoPath } from "./crypto-path.js";
import type { SessionEvents } from "./events.js";
import { acceptRecord, type LifetimePolicy, parseTombstone, TOMBSTONE_SECONDS, tombstone } from "./record.js";
import type { SessionStore, StoreVersion } from "./store.js";
import { afterConflict, guarded, oneAtATime, storedText } from "./store-calls.js";

/** One of a user's sessions, as `sessions.list(userId)` returns it. Nothing in it makes a ticket. */
export interface SessionListEntry {
  /** An opaque, stable handle of the session: show it, post it back to `revoke`. */
  ref: string;
  /** When the session was created, in milliseconds since the epoch. */
  createdAt: number;
  /** When its expiry was last refreshed: at most `touchAfter` old while the session is in use. */
  lastSeenAt: number;
  /** When the user was last set on it (`setUser`). */
  authenticatedAt: number | undefined;
  /** Listed from a request of this very session. */
  current?: boolean;
}

/** A user's sessions, by store key: when each was created and authenticated. */
type Index = Record<string, { c: number; a?: number }>;

const INDEX_ATTEMPTS = 16;
/** How many `regenerate` moves a revocation follows from the key it was given. */
const MAX_MOVES = 8;
/** An emptied index is written, not deleted (a delete would race a concurrent login), and left to expire. */
const INDEX_EMPTY_SECONDS = 60;
/** A ref is a session's store key: 32 bytes of SHA-256, unpadded base64url. Nothing else is ever deleted by ref. */
const REF = /^[A-Za-z0-9_-]{43}$/;

export async function userIndexKey(userId: string): Promise<string> {
  return `u.${await cryptoPath.sha256(`coatcheck/v1 user\n${userId}`)}`;
}

/** The index of one store, with the guard its calls run under. */
export class UserIndex {
  constructor(
    private readonly store: SessionStore,
    private readonly policy: LifetimePolicy,
    private readonly clock: () => number,
    private readonly timeout: number,
  ) {}

  /** Adds (or refreshes) `storeKey` in `userId`'s index. */
  async add(userId: string, storeKey: string, entry: { c: number; a?: number }, events: SessionEvents): Promise<void> {
    await this.#change(userId, events, (index) => {
      index[storeKey] = entry;
    });
  }

  async remove(userId: string, storeKey: string, events: SessionEvents): Promise<void> {
    await this.#change(userId, events, without([storeKey]));
  }

  async list(userId: string, events: SessionEvents): Promise<SessionListEntry[]> {
    const guard = this.#guard(events);
    const { index } = await this.#read(await userIndexKey(userId), events);
    const now = this.clock();
    const entries: SessionListEntry[] = [];
    const gone: string[] = [];
    await Promise.all(
      Object.keys(index).map(async (storeKey) => {
        const found = await guarded(guard, "get", () => this.store.get(storeKey));
        const record = acceptRecord(storedText(found), storeKey, this.policy, now, events);
        if (!record || record.u !== userId) return void gone.push(storeKey);
        entries.push({ ref: storeKey, createdAt: record.c, lastSeenAt: record.t, authenticatedAt: record.a });
      }),
    );
    // Sessions that ended (logged out, expired, revoked) leave the index on the way.
    if (gone.length > 0) await this.#change(userId, events, without(gone));
    return entries.sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  /** Ends the session `ref` names (a racing save of it then fails); false when there was none. */
  async revoke(ref: string, events: SessionEvents): Promise<boolean> {
    if (typeof ref !== "string" || !REF.test(ref)) return false;
    // The ref names this id only: one that moved on (`regenerate`) is another ref now.
    const ended = await this.#end(ref, events, false);
    for (const { key, user } of ended) if (user !== undefined) await this.remove(user, key, events);
    if (ended.length > 0) events.emit("revoked");
    return ended.length > 0;
  }

  /**
   * Ends every session of `userId` but `except`; returns how many records ended. The index is
   * emptied of them by compare-and-set: when a save indexed another key meanwhile (a session being
   * regenerated indexes its new key before closing the old one), the index is read again and that
   * key ended too; a session that moved to a new id is followed there through its tombstone. No
   * session that existed when this began survives it (a login racing it may be ended too).
   */
  async revokeAll(userId: string, except: string | undefined, events: SessionEvents): Promise<number> {
    const ended = new Set<string>();
    let count = 0;
    await this.#change(userId, events, async (index) => {
      const keys = Object.keys(index).filter((key) => key !== except);
      if (keys.length === 0) return false;
      const fresh = keys.filter((key) => !ended.has(key));
      for (const key of keys) ended.add(key);
      count += (await Promise.all(fresh.map((key) => this.#end(key, events, true)))).filter((chain) => chain.length > 0).length;
      without(keys)(index);
    });
    if (count > 0) events.emit("revoked");
    return count;
  }

  /**
   * Ends the session under `key`: a tombstone in its place, written only over the version read,
   * so that it and a racing save or `regenerate` land one after the other. A session that has just
   * moved to a new id (its tombstone names the new key) is followed there. Returns what ended.
   */
  async #end(key: string, events: SessionEvents, follow: boolean, moves = 0): Promise<{ key: string; user?: string }[]> {
    const guard = this.#guard(events);
    for (let attempt = 1; ; attempt++) {
      const found = await guarded(guard, "get", () => this.store.get(key));
      const text = storedText(found);
      const moved = parseTombstone(text)?.n;
      if (moved !== undefined) return follow && moves < MAX_MOVES ? this.#end(moved, events, follow, moves + 1) : [];
      const record = acceptRecord(text, key, this.policy, this.clock(), events);
      if (!record) return [];
      if (!this.store.compareAndSet) {
        await guarded(guard, "delete", () => this.store.delete(key));
        return [{ key, user: record.u }];
      }
      const closed = { expiresAt: this.clock() + TOMBSTONE_SECONDS * 1000, ttlSeconds: TOMBSTONE_SECONDS, touchOnly: false };
      if (await guarded(guard, "compareAndSet", () => this.store.compareAndSet!(key, tombstone(), found!.version ?? null, closed))) {
        return [{ key, user: record.u }];
      }
      await afterConflict(guard, attempt, INDEX_ATTEMPTS, "a session being revoked");
    }
  }

  #guard(events: SessionEvents) {
    return { storeName: this.store.name, timeout: this.timeout, events };
  }

  async #read(key: string, events: SessionEvents): Promise<{ index: Index; version: StoreVersion | null }> {
    const found = await guarded(this.#guard(events), "get", () => this.store.get(key));
    const text = storedText(found);
    const parsed = text === undefined ? null : parseIndex(text);
    if (text !== undefined && !parsed) events.tampered("corrupt-record");
    return { index: parsed ?? {}, version: found?.version ?? null };
  }

  /**
   * Applies `change` to the user's index (false from it: nothing to write): with compare-and-set,
   * re-read and re-applied until it lands, so concurrent logins of one user all stay listed;
   * without it, last write wins.
   */
  async #change(userId: string, events: SessionEvents, change: (index: Index) => unknown): Promise<void> {
    const key = await userIndexKey(userId);
    // One at a time from this isolate, as session saves are: a burst of one user's logins here
    // would otherwise exhaust its attempts (one write lands per round); other isolates' are
    // still caught by compare-and-set.
    await oneAtATime(this.store, key, this.timeout, () => this.#changeNow(key, events, change));
  }

  async #changeNow(key: string, events: SessionEvents, change: (index: Index) => unknown): Promise<void> {
    const guard = this.#guard(events);
    for (let attempt = 1; ; attempt++) {
      const { index, version } = await this.#read(key, events);
      if ((await change(index)) === false) return;
      // As long as any session can live: it is refreshed by every login, logout and touch of one.
      const ttlSeconds = Object.keys(index).length > 0 ? MAX_COOKIE_AGE_SECONDS : INDEX_EMPTY_SECONDS;
      const value = JSON.stringify(index);
      const options = { expiresAt: this.clock() + ttlSeconds * 1000, ttlSeconds, touchOnly: false };
      if (!this.store.compareAndSet) {
        await guarded(guard, "set", () => this.store.set(key, value, options));
        return;
      }
      if (await guarded(guard, "compareAndSet", () => this.store.compareAndSet!(key, value, version, options))) return;
      await afterConflict(guard, attempt, INDEX_ATTEMPTS, "a user's session index");
    }
  }
}

/** An index change that drops `storeKeys`. */
function without(storeKeys: readonly string[]): (index: Index) => void {
  return (index) => {
    for (const key of storeKeys) delete index[key];
  };
}

function parseIndex(text: string): Index | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Index) : null;
  } catch {
    return null;
  }
}
