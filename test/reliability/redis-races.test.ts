// The cross-process races on Redis: several Node processes, each with its own client (node-redis,
// ioredis, or @upstash/redis over HTTP through the loopback shim), on one redis-server started here.
import { afterAll, beforeAll, describe, it } from "vitest";
import { type RedisServer, redisServerAvailable, startRedisServer } from "../adapters/redis-server.js";
import { startUpstashShim, UPSTASH_TOKEN, type UpstashShim } from "../adapters/upstash-shim.js";
import { defineCrossProcessRaces } from "./cross-process.js";

const available = redisServerAvailable();
let server: RedisServer;
let shim: UpstashShim;

beforeAll(async () => {
  if (!available) return;
  server = await startRedisServer();
  shim = await startUpstashShim(server.url);
});
afterAll(async () => {
  await shim?.close();
  await server?.stop();
});

let prefixes = 0;
/** A prefix per test, so the tests share nothing on the one server. */
const env = () => ({ REDIS_URL: server.url, REDIS_PREFIX: `race${++prefixes}:`, UPSTASH_URL: shim.url, UPSTASH_TOKEN });

describe.skipIf(!available)("redis", () => {
  for (const [client, kind] of [
    ["node-redis", "redis-node-redis"],
    ["ioredis", "redis-ioredis"],
    ["@upstash/redis over HTTP", "redis-upstash"],
  ]) {
    defineCrossProcessRaces({ describe, it }, { name: `redis (${client})`, kind: kind!, env });
  }
});
