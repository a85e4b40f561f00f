// The store conformance suite inside the real `bun` binary, through Bun's built-in `RedisClient`,
// against a redis-server started here: test/runtimes/entries/redis-bun.ts runs the very cases Node runs.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConformanceTarget, collectStoreConformance } from "../../src/testing.js";
import { type RedisServer, redisServerAvailable, startRedisServer } from "../adapters/redis-server.js";
import { REDIS_CAPABILITIES } from "./entries/redis-capabilities.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bun = fileURLToPath(new URL("../../node_modules/.bin/bun", import.meta.url));
const available = redisServerAvailable();
let server: RedisServer;

beforeAll(async () => {
  if (available) server = await startRedisServer();
});
afterAll(async () => {
  await server?.stop();
});

/** The case names the suite defines for the Redis store's capabilities, as the runner reports them. */
function expectedCases(): string[] {
  const target: ConformanceTarget = {
    name: "redis (Bun.redis)",
    create: async () => Promise.reject(new Error("not run")),
    capabilities: REDIS_CAPABILITIES,
  };
  return collectStoreConformance(target).map((testCase) => testCase.name);
}

function runBun(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      bun,
      ["test/runtimes/entries/redis-bun.ts"],
      { cwd: root, env: { ...process.env, REDIS_URL: server.url }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number | undefined) ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe.skipIf(!available)("redis store in Bun", () => {
  it("passes every conformance case through Bun's RedisClient (Bun.redis)", async () => {
    const { code, stdout, stderr } = await runBun();
    const lines = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { case?: string; ok?: boolean; error?: string; passed?: number; failed?: number });
    const cases = lines.filter((line) => line.case !== undefined);
    const failures = cases.filter((line) => !line.ok).map((line) => `${line.case}\n${line.error}`);
    expect(failures, stderr).toEqual([]);
    expect(code, stderr).toBe(0);
    const names = cases.map((line) => line.case!);
    expect(names).toEqual(expectedCases());
    expect(lines.at(-1)).toEqual({ passed: names.length, failed: 0 });
  });
});
