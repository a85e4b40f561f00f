/**
 * `coatcheck/adapters/memory`: sessions in a `Map` inside this isolate or process. TTL, a bounded
 * number of entries (least recently used evicted first, so a flood of new visitors cannot exhaust
 * memory) and compare-and-set. For tests, development and single-process servers: the data is lost
 * on restart and not shared between processes or Workers isolates.
 *
 * @module
 */
import { SessionError } from "../src/errors.js";
import type { SessionStore, StoredValue, StoreVersion, StoreWriteOptions } from "../src/store.js";

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** [10000] Sessions kept at most; past it the least recently used is evicted. */
  maxEntries?: number;
  /** [Date.now] Clock in ms since the epoch, for tests. */
  clock?: () => number;
}

interface Entry {
  value: string;
  version: number;
  expiresAt: number;
}

/**
 * An in-memory session store.
 *
 * @example
 * ```ts
 * import { withSession } from "coatcheck";
 * import { memoryStore } from "coatcheck/adapters/memory";
 *
 * const handler = withSession(app, { secrets: [process.env.SESSION_SECRET!], store: memoryStore({ maxEntries: 50_000 }) });
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): SessionStore & { readonly size: number } {
  const { maxEntries = 10_000, clock = Date.now } = options;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new SessionError("ERR_SESSION_OPTIONS", `memory store: \`maxEntries\` must be a positive integer; got ${String(maxEntries)}.`);
  }
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  const entries = new Map<string, Entry>();
  let nextVersion = 1;

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    entries.delete(key);
    if (entry.expiresAt <= clock()) return undefined;
    entries.set(key, entry);
    return entry;
  };

  const write = (key: string, value: string, { expiresAt }: StoreWriteOptions): void => {
    entries.delete(key);
    entries.set(key, { value, version: nextVersion++, expiresAt });
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
  };

  return {
    name: "memory",
    get size() {
      return entries.size;
    },
    async get(key): Promise<StoredValue | null> {
      const entry = live(key);
      return entry ? { value: entry.value, version: entry.version } : null;
    },
    async set(key, value, writeOptions) {
      write(key, value, writeOptions);
    },
    async delete(key) {
      entries.delete(key);
    },
    async compareAndSet(key, value, expected: StoreVersion | null, writeOptions) {
      const current = live(key);
      if ((current?.version ?? null) !== expected) return false;
      write(key, value, writeOptions);
      return true;
    },
  };
}
