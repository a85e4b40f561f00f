// The performance goals for coatcheck with the memory store, checked against one run's rows: p50
// overhead over the floor (on Node 20), and ratios to the peers taken within the same run only.
import type { Row } from "./cells.js";
import { perRequest, type Scenario, us } from "./harness.js";

const OURS = "coatcheck (memory)";
/** react-router's server-side store: `createSessionStorage` over a Map, the one S1 and S2 are compared with. */
const REACT_ROUTER = "react-router memory";
const EXPRESS_SESSION = "express-session (memory)";

/** p50 overhead limits in µs. */
const LIMITS: [Scenario, number][] = [
  ["S1", 8],
  ["S2", 15],
  ["S3", 30],
  ["S4", 2],
];

/** How many times less p50 overhead than a peer, in the same run. */
const RATIOS: { scenario: Scenario; peer: string; times: number }[] = [
  { scenario: "S1", peer: REACT_ROUTER, times: 15 },
  { scenario: "S2", peer: REACT_ROUTER, times: 15 },
  { scenario: "S3", peer: EXPRESS_SESSION, times: 3 },
];

const verdict = (ok: boolean) => (ok ? "met" : "**missed**");

export function goals(rows: Row[], runtime: string): string[] {
  const find = (name: string, scenario: Scenario) => rows.find((row) => row.cell.name === name && row.cell.scenario === scenario);
  const ours = (scenario: Scenario) => find(OURS, scenario);
  const lines: string[] = [];
  const where = runtime.startsWith("Node v20.") ? "" : ` (the goals are for Node 20; this is ${runtime})`;
  for (const [scenario, limit] of LIMITS) {
    const row = ours(scenario);
    if (!row) continue;
    lines.push(
      `- ${scenario} overhead ≤ ${limit} µs p50${where}: ${us(row.overheadP50)} µs p50 (${us(row.overhead)} µs mean) — ${verdict(row.overheadP50 <= limit)}`,
    );
  }
  for (const { scenario, peer, times } of RATIOS) {
    const row = ours(scenario);
    const other = find(peer, scenario);
    if (!row || !other) continue;
    const ratio = other.overheadP50 / Math.max(row.overheadP50, 0.01);
    lines.push(
      `- ${scenario}: ≥ ${times}× less p50 overhead than ${peer} (${us(other.overheadP50)} µs): ${ratio.toFixed(1)}× — ${verdict(ratio >= times)}`,
    );
  }
  const s4 = ours("S4");
  if (s4)
    lines.push(
      `- S4: 0 store operations: ${perRequest(s4.reads + s4.writes + s4.deletes)} per request — ${verdict(s4.reads + s4.writes + s4.deletes === 0)}`,
    );
  const s1 = ours("S1");
  if (s1) lines.push(`- S1: 0 writes: ${perRequest(s1.writes + s1.deletes)} per request — ${verdict(s1.writes + s1.deletes === 0)}`);
  const s2 = ours("S2");
  if (s2) lines.push(`- S2: ≤ 1 write: ${perRequest(s2.writes + s2.deletes)} per request — ${verdict(s2.writes + s2.deletes <= 1)}`);
  return lines;
}

const OURS_ON_REDIS = "coatcheck (redis)";
const PEER_ON_REDIS = "express-session + connect-redis";

/** Round trips to Redis per request, and overhead beside connect-redis on the same server. */
export function redisGoals(rows: Row[]): string[] {
  const find = (name: string, scenario: Scenario) => rows.find((row) => row.cell.name === name && row.cell.scenario === scenario);
  const lines: string[] = [];
  const read = find(OURS_ON_REDIS, "S1");
  if (read) lines.push(`- S1 (a read): ≤ 1 round trip: ${perRequest(read.roundTrips)} per request — ${verdict(read.roundTrips <= 1)}`);
  const write = find(OURS_ON_REDIS, "S2");
  if (write) {
    const scripts = write.writes + write.deletes;
    lines.push(
      `- S2 (a write): one script call besides the read: ${perRequest(write.roundTrips)} round trips, ${perRequest(scripts)} writes per request — ${verdict(scripts <= 1 && write.roundTrips <= 2)}`,
    );
  }
  for (const scenario of ["S1", "S2", "S3", "S4"] as Scenario[]) {
    const ours = find(OURS_ON_REDIS, scenario);
    const peer = find(PEER_ON_REDIS, scenario);
    if (!ours || !peer) continue;
    lines.push(
      `- ${scenario}: less overhead than connect-redis: ${us(ours.overhead)} µs against ${us(peer.overhead)} µs (${perRequest(ours.roundTrips)} against ${perRequest(peer.roundTrips)} round trips) — ${verdict(ours.overhead < peer.overhead)}`,
    );
  }
  return lines;
}
