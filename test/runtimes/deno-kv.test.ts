// The store conformance suite inside the real `deno` binary (the npm package `deno`), against
// `Deno.openKv(":memory:")`: test/runtimes/entries/deno-runner.ts runs the very cases Node runs,
// offline (no jsr:, npm: or https: imports) and with no permissions at all.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type ConformanceTarget, collectStoreConformance } from "../../src/testing.js";
import { DENO_KV_CAPABILITIES } from "./entries/deno-kv-capabilities.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const deno = fileURLToPath(new URL("../../node_modules/.bin/deno", import.meta.url));

/** The case names the suite defines for the Deno KV store's capabilities, as the runner reports them. */
function expectedCases(): string[] {
  const target: ConformanceTarget = {
    name: "deno-kv (Deno)",
    create: async () => Promise.reject(new Error("not run")),
    capabilities: DENO_KV_CAPABILITIES,
  };
  return collectStoreConformance(target).map((testCase) => testCase.name);
}

function runDeno(): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [
    "run",
    "--no-config",
    "--no-npm",
    "--no-remote",
    "--sloppy-imports",
    "--unstable-kv",
    "test/runtimes/entries/deno-runner.ts",
  ];
  return new Promise((resolve) => {
    execFile(
      deno,
      args,
      { cwd: root, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number | undefined) ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("deno-kv store in Deno", () => {
  it("passes every conformance case with Deno.openKv(':memory:')", async () => {
    const { code, stdout, stderr } = await runDeno();
    const lines = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { case?: string; ok?: boolean; error?: string; passed?: number; failed?: number });
    const cases = lines.filter((line) => line.case !== undefined);
    const failures = cases.filter((line) => !line.ok).map((line) => `${line.case}\n${line.error}`);
    expect(failures, stderr).toEqual([]);
    expect(code, stderr).toBe(0);
    const names = cases.map((line) => line.case!);
    expect(names.length).toBeGreaterThan(0);
    expect(names).toEqual(expectedCases());
    expect(lines.at(-1)).toEqual({ passed: names.length, failed: 0 });
  });
});
