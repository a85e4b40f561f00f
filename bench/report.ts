// The page the in-process bench prints and writes: the results table, scenarios, candidates, what
// could not run, the goals, and (beside a baseline) the side-by-side section.
import { availableParallelism, loadavg } from "node:os";
import { baselineSection } from "./baseline-report.js";
import type { Row } from "./cells.js";
import { goals, redisGoals } from "./goals.js";
import { perRequest, SCENARIOS, us } from "./harness.js";
import { settings } from "./settings.js";

export interface Report {
  runtime: string;
  rows: Row[];
  notes: string[];
  unavailable: string[];
  seconds: number;
}

export function render({ runtime, rows, notes, unavailable, seconds }: Report): string {
  const cores = availableParallelism();
  const requests = [...new Set(rows.map((row) => row.cell.requests))].sort((a, b) => a - b);
  const out: string[] = [];
  out.push(`# coatcheck in-process benchmark — ${runtime}`);
  out.push("");
  if (settings.quick) out.push("**Quick run (--quick): a smoke test of the bench, too short for its figures to mean anything.**", "");
  out.push(
    `${new Date().toISOString().slice(0, 10)}, ${cores} cores, ${settings.rounds} interleaved rounds, ${settings.users} virtual users, ` +
      `${requests[0]}–${requests.at(-1)} requests per cell per round (slow candidates get fewer), ${seconds.toFixed(0)} s in all; ` +
      `load average ${loadavg()
        .map((value) => value.toFixed(2))
        .join(" / ")} (1 / 5 / 15 min) at the end, the bench itself adding about 1.`,
  );
  out.push("Times in µs per request (build the request, handle it, read the body, apply Set-Cookie to the jar), medians of rounds.");
  out.push(
    "Overhead: the mean (and the p50) minus the same round's figure for the candidate's own floor, median over rounds. " +
      "The floor's users carry a cookie shaped like coatcheck's (`sid=<43>.<43>`) for S1, S2 and S4; S3 is measured over the floor's users without one.",
  );
  out.push("Store calls per request through a counting wrapper (— where the data lives in the cookie).");
  out.push("Round trips: commands sent to the Redis server per request, counted around the client (— for stores in the process).");
  out.push(
    "Crypto calls per request, by anyone in the process: `crypto.subtle` calls (Web Crypto), and `createHmac` + `createHash` calls of `node:crypto` " +
      "(coatcheck's fast path where the runtime has it, express-session's cookie signing, express's ETag: one on its floor too; random bytes not counted).",
  );
  out.push("");
  out.push(
    "| candidate | scenario | mean | p50 | p99 | overhead (mean) | overhead (p50) | reads/req | writes/req | deletes/req | round trips/req | Set-Cookie/req | Web Crypto calls/req | node:crypto calls/req |",
  );
  out.push("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  const order = (row: Row) => (row.cell.scenario !== "S0" ? 2 : row.cell.floorFor === "new" ? 1 : 0);
  const sorted = [...rows].sort((a, b) => order(a) - order(b) || a.cell.scenario.localeCompare(b.cell.scenario) || a.mean - b.mean);
  for (const row of sorted) {
    out.push(
      `| ${row.cell.name} | ${row.cell.scenario} | ${us(row.mean)} | ${us(row.p50)} | ${us(row.p99)} | ${us(row.overhead)} | ${us(row.overheadP50)} | ${perRequest(row.reads)} | ${perRequest(row.writes)} | ${perRequest(row.deletes)} | ${perRequest(row.roundTrips)} | ${perRequest(row.setCookies)} | ${perRequest(row.cryptoCalls)} | ${perRequest(row.nodeCryptoCalls)} |`,
    );
  }
  out.push("");
  out.push("Scenarios:");
  for (const [scenario, description] of Object.entries(SCENARIOS)) out.push(`- ${scenario}: ${description}`);
  out.push("");
  out.push("Candidates:");
  out.push(...notes);
  out.push(
    "- react-router, iron-session and h3 have an explicit API: a handler that does not need the session (S4) never calls it, so S4 costs them nothing by construction. Middleware (coatcheck's wrapper, hono-sessions, express-session) runs on S4 anyway.",
  );
  if (unavailable.length > 0) {
    out.push("");
    out.push("Not measured here:");
    out.push(...unavailable);
  }
  out.push("");
  out.push("Goals (coatcheck, memory store; p50 overhead over the floor, Node 20, this run):");
  out.push(...goals(rows, runtime));
  out.push("");
  const redis = redisGoals(rows);
  if (redis.length > 0) out.push("Goals (coatcheck on Redis, beside connect-redis on the same server):", ...redis, "");
  if (settings.baseline) out.push(...baselineSection(rows, settings.baseline, settings.baselineCommit), "");
  return out.join("\n");
}
