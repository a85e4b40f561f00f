// Runs conformance cases inside any runtime (Deno, Bun, Node, workerd) and reports them: one JSON
// line per case ({"case", "ok", "error"?}), then a summary line ({"passed", "failed"}), which
// test/runtimes/conformance-run.ts parses on the Node side. No vitest here: each runtime runs this bare.
import type { ConformanceCase } from "../../../src/testing.js";

export interface CaseResult {
  case: string;
  ok: boolean;
  error?: string;
}

/** Runs one case and reports it, never throwing. */
export async function runCase({ name, body }: ConformanceCase): Promise<CaseResult> {
  try {
    await body();
    return { case: name, ok: true };
  } catch (error) {
    return { case: name, ok: false, error: String((error as Error)?.stack ?? error) };
  }
}

/** Runs every case in order and reports each, never throwing. */
export async function runCases(cases: readonly ConformanceCase[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const testCase of cases) results.push(await runCase(testCase));
  return results;
}

/**
 * Runs the cases, prints a line as each one ends and the summary, calls `cleanup`, then exits
 * the runtime: 0 when every case passed, 1 when one failed or there were none.
 */
export async function reportCases(cases: readonly ConformanceCase[], cleanup?: () => void): Promise<never> {
  let failed = 0;
  for (const testCase of cases) {
    // Printed as each case ends, so a case that hangs still leaves the lines of those before it.
    const result = await runCase(testCase);
    if (!result.ok) failed++;
    console.log(JSON.stringify(result));
  }
  console.log(JSON.stringify({ passed: cases.length - failed, failed }));
  cleanup?.();
  return exitRuntime(failed === 0 && cases.length > 0 ? 0 : 1);
}

// Deno has its own `Deno.exit`; Bun and Node have `process.exit`.
function exitRuntime(code: number): never {
  const runtime = globalThis as { Deno?: { exit(code: number): never }; process?: { exit(code: number): never } };
  if (runtime.Deno) return runtime.Deno.exit(code);
  if (runtime.process) return runtime.process.exit(code);
  throw new Error(`report-cases: no exit in this runtime (code ${code})`);
}
