/**
 * A custom coatcheck store, written as a user would write one for a backend coatcheck does not
 * ship: here any Map-like backend (a `Map`, an LRU cache such as `lru-cache` or `quick-lru`, a
 * cache shared by a worker pool). It is what `coatcheck/testing` checks: `get`, `set` with an
 * absolute expiry, `delete`, and `compareAndSet`, all reading time from the injected clock.
 *
 * Guarantees, in the words every coatcheck store uses: compare-and-set (the backend is
 * synchronous, so a read, a version check and a write in one call cannot interleave with another
 * request's); expiry checked on every read, and an expired entry dropped when read; no size limit
 * beyond the backend's; data as durable as the backend (a `Map` loses it on restart).
 *
 * @module
 */
import type { SessionStore, StoredValue, StoreWriteOptions } from "coatcheck";

/** What the store keeps under each key. */
export interface MapStoreEntry {
  value: string;
  /** Bumped on every write, so a compare-and-set over a stale read fails. */
  version: number;
  /** Absolute expiry, in milliseconds since the epoch. */
  expiresAt: number;
}

/** The part of a `Map` the store uses; LRU caches have the same three methods. */
export interface MapLike<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): unknown;
  delete(key: K): unknown;
}

/** Options of {@link mapStore}. */
export interface MapStoreOptions {
  /** [Date.now] Milliseconds since the epoch; the conformance suite passes its own to test expiry. */
  clock?: () => number;
}

/**
 * A session store over a Map-like backend.
 *
 * @example
 * withSession(app, { secrets: [process.env.SESSION_SECRET!], store: mapStore(new Map()) })
 */
export function mapStore(backend: MapLike<string, MapStoreEntry> = new Map(), { clock = Date.now }: MapStoreOptions = {}): SessionStore {
  let versions = 0;

  /** The live entry under `key`; an expired one is dropped. */
  function live(key: string): MapStoreEntry | undefined {
    const entry = backend.get(key);
    if (entry && entry.expiresAt <= clock()) {
      backend.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Writes the entry under a new version, and returns that version. */
  function write(key: string, value: string, { expiresAt }: StoreWriteOptions): number {
    backend.set(key, { value, version: ++versions, expiresAt });
    return versions;
  }

  return {
    name: "map",
    async get(key): Promise<StoredValue | null> {
      const entry = live(key);
      return entry ? { value: entry.value, version: entry.version } : null;
    },
    async set(key, value, options) {
      write(key, value, options);
    },
    async delete(key) {
      backend.delete(key);
    },
    async compareAndSet(key, value, expected, options) {
      const current = live(key);
      // `null` means "only if absent"; otherwise the version read must still be the current one.
      if (expected === null ? current !== undefined : current?.version !== expected) return false;
      // The version written (plain `true` would do too): queued saves of one session then need no re-read.
      return { version: write(key, value, options) };
    },
  };
}
