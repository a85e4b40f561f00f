// The store conformance suite inside the real `bun` binary, through Bun's built-in `RedisClient`,
// against a redis-server started here: test/runtimes/entries/redis-bun.ts runs the very cases Node runs.
import { afterAll, beforeAll, describe, it } from "vitest";
import { type RedisServer, redisServerAvailable, startRedisServer } from "../adapters/redis-server.js";
import { expectConformanceRun } from "./conformance-run.js";
import { REDIS_CAPABILITIES } from "./entries/redis-capabilities.js";

const available = redisServerAvailable();
let server: RedisServer;

beforeAll(async () => {
  if (available) server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!available)("redis store in Bun", () => {
  it("passes every conformance case through Bun's RedisClient (Bun.redis)", async () => {
    await expectConformanceRun(
      "bun",
      ["test/runtimes/entries/redis-bun.ts"],
      { name: "redis (Bun.redis)", capabilities: REDIS_CAPABILITIES },
      { REDIS_URL: server.url },
    );
  });
});
