/**
 * `coatcheck/adapters/redis`: sessions in Redis or Valkey, through the client the app already has:
 * node-redis (`createClient()`, `createCluster()`), ioredis or iovalkey (`new Redis()`, `new Cluster()`),
 * Bun's built-in `RedisClient` (`Bun.redis`), `@upstash/redis` (HTTP, for Workers), or any
 * `{ send(command, args) }`. The client is recognised by its shape; none is imported or bundled.
 *
 * Compare-and-set, so concurrent requests are merged key by key and a destroyed session is never
 * brought back by a racing save: every write is one Lua script (`EVALSHA`, falling back to `EVAL`
 * the first time a server has not seen it) that checks the version kept with the value and writes
 * only over the one the request read, or only an absent key when creating a session. No `WATCH`
 * (it needs one connection held between read and write, which pools, clusters and Upstash's HTTP
 * API do not give: https://github.com/upstash/redis-js/issues/720). A read is one `GET`. Nothing
 * ever lists keys (`KEYS`, `SCAN`).
 *
 * One key per session, `<prefix><hash of the id>`, holding `<version>:<expiresAt>:<record>`, so any
 * cluster hash slot works. Redis ends the key at the record's exact expiry (`PEXPIREAT`); the
 * expiry kept in the value is checked on every read too. A session larger than `maxBytes` (1 MiB
 * unless raised, at most Redis's 512 MiB limit) is refused with `ERR_SESSION_TOO_LARGE` before
 * anything is sent.
 *
 * @module
 */
import { encodeBase64urlNoPadding, utf8 } from "../src/encoding.js";
import { SessionError } from "../src/errors.js";
import type { SessionStore, StoredValue, StoreVersion, StoreWriteOptions } from "../src/store.js";

/** Any client this store accepts; which one it is, is told by its shape. */
export type RedisClientLike =
  /** node-redis: `createClient()` (v4 and later). */
  | { sendCommand(args: string[]): Promise<unknown> }
  /** node-redis: `createCluster()`, which routes by the first key. */
  | { sendCommand(firstKey: string, isReadonly: boolean, args: string[]): Promise<unknown>; getSlotMaster(slot: number): unknown }
  /** ioredis, iovalkey, and their `Cluster`. */
  | { call(command: string, ...args: string[]): Promise<unknown> }
  /** Bun's `RedisClient` (`Bun.redis`), or anything that sends one command. */
  | { send(command: string, args: string[]): Promise<unknown> }
  /** `@upstash/redis` over HTTP. */
  | { exec(args: [string, ...string[]]): Promise<unknown>; evalsha(...args: never[]): unknown };

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** [`"coatcheck:"`] Put before every key, so sessions can share a database with other data. */
  prefix?: string;
  /** [1048576, 1 MiB] Largest session, in UTF-8 bytes; at most 512 MiB, Redis's limit for one value. */
  maxBytes?: number;
  /**
   * [Date.now] Clock in ms since the epoch, for tests. Reads check the record's expiry against it;
   * Redis's own expiry of the key is set at the same distance from Redis's time.
   */
  clock?: () => number;
}

type Send = (key: string, command: string, args: string[]) => Promise<unknown>;

// https://redis.io/docs/latest/develop/data-types/strings/#limits: one value holds at most 512 MiB.
const REDIS_MAX_BYTES = 512 * 1024 * 1024;
/** Room left in Redis's limit for the version and expiry written before the record. */
const HEADER_BYTES = 64;
const DEFAULT_MAX_BYTES = 1024 * 1024;

/**
 * The one write. ARGV: mode ("set" writes whatever is there; "create" only over no live record;
 * "cas" only over version ARGV[2]), expected version, now by the app's clock, Redis expiry, then the
 * whole value. Only the head of the current value is read: `<version>:<expiresAt>:`.
 */
const SCRIPT = `local mode = ARGV[1]
if mode ~= "set" then
  local head = redis.call("GETRANGE", KEYS[1], 0, 63)
  local version, expiresAt = string.match(head, "^([^:]+):(%d+):")
  if version and tonumber(expiresAt) <= tonumber(ARGV[3]) then version = nil end
  if mode == "create" and version then return 0 end
  if mode == "cas" and version ~= ARGV[2] then return 0 end
end
redis.call("SET", KEYS[1], ARGV[5])
redis.call("PEXPIREAT", KEYS[1], ARGV[4])
return 1`;

/** How to send one command through `client`, by its shape; null for a client of no known shape. */
function senderFor(client: unknown): Send | null {
  if (!client || typeof client !== "object") return null;
  const method = (name: string) => {
    const found = (client as Record<string, unknown>)[name];
    return typeof found === "function" ? (found.bind(client) as (...args: unknown[]) => Promise<unknown>) : undefined;
  };
  const call = method("call");
  const sendCommand = method("sendCommand");
  const send = method("send");
  const exec = method("exec");
  // ioredis has `sendCommand` too, taking its own Command objects: `call` comes first.
  if (call) return (_key, command, args) => call(command, ...args);
  if (sendCommand && method("getSlotMaster")) return (key, command, args) => sendCommand(key, false, [command, ...args]);
  if (sendCommand) return (_key, command, args) => sendCommand([command, ...args]);
  if (send) return (_key, command, args) => send(command, args);
  if (exec && method("evalsha")) return (_key, command, args) => exec([command, ...args]);
  return null;
}

async function sha1Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", utf8.encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

const isNoScript = (error: unknown) => /NOSCRIPT/.test(String((error as Error | undefined)?.message ?? error));

/** A version no earlier write of any key has had: 72 random bits. */
function newVersion(): string {
  return encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(9)));
}

/** The value and version of a stored `<version>:<expiresAt>:<record>`; "" for anything else (a corrupt record). */
function parseStored(stored: unknown, now: number): StoredValue | null {
  if (stored === null || stored === undefined) return null;
  const text = typeof stored === "string" ? stored : "";
  const first = text.indexOf(":");
  const second = first > 0 ? text.indexOf(":", first + 1) : -1;
  if (second < 0) return { value: "" };
  if (Number(text.slice(first + 1, second)) <= now) return null;
  return { value: text.slice(second + 1), version: text.slice(0, first) };
}

function checkedOptions({ prefix = "coatcheck:", maxBytes = DEFAULT_MAX_BYTES }: RedisStoreOptions) {
  if (typeof prefix !== "string") {
    throw new SessionError("ERR_SESSION_OPTIONS", 'redis store: `prefix` must be a string, such as `"sessions:"`.');
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > REDIS_MAX_BYTES - HEADER_BYTES) {
    throw new SessionError(
      "ERR_SESSION_OPTIONS",
      `redis store: \`maxBytes\` must be a positive integer of at most ${REDIS_MAX_BYTES - HEADER_BYTES} (Redis keeps at most 512 MiB in one value); got ${String(maxBytes)}.`,
    );
  }
  return { prefix, maxBytes };
}

/**
 * A session store on Redis or Valkey, with compare-and-set, through the client the app already has.
 *
 * @example
 * ```ts
 * import { withSession } from "coatcheck";
 * import { redisStore } from "coatcheck/adapters/redis";
 * import { createClient } from "redis";
 *
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const handler = withSession(app, { secrets: [process.env.SESSION_SECRET!], store: redisStore(client) });
 * ```
 */
export function redisStore(client: RedisClientLike, options: RedisStoreOptions = {}): SessionStore {
  const send = senderFor(client);
  if (!send) {
    throw new SessionError(
      "ERR_SESSION_OPTIONS",
      "redis store: `client` must be a Redis client: node-redis `createClient()`, ioredis `new Redis()`, Bun's `RedisClient`, `@upstash/redis` `new Redis()`, or an object with `send(command, args)`.",
    );
  }
  const { prefix, maxBytes } = checkedOptions(options);
  const clock = options.clock ?? Date.now;
  // Redis expires keys on its own clock, which is the real time; an injected clock may be elsewhere.
  const redisTime = (at: number) => Math.ceil(options.clock ? at - clock() + Date.now() : at);
  let scriptSha: Promise<string> | undefined;

  const runScript = async (key: string, args: string[]): Promise<boolean> => {
    const sha = await (scriptSha ??= sha1Hex(SCRIPT));
    let written: unknown;
    try {
      written = await send(key, "EVALSHA", [sha, "1", key, ...args]);
    } catch (error) {
      // The first write after the server started, or after SCRIPT FLUSH: EVAL loads the script.
      if (!isNoScript(error)) throw error;
      written = await send(key, "EVAL", [SCRIPT, "1", key, ...args]);
    }
    return Number(written) === 1;
  };

  const checkSize = (value: string): void => {
    // A fast upper bound first: most sessions are far below the limit and need no encoding.
    const bytes = value.length * 3 <= maxBytes ? 0 : utf8.encode(value).length;
    if (bytes <= maxBytes) return;
    throw new SessionError(
      "ERR_SESSION_TOO_LARGE",
      `redis store: the session is ${bytes} bytes, more than \`maxBytes\` (${maxBytes}). Keep less in the session, or raise \`maxBytes\` (Redis keeps at most 512 MiB in one value).`,
    );
  };

  /** Runs the script; on a write, the version the key now has, and false when it wrote nothing. */
  const write = async (mode: "set" | "create" | "cas", key: string, value: string, expected: string, { expiresAt }: StoreWriteOptions) => {
    checkSize(value);
    const version = newVersion();
    const stored = `${version}:${Math.ceil(expiresAt)}:${value}`;
    return (await runScript(prefix + key, [mode, expected, String(clock()), String(redisTime(expiresAt)), stored])) && { version };
  };

  return {
    name: "redis",
    async get(key): Promise<StoredValue | null> {
      const fullKey = prefix + key;
      return parseStored(await send(fullKey, "GET", [fullKey]), clock());
    },
    async set(key, value, writeOptions) {
      await write("set", key, value, "", writeOptions);
    },
    async delete(key) {
      const fullKey = prefix + key;
      await send(fullKey, "DEL", [fullKey]);
    },
    async compareAndSet(key, value, expected: StoreVersion | null, writeOptions) {
      return expected === null ? write("create", key, value, "", writeOptions) : write("cas", key, value, String(expected), writeOptions);
    },
  };
}
