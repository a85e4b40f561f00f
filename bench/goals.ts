// The goals of issue 6 for coatcheck with the memory store, checked against one run's rows.
import type { Row } from "./cells.js";
import { perRequest, type Scenario, us } from "./harness.js";

const OURS = "coatcheck (memory)";

export function goals(rows: Row[], runtime: string): string[] {
  const find = (name: string, scenario: Scenario) => rows.find((row) => row.cell.name === name && row.cell.scenario === scenario);
  const ours = (scenario: Scenario) => find(OURS, scenario);
  const lines: string[] = [];
  const verdict = (ok: boolean) => (ok ? "met" : "**missed**");
  const limits: [Scenario, number][] = [
    ["S1", 5],
    ["S4", 5],
    ["S2", 10],
    ["S3", 35],
  ];
  for (const [scenario, limit] of limits) {
    const row = ours(scenario);
    if (!row) continue;
    lines.push(
      `- ${scenario} overhead ≤ ${limit} µs (goal on Node; this is ${runtime}): ${us(row.overhead)} µs mean, ${us(row.overheadP50)} µs p50 — ${verdict(row.overhead <= limit)}`,
    );
  }
  // Peers are the other libraries: coatcheck, this checkout's or a baseline's, is never its own peer.
  const serverPeers = [
    ...new Set(rows.filter((row) => row.cell.store === "server" && !row.cell.name.startsWith("coatcheck")).map((row) => row.cell.name)),
  ];
  for (const scenario of ["S1", "S2"] as Scenario[]) {
    const row = ours(scenario);
    const peers = serverPeers.map((name) => find(name, scenario)).filter((peer): peer is Row => peer !== undefined);
    if (!row || peers.length === 0) continue;
    const fastest = peers.reduce((best, peer) => (peer.overhead < best.overhead ? peer : best));
    const ratio = fastest.overhead / Math.max(row.overhead, 0.01);
    lines.push(
      `- ${scenario}: ≥ 10× less overhead than the fastest server-side peer (${fastest.cell.name}, ${us(fastest.overhead)} µs): ${ratio.toFixed(1)}× — ${verdict(ratio >= 10)}`,
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
  const verdict = (ok: boolean) => (ok ? "met" : "**missed**");
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
