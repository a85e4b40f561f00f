// Small helpers shared by the reliability suites.
import { openKv } from "@deno/kv";
import { Miniflare } from "miniflare";
import { createClient } from "redis";
import { afterAll, beforeAll } from "vitest";
import { cloudflareKVStore } from "../../adapters/cloudflare-kv.js";
import { denoKVStore } from "../../adapters/deno-kv.js";
import { memoryStore } from "../../adapters/memory.js";
import { redisStore } from "../../adapters/redis.js";
import { storeKeyFor } from "../../src/id.js";
import type { SessionStore } from "../../src/store.js";
import { type RedisServer, redisServerAvailable, startRedisServer } from "../adapters/redis-server.js";
import type { CookieJar } from "../helpers.js";

/** The store key of the session a jar's `sid` cookie names. */
export async function storeKeyOf(jar: CookieJar, cookieName = "sid"): Promise<string> {
  const value = jar.cookies.get(cookieName);
  if (!value) throw new Error(`the jar holds no ${cookieName} cookie`);
  return storeKeyFor(value.slice(0, value.indexOf(".")));
}

/** A real store backend a suite runs against, opened fresh per test. */
export interface Backend {
  name: string;
  /** No compare-and-set: concurrent saves of one session overwrite each other. */
  lastWriteWins: boolean;
  open(): Promise<{ store: SessionStore; close(): Promise<void> | void }>;
}

/**
 * The id-backed stores on their real backends: memory, Deno KV through `@deno/kv`, Workers KV in
 * workerd (one Miniflare for the suite, started and disposed with it), and Redis through node-redis
 * on a redis-server of the suite's own (when installed; see test/adapters/redis-server.ts).
 */
export function realBackends(memoryOptions: Parameters<typeof memoryStore>[0] = {}): Backend[] {
  let mf: Miniflare | undefined;
  const withRedis = redisServerAvailable();
  let redis: { server: RedisServer; client: Awaited<ReturnType<typeof connectRedis>> } | undefined;
  beforeAll(async () => {
    if (withRedis) {
      const server = await startRedisServer();
      redis = { server, client: await connectRedis(server.url) };
    }
    mf = new Miniflare({
      modules: true,
      script: "export default { fetch() { return new Response(); } }",
      kvNamespaces: ["SESSIONS"],
      // Loopback only: a free port, and no `request.cf` fetched from the network.
      host: "127.0.0.1",
      port: 0,
      cf: false,
    });
    await mf.ready;
  });
  afterAll(async () => {
    await mf?.dispose();
    await redis?.client.close();
    await redis?.server.stop();
  });
  let redisPrefixes = 0;
  const backends: Backend[] = [
    { name: "memory", lastWriteWins: false, open: async () => ({ store: memoryStore(memoryOptions), close() {} }) },
    {
      name: "deno-kv",
      lastWriteWins: false,
      async open() {
        const kv = await openKv(":memory:");
        return { store: denoKVStore(kv), close: () => kv.close() };
      },
    },
    {
      name: "cloudflare-kv",
      lastWriteWins: true,
      // Keys are hashes of fresh random ids, so every test can share the one namespace.
      open: async () => ({ store: cloudflareKVStore(await mf!.getKVNamespace("SESSIONS")), close() {} }),
    },
  ];
  if (withRedis) {
    // One server and client for the suite; a prefix per test keeps tests apart.
    backends.push({
      name: "redis",
      lastWriteWins: false,
      open: async () => ({ store: redisStore(redis!.client, { prefix: `r${++redisPrefixes}:` }), close() {} }),
    });
  }
  return backends;
}

const connectRedis = (url: string) => createClient({ url }).connect();

/** A test body run on a freshly opened store of `backend`, closed afterwards whatever happens. */
export function onStore(backend: Backend, body: (store: SessionStore) => Promise<void>): () => Promise<void> {
  return async () => {
    const { store, close } = await backend.open();
    try {
      await body(store);
    } finally {
      await close();
    }
  };
}
