/**
 * `coatcheck/adapters/cloudflare-kv`: sessions in a Workers KV namespace.
 *
 * Workers KV is eventually consistent and has no compare-and-set, so this store is
 * **last-write-wins**: two requests of one session saving at once keep only the later write, and a
 * logout (or a login's new id) can take up to 60 seconds to be seen from other locations, during
 * which the old record may still be read there. Use Deno KV or a Durable Object when that matters.
 *
 * KV deletes expired keys lazily and refuses TTLs under 60 s, so the record's absolute expiry also
 * travels in the key's metadata and a read past it returns nothing.
 *
 * @module
 */
import { utf8 } from "../src/encoding.js";
import { SessionError } from "../src/errors.js";
import type { SessionStore, StoredValue, StoreWriteOptions } from "../src/store.js";

/**
 * The part of a Workers `KVNamespace` binding this store uses. A `KVNamespace` from
 * `@cloudflare/workers-types` (or `wrangler types`) satisfies it, as does Miniflare's.
 */
export interface KVNamespaceLike {
  /** Reads a session and the exact expiry kept in its metadata. */
  getWithMetadata<Metadata = unknown>(key: string, type: "text"): Promise<{ value: string | null; metadata: Metadata | null }>;
  /** Writes a session with its TTL (at least 60 s) and metadata. */
  put(key: string, value: string, options?: { expirationTtl?: number; metadata?: unknown }): Promise<void>;
  /** Deletes a session. */
  delete(key: string): Promise<void>;
}

/** Options of {@link cloudflareKVStore}. */
export interface CloudflareKVStoreOptions {
  /** [`"coatcheck:"`] Put before every key, so sessions can share a namespace with other data. */
  prefix?: string;
  /** [Date.now] Clock in ms since the epoch, for tests. */
  clock?: () => number;
}

// https://developers.cloudflare.com/kv/platform/limits/
const MAX_KEY_BYTES = 512;
const MAX_VALUE_BYTES = 25 * 1024 * 1024;
// https://developers.cloudflare.com/kv/api/write-key-value-pairs/#expiring-keys
const MIN_EXPIRATION_TTL_SECONDS = 60;
/** Our store keys are 43-character hashes; leave room for them after the prefix. */
const KEY_ROOM = 64;
// One write per key per second, answered "KV PUT failed: 429 Too Many Requests" in workerd:
// https://developers.cloudflare.com/kv/api/write-key-value-pairs/#limits-to-kv-writes-to-the-same-key
const RETRY_DELAYS_MS = [200, 400, 800];

interface Metadata {
  expiresAt: number;
}

const byteLength = (text: string): number => utf8.encode(text).length;
const isRateLimited = (error: unknown): boolean => error instanceof Error && /\b429\b/.test(error.message);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A session store on a Workers KV namespace. Last write wins (see the module notes); store TTLs
 * are at least 60 s, and coatcheck still ends shorter sessions on time.
 *
 * @example
 * ```ts
 * import { withSession } from "coatcheck";
 * import { cloudflareKVStore } from "coatcheck/adapters/cloudflare-kv";
 *
 * export default {
 *   fetch: withSession(app, (env: { SESSIONS: KVNamespace; SECRET: string }) => ({
 *     secrets: [env.SECRET],
 *     store: cloudflareKVStore(env.SESSIONS, { prefix: "sessions:" }),
 *   })),
 * };
 * ```
 */
export function cloudflareKVStore(namespace: KVNamespaceLike, options: CloudflareKVStoreOptions = {}): SessionStore {
  const { prefix = "coatcheck:", clock = Date.now } = options;
  if (typeof prefix !== "string" || byteLength(prefix) > MAX_KEY_BYTES - KEY_ROOM) {
    throw new SessionError(
      "ERR_SESSION_OPTIONS",
      `cloudflare-kv store: \`prefix\` must be a string of at most ${MAX_KEY_BYTES - KEY_ROOM} bytes (KV keys are limited to ${MAX_KEY_BYTES}).`,
    );
  }

  const kvKey = (key: string): string => {
    const full = prefix + key;
    const bytes = byteLength(full);
    if (bytes > MAX_KEY_BYTES) {
      throw new SessionError(
        "ERR_SESSION_TOO_LARGE",
        `cloudflare-kv store: the key is ${bytes} bytes; Workers KV allows ${MAX_KEY_BYTES}.`,
      );
    }
    return full;
  };

  /**
   * Runs a write, retrying a 429 with a short bounded backoff; a skippable write is dropped on 429
   * and reported as `false`, so the core does not refresh the cookie past the stored expiry.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: mirrors SessionStore.set.
  const write = async (call: () => Promise<void>, skippable: boolean): Promise<void | false> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isRateLimited(error)) throw error;
        // Refreshing the expiry of unchanged data can wait for the next request.
        if (skippable) return false;
        if (attempt === RETRY_DELAYS_MS.length) throw error;
        await sleep(RETRY_DELAYS_MS[attempt]!);
      }
    }
  };

  return {
    name: "cloudflare-kv",
    async get(key): Promise<StoredValue | null> {
      const { value, metadata } = await namespace.getWithMetadata<Metadata>(kvKey(key), "text");
      if (value === null) return null;
      if (typeof metadata?.expiresAt === "number" && metadata.expiresAt <= clock()) return null;
      return { value };
    },
    async set(key, value, { expiresAt, ttlSeconds, touchOnly }: StoreWriteOptions) {
      const fullKey = kvKey(key);
      // A fast upper bound first: most sessions are far below the limit and need no encoding.
      const bytes = value.length * 3 <= MAX_VALUE_BYTES ? 0 : byteLength(value);
      if (bytes > MAX_VALUE_BYTES) {
        throw new SessionError(
          "ERR_SESSION_TOO_LARGE",
          `cloudflare-kv store: the session is ${bytes} bytes; Workers KV values are limited to ${MAX_VALUE_BYTES} (25 MiB).`,
        );
      }
      const expirationTtl = Math.max(MIN_EXPIRATION_TTL_SECONDS, Math.ceil(ttlSeconds));
      const metadata: Metadata = { expiresAt };
      return write(() => namespace.put(fullKey, value, { expirationTtl, metadata }), touchOnly);
    },
    async delete(key) {
      const fullKey = kvKey(key);
      await write(() => namespace.delete(fullKey), false);
    },
  };
}
