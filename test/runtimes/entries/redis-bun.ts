// Runs the shared store conformance suite inside the real `bun` binary, through Bun's built-in
// `RedisClient`, against the redis-server at REDIS_URL. Spawned by test/runtimes/redis-bun.test.ts,
// which starts that server and parses the lines that report-cases.ts prints. Bun documents Redis 7.2
// or later; Debian's 7.0 serves it every command this store sends (GET, DEL, EVALSHA, EVAL).
import { RedisClient } from "bun";
import { redisStore } from "../../../adapters/redis.js";
import { collectStoreConformance } from "../../../src/testing.js";
import { REDIS_CAPABILITIES } from "./redis-capabilities.js";
import { reportCases } from "./report-cases.js";

const client = new RedisClient(process.env.REDIS_URL!);

let prefixes = 0;
const cases = collectStoreConformance({
  name: "redis (Bun.redis)",
  create: async (clock) => ({ store: redisStore(client, { clock, prefix: `bun${++prefixes}:` }) }),
  capabilities: REDIS_CAPABILITIES,
});
await reportCases(cases, () => client.close());
