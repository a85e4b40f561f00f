// The side-by-side section of a --baseline run: each coatcheck candidate against the same candidate
// built from the baseline commit, paired round by round, and whether S1, S2 and S4 got worse.
import { type Cell, pairedDifference, type Row } from "./cells.js";
import { type Scenario, us } from "./harness.js";

/** The scenarios a change must not make slower; S3 is shown for information. */
const GUARDED: Scenario[] = ["S1", "S2", "S4"];

export function baselineSection(rows: Row[], ref: string, commit: string): string[] {
  const suffix = ` @${ref}`;
  const out = [
    `Against the baseline ${ref} (${commit.slice(0, 12)}), measured in the same rounds: this checkout's time minus the baseline's, ` +
      "paired per round, median over rounds (negative: this checkout is faster). S1, S2 and S4 must not be worse: " +
      "**worse** means slower in so many rounds that chance explains it less than 5% of the time (a sign test, which needs 5 rounds or more).",
    "",
    "| candidate | scenario | overhead (mean) | overhead @baseline (mean) | difference (mean) | difference (p50) | rounds slower | verdict |",
    "|---|---|--:|--:|--:|--:|--:|---|",
  ];
  for (const row of rows) {
    if (!row.cell.name.startsWith("coatcheck") || row.cell.name.endsWith(suffix)) continue;
    const base = rows.find((other) => other.cell.name === row.cell.name + suffix && other.cell.scenario === row.cell.scenario);
    if (!base) continue;
    const difference = pairedDifference(row.cell, base.cell, "mean");
    const slower = roundsSlower(row.cell, base.cell);
    out.push(
      `| ${row.cell.name} | ${row.cell.scenario} | ${us(row.overhead)} | ${us(base.overhead)} | ${us(difference)} | ` +
        `${us(pairedDifference(row.cell, base.cell, "p50"))} | ${slower} of ${row.cell.rounds.length} | ` +
        `${verdict(row.cell.scenario, difference, slower, row.cell.rounds.length)} |`,
    );
  }
  return out;
}

function verdict(scenario: Scenario, difference: number, slower: number, rounds: number): string {
  if (!GUARDED.includes(scenario)) return "(not guarded)";
  if (difference <= 0) return "not worse";
  if (signTestP(slower, rounds) < 0.05) return `**worse** by ${us(difference)} µs`;
  return `+${us(difference)} µs, not significant`;
}

function roundsSlower(cell: Cell, base: Cell): number {
  return cell.rounds.filter((round, index) => round.stats.mean > (base.rounds[index]?.stats.mean ?? Number.NaN)).length;
}

/** P(at least `slower` of `rounds` fair coin flips come up slower): small means the slowdown is not chance. */
export function signTestP(slower: number, rounds: number): number {
  let tail = 0;
  for (let k = slower; k <= rounds; k++) tail += choose(rounds, k);
  return tail / 2 ** rounds;
}

function choose(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}
