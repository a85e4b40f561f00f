/**
 * `coatcheck/adapters/memory`: sessions in `Map`s inside this isolate or process, with TTL,
 * compare-and-set, and a bound on both the number of sessions and their size. For tests,
 * development and single-process servers: the data is lost on restart and not shared between
 * processes or Workers isolates.
 *
 * Eviction is a segmented LRU (https://en.wikipedia.org/wiki/Cache_replacement_policies#Segmented_LRU_(SLRU)),
 * so that a flood of new visitors cannot log returning users out. A new session enters the
 * probation segment; one that comes back (a `get` that finds it, or a write over it) moves to the
 * protected segment, which holds at most 80% of `maxEntries` and of `maxBytes` and demotes its
 * least recently used to probation past that. Past either bound, an expired session at the old end
 * of a segment goes first, then probation's least recently used, and protected ones only when
 * probation is empty. Every operation takes amortised constant time: no scan, ever.
 *
 * @module
 */
import { SessionError } from "../src/errors.js";
import type { SessionStore, StoredValue, StoreVersion } from "../src/store.js";

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** [10000] Sessions kept at most; past it one is evicted, in the order the module describes. */
  maxEntries?: number;
  /**
   * [67108864, 64 MiB] Bytes kept at most, counted as 2 per UTF-16 code unit of each key and value
   * (the most a JavaScript string takes; the Maps' own overhead is not counted). Past it, sessions
   * are evicted in the same order; one session larger than this is refused with `ERR_SESSION_TOO_LARGE`.
   */
  maxBytes?: number;
  /** [Date.now] Clock in ms since the epoch, for tests. */
  clock?: () => number;
}

interface Entry {
  value: string;
  version: number;
  expiresAt: number;
  bytes: number;
  /** When it last entered the protected segment, on that segment's own count of arrivals. */
  arrived?: number;
}

/** The share of `maxEntries` and of `maxBytes` that sessions which came back may hold. */
const PROTECTED_SHARE = 0.8;

/** One LRU segment: a Map iterates in insertion order, so re-inserting on use keeps the least recently used first. */
class Segment {
  readonly entries = new Map<string, Entry>();
  bytes = 0;
  add(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
  }
  remove(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && this.entries.delete(key)) this.bytes -= entry.bytes;
    return entry;
  }
  oldest(): [string, Entry] | undefined {
    return this.entries.entries().next().value;
  }
}

/**
 * An in-memory session store. `size` is the number of sessions it holds and `bytes` their size,
 * counted as `maxBytes` counts it (expired sessions not yet dropped included in both).
 *
 * @example
 * ```ts
 * import { withSession } from "coatcheck";
 * import { memoryStore } from "coatcheck/adapters/memory";
 *
 * const store = memoryStore({ maxEntries: 50_000, maxBytes: 256 * 1024 * 1024 });
 * const handler = withSession(app, { secrets: [process.env.SESSION_SECRET!], store });
 * ```
 */
export function memoryStore(options: MemoryStoreOptions = {}): SessionStore & { readonly size: number; readonly bytes: number } {
  const { maxEntries = 10_000, maxBytes = 64 * 1024 * 1024, clock = Date.now } = options;
  for (const [name, value] of Object.entries({ maxEntries, maxBytes })) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new SessionError("ERR_SESSION_OPTIONS", `memory store: \`${name}\` must be a positive integer; got ${String(value)}.`);
    }
  }
  const probation = new Segment();
  const protectedSegment = new Segment();
  let nextVersion = 1;
  let arrivals = 0;

  const remove = (key: string) => probation.remove(key) ?? protectedSegment.remove(key);
  const overBounds = () =>
    probation.entries.size + protectedSegment.entries.size > maxEntries || probation.bytes + protectedSegment.bytes > maxBytes;

  /** The live entry of a key, left where it is; an expired one is dropped. */
  const find = (key: string): Entry | undefined => {
    const entry = probation.entries.get(key) ?? protectedSegment.entries.get(key);
    if (!entry || entry.expiresAt > clock()) return entry;
    remove(key);
    return undefined;
  };

  /**
   * Puts a key that came back at the protected segment's recent end; its overflow goes back to
   * probation. One already in the recent half of that segment stays where it is: moving it would
   * change no eviction soon, and a Map's delete-and-insert on every hit is slow once it is large.
   */
  const promote = (key: string, entry: Entry): void => {
    const recent = entry.arrived !== undefined && arrivals - entry.arrived < protectedSegment.entries.size / 2;
    if (recent && protectedSegment.entries.get(key) === entry) return;
    remove(key);
    entry.arrived = ++arrivals;
    protectedSegment.add(key, entry);
    while (protectedSegment.entries.size > maxEntries * PROTECTED_SHARE || protectedSegment.bytes > maxBytes * PROTECTED_SHARE) {
      const [demoted, demotedEntry] = protectedSegment.oldest()!;
      protectedSegment.remove(demoted);
      probation.add(demoted, demotedEntry);
    }
  };

  /** The key to evict next: never `written` (the newest of its segment), which fits alone since its size was checked. */
  const nextVictim = (written: string): string => {
    const now = clock();
    const oldest = [probation.oldest(), protectedSegment.oldest()].filter(
      (candidate): candidate is [string, Entry] => candidate !== undefined && candidate[0] !== written,
    );
    return (oldest.find(([, entry]) => entry.expiresAt <= now) ?? oldest[0]!)[0];
  };

  const sizeOf = (key: string, value: string): number => {
    const bytes = 2 * (key.length + value.length);
    if (bytes <= maxBytes) return bytes;
    const message = `memory store: the session takes ${bytes} bytes, more than \`maxBytes\` (${maxBytes}). Raise \`maxBytes\` or keep less in the session.`;
    throw new SessionError("ERR_SESSION_TOO_LARGE", message);
  };

  /** Writes the entry and returns its new version. */
  const write = (key: string, value: string, expiresAt: number, bytes: number): number => {
    const entry = { value, version: nextVersion++, expiresAt, bytes };
    if (find(key)) promote(key, entry);
    else probation.add(key, entry);
    while (overBounds()) remove(nextVictim(key));
    return entry.version;
  };

  return {
    name: "memory",
    get size() {
      return probation.entries.size + protectedSegment.entries.size;
    },
    get bytes() {
      return probation.bytes + protectedSegment.bytes;
    },
    async get(key): Promise<StoredValue | null> {
      const entry = find(key);
      if (!entry) return null;
      promote(key, entry);
      return { value: entry.value, version: entry.version };
    },
    async set(key, value, { expiresAt }) {
      write(key, value, expiresAt, sizeOf(key, value));
    },
    async delete(key) {
      remove(key);
    },
    async compareAndSet(key, value, expected: StoreVersion | null, { expiresAt }) {
      const bytes = sizeOf(key, value);
      if ((find(key)?.version ?? null) !== expected) return false;
      return { version: write(key, value, expiresAt, bytes) };
    },
  };
}
