/**
 * The store contract: what an adapter implements. Two kinds exist.
 *
 * - {@link SessionStore}: id-backed. The cookie holds a signed id; the data stays in the store under
 *   a hash of that id. Memory, Workers KV and Deno KV are of this kind.
 * - {@link SealedCookieStore}: stateless. The data travels in the cookie, sealed by the adapter.
 *
 * Values are opaque strings (the core serialises records), so an adapter never parses user data.
 *
 * @module
 */

/** An opaque version a compare-and-set store hands out with a value and checks on write. */
export type StoreVersion = string | number;

/** What {@link SessionStore.get} returns for a present key. */
export interface StoredValue {
  /** The value as it was written. */
  value: string;
  /** Required when the store implements `compareAndSet`. */
  version?: StoreVersion;
}

/** How long a written value must live. */
export interface StoreWriteOptions {
  /** Absolute expiry, in milliseconds since the epoch. */
  expiresAt: number;
  /** The same expiry as whole seconds from now, at least 1. */
  ttlSeconds: number;
  /**
   * True when the write only refreshes the expiry of unchanged data. A store may skip such a write
   * when it is rate-limited (Workers KV answers 429 to a second write of one key within a second).
   */
  touchOnly: boolean;
}

/**
 * An id-backed store: get / set / delete by key, with optional compare-and-set.
 *
 * @example
 * ```ts
 * import type { SessionStore } from "coatcheck";
 * const map = new Map<string, string>();
 * export const tinyStore: SessionStore = {
 *   name: "tiny",
 *   async get(key) { const value = map.get(key); return value === undefined ? null : { value }; },
 *   async set(key, value) { map.set(key, value); },
 *   async delete(key) { map.delete(key); },
 * };
 * ```
 */
export interface SessionStore {
  /** Used in error messages and events: "memory", "cloudflare-kv", … */
  readonly name: string;
  /** The value under `key` (with its version, for compare-and-set), or null when absent or expired. */
  get(key: string): Promise<StoredValue | null>;
  /**
   * Writes `value` until `options.expiresAt`. May resolve `false` to say it skipped a `touchOnly`
   * write (rate-limited); the core then leaves the cookie alone too, and refreshes on a later request.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a store whose `set` returns nothing must stay assignable.
  set(key: string, value: string, options: StoreWriteOptions): Promise<void | false>;
  /** Removes `key`; deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Writes `value` only if the key's current version is `expected` (`null`: only if the key is
   * absent). Resolves false, writing nothing, when it is not. On success it resolves `true`, or
   * better `{ version }`: the version the write gave the key, the one a `get` right after would
   * return. Stores that offer this get the core's key-level merge of concurrent requests; with the
   * version, saves of one session queued in one isolate each write over the one before without
   * re-reading it first.
   *
   * @example
   * ```ts
   * async compareAndSet(key, value, expected) {
   *   if ((map.get(key)?.version ?? null) !== expected) return false;
   *   const version = nextVersion++;
   *   map.set(key, { value, version });
   *   return { version };
   * }
   * ```
   */
  compareAndSet?(key: string, value: string, expected: StoreVersion | null, options: StoreWriteOptions): Promise<boolean | StoreWritten>;
}

/** What a successful {@link SessionStore.compareAndSet} may resolve to instead of `true`. */
export interface StoreWritten {
  /** The version the key has after this write. */
  version: StoreVersion;
}

/** What a sealed-cookie store is given to seal or unseal with. */
export interface SealContext {
  /** The configured secrets, first one first. */
  secrets: readonly string[];
  /** The session cookie's name: a token sealed under one name does not open under another. */
  cookieName: string;
  /** Absolute expiry of the record, in milliseconds since the epoch. */
  expiresAt: number;
  /** The core's clock, in milliseconds since the epoch. */
  now: number;
}

/**
 * A stateless store: the serialised record is sealed into the cookie itself. The core splits a
 * long token over `<name>.1`, `<name>.2`, … and joins them back before `unseal`.
 */
export interface SealedCookieStore {
  /** Used in error messages and events: "cookie", … */
  readonly name: string;
  /** Marks a sealed-cookie store, as opposed to an id-backed {@link SessionStore}. */
  readonly kind: "sealed-cookie";
  /** How many cookies one session may span; past it, commit fails with `ERR_SESSION_TOO_LARGE`. */
  readonly maxChunks: number;
  /** Seals the serialised record into a cookie-safe token, under the first secret. */
  seal(value: string, context: SealContext): Promise<string>;
  /**
   * Null for anything that does not open under one of the secrets; `"expired"` for an authentic
   * token past its expiry (reported as an `expired` event, not `tampered`). Never throws for bad input.
   */
  unseal(token: string, context: SealContext): Promise<{ value: string; stale: boolean } | "expired" | null>;
}

/** Any store the `store` option accepts. */
export type AnySessionStore = SessionStore | SealedCookieStore;

export function isSealedCookieStore(store: AnySessionStore): store is SealedCookieStore {
  return (store as SealedCookieStore).kind === "sealed-cookie";
}
