// The SQL store's conformance suite inside the real `bun` binary (the npm package `bun`), against
// `bun:sqlite`: test/runtimes/entries/sql-bun-runner.ts runs the very cases Node runs.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type ConformanceTarget, collectStoreConformance } from "../../src/testing.js";
import { SQL_CAPABILITIES } from "./entries/sql-capabilities.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bun = fileURLToPath(new URL("../../node_modules/.bin/bun", import.meta.url));

/** The case names the suite defines for the SQL store's capabilities, as the runner reports them. */
function expectedCases(): string[] {
  const target: ConformanceTarget = {
    name: "sql (bun:sqlite)",
    create: async () => Promise.reject(new Error("not run")),
    capabilities: SQL_CAPABILITIES,
  };
  return collectStoreConformance(target).map((testCase) => testCase.name);
}

function runBun(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bun, ["test/runtimes/entries/sql-bun-runner.ts"], { cwd: root, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error.code as number | undefined) ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("sql store in Bun", () => {
  it("passes every conformance case with bun:sqlite", async () => {
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
    expect(names.length).toBeGreaterThan(0);
    expect(names).toEqual(expectedCases());
    expect(lines.at(-1)).toEqual({ passed: names.length, failed: 0 });
  }, 130_000);
});
