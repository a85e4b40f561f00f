/**
 * `coatcheck/adapters/deno-kv`: sessions in Deno KV, from `Deno.openKv()` in Deno or `openKv()` of
 * the `@deno/kv` package in Node. Compare-and-set through versionstamps, so concurrent requests
 * are merged key by key and a destroyed session is never brought back by a racing save.
 *
 * A session above Deno KV's 64 KiB value limit is split over several keys written in one atomic
 * operation and read back whole; one above what a single atomic operation can carry (768 KiB) is
 * refused with `ERR_SESSION_TOO_LARGE` before anything is written. Nothing is ever truncated. A
 * record whose chunks are missing or do not match its head is read as corrupt (the core then starts
 * a fresh session and reports `tampered`), never as an error on every request.
 *
 * Deno KV deletes expired keys lazily, so the record's absolute expiry is stored with it and a
 * read past it returns nothing.
 *
 * @module
 */
import { utf8 } from "../src/encoding.js";
import { SessionError } from "../src/errors.js";
import type { SessionStore, StoredValue, StoreVersion, StoreWriteOptions, StoreWritten } from "../src/store.js";

/** A part of a Deno KV key (the parts both Deno and `@deno/kv` accept). */
export type DenoKvKeyPart = Uint8Array | string | number | bigint | boolean;
/** A Deno KV key: a list of parts. */
export type DenoKvKey = readonly DenoKvKeyPart[];

interface DenoKvEntryMaybe {
  value: unknown;
  versionstamp: string | null;
}

interface DenoKvAtomicOperation {
  check(...checks: { key: DenoKvKey; versionstamp: string | null }[]): this;
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): this;
  delete(key: DenoKvKey): this;
  /** `versionstamp` is there when `ok`: the one every key the operation wrote now has. */
  commit(): Promise<{ ok: boolean; versionstamp?: string }>;
}

/**
 * The part of a `Deno.Kv` this store uses, declared here so that no Deno global types are needed:
 * `Deno.openKv()` and `@deno/kv`'s `openKv()` both satisfy it.
 */
export interface DenoKvLike {
  /** Reads one key (a session's head). */
  get(key: DenoKvKey): Promise<DenoKvEntryMaybe>;
  /** Reads several keys at once (a split session's pieces). */
  getMany(keys: readonly DenoKvKey[]): Promise<DenoKvEntryMaybe[]>;
  /** Starts an atomic operation: every write of a session, checked by versionstamp. */
  atomic(): DenoKvAtomicOperation;
}

/** Options of {@link denoKVStore}. */
export interface DenoKVStoreOptions {
  /** [`["coatcheck", "sessions"]`] Key parts before every session key. */
  prefix?: DenoKvKey;
  /** [Date.now] Clock in ms since the epoch, for tests. */
  clock?: () => number;
}

// Deno KV's limits (https://github.com/denoland/deno/blob/main/ext/kv/config.rs), enforced alike by
// Deno 2.9 and @deno/kv 0.14: "Value too large (max 65536 bytes)", "Total mutation size too large
// (max 819200 bytes)", "Too many ranges (max 10)" for getMany, "Key too large for write (max 2048 bytes)".
const CHUNK_BYTES = 64 * 1024;
/** A record this small travels inside its head entry, leaving room for the head's own fields. */
const INLINE_BYTES = CHUNK_BYTES - 1024;
/** 12 full chunks plus keys and head stay under the 819,200-byte atomic operation limit. */
const MAX_CHUNKS = 12;
const MAX_VALUE_BYTES = MAX_CHUNKS * CHUNK_BYTES;
const MAX_GET_MANY = 10;
/** Keys may be 2048 bytes; a short prefix leaves room for the session key and chunk index. */
const MAX_PREFIX_BYTES = 1024;
const READ_ATTEMPTS = 3;

/** The value stored under a session's key. */
interface Head {
  expiresAt: number;
  /** 0: the record is in `data`; otherwise the number of chunk entries at `[...key, index]`. */
  chunks: number;
  data?: Uint8Array;
}

const decoder = new TextDecoder();

function isHead(value: unknown): value is Head {
  const head = value as Head | null;
  return typeof head?.expiresAt === "number" && Number.isInteger(head.chunks) && (head.chunks > 0 || head.data instanceof Uint8Array);
}

/** An upper bound of a key prefix's encoded size: a tag and terminator around each part's bytes. */
function prefixBytes(prefix: DenoKvKey): number {
  let bytes = 0;
  for (const part of prefix) {
    if (typeof part === "string") bytes += utf8.encode(part).length + 2;
    else if (part instanceof Uint8Array) bytes += part.length + 2;
    else bytes += 10; // numbers, bigints and booleans: a tag and at most 9 bytes
  }
  return bytes;
}

/**
 * A session store on Deno KV, with compare-and-set.
 *
 * @example
 * ```ts
 * import { withSession } from "coatcheck";
 * import { denoKVStore } from "coatcheck/adapters/deno-kv";
 *
 * const kv = await Deno.openKv();
 * Deno.serve(withSession(app, { secrets: [Deno.env.get("SESSION_SECRET")!], store: denoKVStore(kv) }));
 * ```
 */
export function denoKVStore(kv: DenoKvLike, options: DenoKVStoreOptions = {}): SessionStore {
  const { prefix = ["coatcheck", "sessions"], clock = Date.now } = options;
  if (!Array.isArray(prefix) || prefixBytes(prefix) > MAX_PREFIX_BYTES) {
    throw new SessionError(
      "ERR_SESSION_OPTIONS",
      `deno-kv store: \`prefix\` must be an array of key parts of at most ${MAX_PREFIX_BYTES} bytes.`,
    );
  }
  const headKey = (key: string): DenoKvKey => [...prefix, key];
  const chunkKey = (key: string, index: number): DenoKvKey => [...prefix, key, index];

  /** The mutations that replace a key's record; throws before anything is written when too large. */
  const write = (operation: DenoKvAtomicOperation, key: string, value: string, { expiresAt, ttlSeconds }: StoreWriteOptions) => {
    const bytes = utf8.encode(value);
    if (bytes.length > MAX_VALUE_BYTES) {
      throw new SessionError(
        "ERR_SESSION_TOO_LARGE",
        `deno-kv store: the session is ${bytes.length} bytes; one Deno KV atomic operation carries at most ${MAX_VALUE_BYTES} (${MAX_CHUNKS} values of 64 KiB). Keep less in the session.`,
      );
    }
    const expireIn = ttlSeconds * 1000;
    const chunks = bytes.length <= INLINE_BYTES ? 0 : Math.ceil(bytes.length / CHUNK_BYTES);
    const head: Head = chunks === 0 ? { expiresAt, chunks, data: bytes } : { expiresAt, chunks };
    operation.set(headKey(key), head, { expireIn });
    for (let index = 0; index < chunks; index++) {
      operation.set(chunkKey(key, index), bytes.slice(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES), { expireIn });
    }
    // Chunks a longer earlier record left behind.
    for (let index = chunks; index < MAX_CHUNKS; index++) operation.delete(chunkKey(key, index));
    return operation;
  };

  /** The chunks of a head, or null when one is missing or from another write than the head. */
  const readChunks = async (key: string, head: Head, versionstamp: string): Promise<Uint8Array | null> => {
    const keys = Array.from({ length: head.chunks }, (_, index) => chunkKey(key, index));
    const whole = new Uint8Array(head.chunks * CHUNK_BYTES);
    let length = 0;
    for (let start = 0; start < keys.length; start += MAX_GET_MANY) {
      for (const entry of await kv.getMany(keys.slice(start, start + MAX_GET_MANY))) {
        // Every entry of one atomic write carries the same versionstamp.
        if (entry.versionstamp !== versionstamp || !(entry.value instanceof Uint8Array)) return null;
        whole.set(entry.value, length);
        length += entry.value.length;
      }
    }
    return whole.subarray(0, length);
  };

  const read = async (key: string): Promise<(StoredValue & { expired: boolean }) | null> => {
    for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      const entry = await kv.get(headKey(key));
      if (entry.versionstamp === null || !isHead(entry.value)) return null;
      const head = entry.value;
      const expired = head.expiresAt <= clock();
      if (expired || head.chunks === 0) return { value: expired ? "" : decoder.decode(head.data), version: entry.versionstamp, expired };
      const bytes = await readChunks(key, head, entry.versionstamp);
      if (bytes) return { value: decoder.decode(bytes), version: entry.versionstamp, expired };
      // A head and its chunks are written in one atomic operation. Chunks that do not match a head
      // that is still there unchanged are damaged, not being replaced: return "", which the core
      // reports as a corrupt record (a `tampered` event and a fresh session), with the version so
      // that compare-and-set can still write over it. Only a head that changed is worth a retry.
      if ((await kv.get(headKey(key))).versionstamp === entry.versionstamp) return { value: "", version: entry.versionstamp, expired };
    }
    throw new SessionError("ERR_SESSION_STORE", `deno-kv store: the session kept changing while being read (${READ_ATTEMPTS} attempts).`);
  };

  return {
    name: "deno-kv",
    async get(key): Promise<StoredValue | null> {
      const found = await read(key);
      return found && !found.expired ? { value: found.value, version: found.version } : null;
    },
    async set(key, value, writeOptions) {
      await commitLocked(() => write(kv.atomic(), key, value, writeOptions));
    },
    async delete(key) {
      await commitLocked(() => {
        const operation = kv.atomic().delete(headKey(key));
        for (let index = 0; index < MAX_CHUNKS; index++) operation.delete(chunkKey(key, index));
        return operation;
      });
    },
    async compareAndSet(key, value, expected: StoreVersion | null, writeOptions) {
      const versionstamp = expected === null ? null : String(expected);
      const attempt = (current: string | null) =>
        commitLocked(() => write(kv.atomic().check({ key: headKey(key), versionstamp: current }), key, value, writeOptions));
      const first = await attempt(versionstamp);
      if (first.ok) return written(first);
      if (versionstamp !== null) return false;
      // "Absent" includes a record past its expiry that Deno KV has not purged yet.
      const stale = await read(key);
      return stale?.expired === true && written(await attempt(String(stale.version)));
    },
  };
}

/** A committed operation's answer to compareAndSet: its versionstamp, the head's version from now on. */
function written(result: { ok: boolean; versionstamp?: string }): boolean | StoreWritten {
  if (!result.ok) return false;
  return typeof result.versionstamp === "string" ? { version: result.versionstamp } : true;
}

/** How often an atomic operation is tried while SQLite answers "database is locked". */
const LOCKED_ATTEMPTS = 8;

/**
 * Commits the operation `make` builds. A local Deno KV is one SQLite file: when several processes
 * open it, a write that meets another process's write fails with "database is locked" (SQLite's
 * BUSY_SNAPSHOT, which a busy timeout does not cure) and writes nothing. The same operation, checks
 * included, is built and tried again after a short random wait, so compare-and-set stays exact.
 */
async function commitLocked(make: () => DenoKvAtomicOperation): Promise<{ ok: boolean; versionstamp?: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await make().commit();
    } catch (error) {
      if (attempt === LOCKED_ATTEMPTS || !/database is locked/i.test(String((error as Error)?.message ?? error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 4 * attempt));
    }
  }
}
