// How long and how wide the in-process bench runs: the defaults, the BENCH_* overrides bench/run.mjs
// passes on (--quick is BENCH_QUICK=1, --baseline <ref> is BENCH_BASELINE), and the page it writes.
const quick = process.env.BENCH_QUICK === "1";

export const settings = {
  /** A smoke run: few users and rounds; its figures are not for comparison, so nothing is written. */
  quick,
  users: quick ? 50 : 1000,
  rounds: Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 11)),
  /** Wall time one cell may take per round; slow candidates get fewer requests (never under minRequests). */
  cellBudgetMs: Number(process.env.BENCH_CELL_MS ?? (quick ? 10 : 120)),
  minRequests: quick ? 5 : 25,
  warmupRequests: quick ? 10 : 100,
  /** The git ref whose coatcheck runs beside this checkout's, or undefined. */
  baseline: process.env.BENCH_BASELINE || undefined,
  baselineCommit: process.env.BENCH_BASELINE_COMMIT ?? "",
};

/** Where a run's page goes: `<runtime>.md`, `<runtime>-baseline.md` beside a baseline, nowhere when quick. */
export function resultsFile(runtimeId: string): string | undefined {
  if (settings.quick) return undefined;
  return settings.baseline ? `bench/results/${runtimeId}-baseline.md` : `bench/results/${runtimeId}.md`;
}
