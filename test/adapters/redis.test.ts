// The Redis store against a real redis-server (started here, on a free port of 127.0.0.1), through
// each client it takes: node-redis and ioredis in Node, `@upstash/redis` through a loopback shim that
// speaks Upstash's REST protocol to the same server, and a plain `{ send(command, args) }`. Bun's own
// client runs the same suite inside `bun` in test/runtimes/redis-bun.test.ts.
import { Redis as UpstashRedis } from "@upstash/redis";
import type { RedisClient as BunRedisClient } from "bun";
import { Redis as IORedis, type Cluster as IORedisCluster } from "ioredis";
import { createClient, type createCluster } from "redis";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { type RedisClientLike, redisStore } from "../../adapters/redis.js";
import { type SessionEvent, type SessionStore, withSession } from "../../src/index.js";
import { defineStoreConformance } from "../../src/testing.js";
import { CookieJar, countingHandler, fakeClock, SECRET } from "../helpers.js";
import { REDIS_CAPABILITIES } from "../runtimes/entries/redis-capabilities.js";
import { type RedisServer, redisServerAvailable, startRedisServer } from "./redis-server.js";
import { startUpstashShim, UPSTASH_TOKEN, type UpstashShim } from "./upstash-shim.js";

const available = redisServerAvailable();
let server: RedisServer;
const connectNodeRedis = (url: string) => createClient({ url }).connect();
let nodeRedis: Awaited<ReturnType<typeof connectNodeRedis>>;
let ioredis: IORedis;
let shim: UpstashShim;
let upstash: UpstashRedis;

beforeAll(async () => {
  if (!available) return;
  server = await startRedisServer();
  nodeRedis = await connectNodeRedis(server.url);
  ioredis = new IORedis(server.port, "127.0.0.1");
  shim = await startUpstashShim(server.url);
  upstash = new UpstashRedis({ url: shim.url, token: UPSTASH_TOKEN, enableTelemetry: false });
});

afterAll(async () => {
  if (!available) return;
  await nodeRedis?.close();
  ioredis?.disconnect();
  await shim?.close();
  await server?.stop();
});

let prefixes = 0;
/** A prefix no other case uses: each conformance case starts on an empty part of the one server. */
const freshPrefix = () => `t${++prefixes}:`;

/** Sets the user on every request; `/login` regenerates the session id first. */
function loginHandler(store: SessionStore, clock: ReturnType<typeof fakeClock>) {
  return withSession<{ user?: string }>(
    async (request, ctx) => {
      const session = await ctx.session();
      if (new URL(request.url).pathname === "/login") session.regenerate();
      session.set("user", "ada");
      return new Response("ok");
    },
    { secrets: SECRET, store, clock },
  );
}

const clients: [string, () => RedisClientLike][] = [
  ["node-redis", () => nodeRedis],
  ["ioredis", () => ioredis],
  ["@upstash/redis", () => upstash],
  ["send(command, args)", () => ({ send: (command: string, args: string[]) => nodeRedis.sendCommand([command, ...args]) })],
];

describe("redis store client types", () => {
  it("takes each client as its package types it (checked by tsc)", () => {
    expectTypeOf<Awaited<ReturnType<typeof connectNodeRedis>>>().toExtend<RedisClientLike>();
    expectTypeOf<ReturnType<typeof createCluster>>().toExtend<RedisClientLike>();
    expectTypeOf<IORedis>().toExtend<RedisClientLike>();
    expectTypeOf<IORedisCluster>().toExtend<RedisClientLike>();
    expectTypeOf<UpstashRedis>().toExtend<RedisClientLike>();
    expectTypeOf<BunRedisClient>().toExtend<RedisClientLike>();
  });
});

describe.skipIf(!available)("redis store", () => {
  for (const [name, client] of clients) {
    defineStoreConformance(
      { describe, it },
      {
        name: `redis (${name})`,
        create: async (clock) => ({ store: redisStore(client(), { clock, prefix: freshPrefix() }) }),
        capabilities: REDIS_CAPABILITIES,
      },
    );
  }

  const inSeconds = (clock: () => number, seconds: number) => ({
    expiresAt: clock() + seconds * 1000,
    ttlSeconds: seconds,
    touchOnly: false,
  });

  /**
   * The commands the server ran while `body` did, by name, with their counts. Redis counts the
   * commands a script runs too: one write is `evalsha` (the round trip) plus `getrange` (the
   * version check, reading only the head of the value), `set` and `pexpireat` inside it.
   */
  async function commandsDuring(body: () => Promise<void>): Promise<Record<string, number>> {
    await nodeRedis.sendCommand(["CONFIG", "RESETSTAT"]);
    await body();
    const info = String(await nodeRedis.sendCommand(["INFO", "commandstats"]));
    const counts: Record<string, number> = {};
    for (const [, name, calls] of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) counts[name!] = Number(calls);
    delete counts.info;
    delete counts["config|resetstat"];
    return counts;
  }

  /** What `writes` compare-and-set scripts run inside Redis. */
  const inScript = (writes: number) => ({ getrange: writes, set: writes, pexpireat: writes });

  it("stores one key per session, `<version>:<expiresAt>:<record>`, under the default prefix coatcheck:", async () => {
    const store = redisStore(nodeRedis);
    const expiresAt = Date.now() + 60_000;
    await store.set("layout", '{"a":1}', { expiresAt, ttlSeconds: 60, touchOnly: false });
    const raw = String(await nodeRedis.get("coatcheck:layout"));
    const version = (await store.get("layout"))!.version;
    expect(raw).toBe(`${version}:${expiresAt}:{"a":1}`);
    await store.delete("layout");
  });

  it("gives the key Redis's expiry at the record's exact expiry (PEXPIREAT), to the millisecond", async () => {
    const prefix = freshPrefix();
    const store = redisStore(nodeRedis, { prefix });
    const expiresAt = Date.now() + 90_123;
    await store.set("exact", "v", { expiresAt, ttlSeconds: 91, touchOnly: false });
    expect(await store.compareAndSet!("cas", "v", null, { expiresAt: expiresAt + 1, ttlSeconds: 91, touchOnly: false })).toEqual({
      version: expect.anything(),
    });
    expect(Number(await nodeRedis.sendCommand(["PEXPIRETIME", `${prefix}exact`]))).toBe(expiresAt);
    expect(Number(await nodeRedis.sendCommand(["PEXPIRETIME", `${prefix}cas`]))).toBe(expiresAt + 1);
  });

  it("with an injected clock, Redis's expiry is as far from Redis's time as the record's from that clock", async () => {
    const prefix = freshPrefix();
    const clock = fakeClock();
    const before = Date.now();
    await redisStore(nodeRedis, { prefix, clock }).set("k", "v", inSeconds(clock, 600));
    const after = Date.now();
    const expiry = Number(await nodeRedis.sendCommand(["PEXPIRETIME", `${prefix}k`]));
    expect(expiry).toBeGreaterThanOrEqual(before + 600_000);
    expect(expiry).toBeLessThanOrEqual(after + 600_000 + 1);
  });

  it("a request that reads costs one GET; a write one EVALSHA; a logout one DEL; nothing lists keys", async () => {
    const clock = fakeClock();
    const handler = withSession<{ n?: number }>(
      async (request, ctx) => {
        const session = await ctx.session();
        const path = new URL(request.url).pathname;
        if (path === "/add") session.set("n", (session.get("n") ?? 0) + 1);
        if (path === "/logout") session.destroy();
        return new Response("ok");
      },
      { secrets: SECRET, store: redisStore(nodeRedis, { prefix: freshPrefix(), clock }), clock },
    );
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add"))); // loads the script once
    expect(await commandsDuring(async () => void jar.apply(await handler(jar.request("http://shop.test/"))))).toEqual({ get: 1 });
    expect(await commandsDuring(async () => void jar.apply(await handler(jar.request("http://shop.test/add"))))).toEqual({
      get: 1,
      evalsha: 1,
      ...inScript(1),
    });
    expect(await commandsDuring(async () => void jar.apply(await handler(jar.request("http://shop.test/logout"))))).toEqual({
      get: 1,
      del: 1,
    });
  });

  it("a new session costs one EVALSHA (create-only); a login one to create the new id and one to close the old", async () => {
    const clock = fakeClock();
    const handler = loginHandler(redisStore(nodeRedis, { prefix: freshPrefix(), clock }), clock);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/"))); // loads the script once
    expect(await commandsDuring(async () => void (await handler(new Request("http://shop.test/"))))).toEqual({
      evalsha: 1,
      ...inScript(1),
    });
    expect(await commandsDuring(async () => void jar.apply(await handler(jar.request("http://shop.test/login"))))).toEqual({
      get: 1,
      evalsha: 2,
      ...inScript(2),
    });
  });

  it("loads the script with EVAL when the server does not know it (a restart, SCRIPT FLUSH), then uses EVALSHA", async () => {
    const clock = fakeClock();
    const store = redisStore(ioredis, { prefix: freshPrefix(), clock });
    await nodeRedis.sendCommand(["SCRIPT", "FLUSH"]);
    const first = await commandsDuring(async () => void (await store.set("a", "1", inSeconds(clock, 60))));
    expect(first).toMatchObject({ evalsha: 1, eval: 1 });
    // A plain set (no version to check) reads nothing.
    expect(await commandsDuring(async () => void (await store.set("a", "2", inSeconds(clock, 60))))).toEqual({
      evalsha: 1,
      set: 1,
      pexpireat: 1,
    });
    expect((await store.get("a"))?.value).toBe("2");
  });

  it("a regenerated session's old key holds the tombstone, written by the same script over the version read", async () => {
    const prefix = freshPrefix();
    const clock = fakeClock();
    const store = redisStore(nodeRedis, { prefix, clock });
    const handler = loginHandler(store, clock);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/")));
    const [oldKey] = (await nodeRedis.sendCommand(["KEYS", `${prefix}*`])) as string[];
    jar.apply(await handler(jar.request("http://shop.test/login")));
    // The tombstone names the key the session moved to, so a revocation racing the login follows it.
    expect(String(await nodeRedis.get(oldKey!))).toMatch(/^[\w-]+:\d+:\{"v":0,"n":"[\w-]{43}"\}$/);
    expect(Number(await nodeRedis.sendCommand(["PTTL", oldKey!]))).toBeLessThanOrEqual(60_000);
  });

  it("refuses a session over maxBytes before sending anything, with its size, and keeps the stored one", async () => {
    const clock = fakeClock();
    const store = redisStore(nodeRedis, { prefix: freshPrefix(), clock, maxBytes: 1000 });
    await store.set("k", "small", inSeconds(clock, 60));
    const tooLarge = {
      code: "ERR_SESSION_TOO_LARGE",
      message: expect.stringMatching(/^coatcheck: redis store: the session is 1200 bytes, more than `maxBytes` \(1000\)/),
    };
    const sent = await commandsDuring(async () => {
      await expect(store.set("k", "é".repeat(600), inSeconds(clock, 60))).rejects.toMatchObject(tooLarge);
      await expect(store.compareAndSet!("k", "é".repeat(600), null, inSeconds(clock, 60))).rejects.toMatchObject(tooLarge);
    });
    expect(sent).toEqual({});
    expect((await store.get("k"))?.value).toBe("small");
    // 999 two-byte characters are 1998 bytes, though only 999 string length; 1000 ASCII bytes fit.
    await store.set("k", "x".repeat(1000), inSeconds(clock, 60));
  });

  it("refuses bad options at construction, naming the fix: a maxBytes beyond Redis's 512 MiB, a prefix that is not a string, a client of no known shape", () => {
    const optionError = (pattern: RegExp) =>
      expect.objectContaining({ code: "ERR_SESSION_OPTIONS", message: expect.stringMatching(pattern) });
    expect(() => redisStore(nodeRedis, { maxBytes: 600 * 1024 * 1024 })).toThrowError(optionError(/`maxBytes` must be .*512 MiB/));
    expect(() => redisStore(nodeRedis, { maxBytes: 0 })).toThrowError(optionError(/`maxBytes`/));
    expect(() => redisStore(nodeRedis, { prefix: 5 as never })).toThrowError(optionError(/^coatcheck: redis store: `prefix`/));
    expect(() => redisStore(new Map() as never)).toThrowError(optionError(/`client` must be a Redis client/));
    expect(() => redisStore(undefined as never)).toThrowError(optionError(/`client` must be a Redis client/));
  });

  it("reads a value that is not its own layout as a corrupt record: a fresh session and a tampered event, not an error", async () => {
    const prefix = freshPrefix();
    const clock = fakeClock();
    const events: SessionEvent[] = [];
    const handler = countingHandler({
      secrets: SECRET,
      store: redisStore(nodeRedis, { prefix, clock }),
      clock,
      onEvent: (event) => void events.push(event),
    });
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/")));
    const [key] = (await nodeRedis.sendCommand(["KEYS", `${prefix}*`])) as string[];
    await nodeRedis.set(key!, "not a coatcheck record");
    const response = await handler(jar.request("http://shop.test/"));
    expect(await response.json()).toBe(1);
    expect(events).toContainEqual({ type: "tampered", store: "redis", reason: "corrupt-record" });
  });

  it("a failed command is ERR_SESSION_STORE with the client's error as cause", async () => {
    const prefix = freshPrefix();
    const handler = withSession(
      async (request, ctx) => {
        const session = await ctx.session();
        if (new URL(request.url).pathname === "/set") session.set("n", 1);
        return new Response("ok");
      },
      { secrets: SECRET, store: redisStore(nodeRedis, { prefix }) },
    );
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/set")));
    const [key] = (await nodeRedis.sendCommand(["KEYS", `${prefix}*`])) as string[];
    // A value of another type under the key: GET fails with WRONGTYPE.
    await nodeRedis.sendCommand(["DEL", key!]);
    await nodeRedis.sendCommand(["HSET", key!, "a", "b"]);
    const failed = await handler(jar.request("http://shop.test/")).catch((error: unknown) => error);
    expect(failed).toMatchObject({ code: "ERR_SESSION_STORE", message: "coatcheck: redis store: get failed." });
    expect(String((failed as Error).cause)).toMatch(/WRONGTYPE/);
  });

  it("keeps stores with different prefixes apart on one server", async () => {
    const clock = fakeClock();
    const left = redisStore(ioredis, { clock, prefix: "left:" });
    const right = redisStore(upstash, { clock, prefix: "right:" });
    await left.set("k", "L", inSeconds(clock, 60));
    await right.set("k", "R", inSeconds(clock, 60));
    expect((await left.get("k"))?.value).toBe("L");
    expect((await right.get("k"))?.value).toBe("R");
    await left.delete("k");
    expect(await left.get("k")).toBeNull();
    expect((await right.get("k"))?.value).toBe("R");
  });

  it("one session written by one client is read and compare-and-set by another (the layout does not depend on the client)", async () => {
    const prefix = freshPrefix();
    const clock = fakeClock();
    const viaNode = redisStore(nodeRedis, { prefix, clock });
    const viaUpstash = redisStore(upstash, { prefix, clock });
    await viaNode.set("shared", '{"cart":{"7":1,"apple":2}}', inSeconds(clock, 60));
    const read = (await viaUpstash.get("shared"))!;
    expect(read.value).toBe('{"cart":{"7":1,"apple":2}}');
    expect(await viaUpstash.compareAndSet!("shared", '{"cart":{}}', read.version!, inSeconds(clock, 60))).toEqual({
      version: expect.anything(),
    });
    expect(await viaNode.compareAndSet!("shared", "stale", read.version!, inSeconds(clock, 60))).toBe(false);
    expect((await viaNode.get("shared"))?.value).toBe('{"cart":{}}');
  });
});
