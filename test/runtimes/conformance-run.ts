// The Node side of a conformance run in another runtime: spawns the `deno` or `bun` binary on an
// entry that reports through entries/report-cases.ts, parses its JSON lines, and asserts that every
// case passed and that exactly the cases the suite defines for the store's capabilities ran.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { type ConformanceTarget, collectStoreConformance } from "../../src/testing.js";
import type { CaseResult } from "./entries/report-cases.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface RuntimeOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node_modules/.bin/<runtime>` with `args` from the repository root, `env` added to this
 * process's. Resolves, never rejects: a failed or timed-out run gives a non-zero `code`.
 */
export function runRuntime(runtime: "deno" | "bun", args: string[], env: Record<string, string> = {}): Promise<RuntimeOutput> {
  const binary = fileURLToPath(new URL(`../../node_modules/.bin/${runtime}`, import.meta.url));
  // No update check (it reaches the network) and no colour codes in the error text.
  const quiet = { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" };
  return new Promise((resolve) => {
    execFile(binary, args, { cwd: root, env: { ...process.env, ...quiet, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error.code as number | undefined) ?? 1) : 0, stdout, stderr }),
    );
  });
}

type ReportLine = Partial<CaseResult> & { passed?: number; failed?: number };

/** The JSON lines of a run's output (case results and the summary), skipping anything else it printed. */
export function parseReportLines(stdout: string): ReportLine[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as ReportLine);
}

/** The case names the suite defines for these capabilities, as a runner reports them. */
export function conformanceCaseNames(name: string, capabilities: ConformanceTarget["capabilities"]): string[] {
  const target: ConformanceTarget = { name, create: async () => Promise.reject(new Error("not run")), capabilities };
  return collectStoreConformance(target).map((testCase) => testCase.name);
}

/**
 * Runs the entry in the runtime and asserts the run: no case failed, the exit code is 0, the
 * cases that ran are exactly those of `target` in order, and the summary counts them all.
 */
export async function expectConformanceRun(
  runtime: "deno" | "bun",
  args: string[],
  target: Pick<ConformanceTarget, "name" | "capabilities">,
  env: Record<string, string> = {},
): Promise<void> {
  const { code, stdout, stderr } = await runRuntime(runtime, args, env);
  const lines = parseReportLines(stdout);
  const cases = lines.filter((line) => line.case !== undefined);
  const failures = cases.filter((line) => !line.ok).map((line) => `${line.case}\n${line.error}`);
  expect(failures, stderr).toEqual([]);
  expect(code, stderr).toBe(0);
  const names = cases.map((line) => line.case!);
  expect(names.length).toBeGreaterThan(0);
  expect(names).toEqual(conformanceCaseNames(target.name, target.capabilities));
  expect(lines.at(-1)).toEqual({ passed: names.length, failed: 0 });
}
