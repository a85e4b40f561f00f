// The cells of the in-process bench (one candidate × one scenario, or a floor): logging the virtual
// users in, one round of timed requests, and the medians over rounds that the report prints.

import type { Candidate, Instance } from "./candidates/index.js";
import { CookieJar, type FetchHandler, median, type RoundStats, roundStats, type Scenario, type StoreCounts, visit } from "./harness.js";
import { settings } from "./settings.js";

export const BASE = "http://bench.test";

export interface Cell {
  /** Candidate or floor name. */
  name: string;
  scenario: Scenario;
  floor: string;
  store: "server" | "cookie" | "none";
  fetch: FetchHandler;
  users: CookieJar[];
  counts: StoreCounts | undefined;
  cursor: number;
  requests: number;
  rounds: { stats: RoundStats; setCookies: number; cryptoCalls: number; counts: StoreCounts | undefined; requests: number }[];
}

export type CellSpec = Pick<Cell, "name" | "scenario" | "floor" | "store" | "fetch" | "users" | "counts">;

export const cellOf = (spec: CellSpec): Cell => ({ ...spec, cursor: 0, requests: settings.minRequests, rounds: [] });

export const newJars = () => Array.from({ length: settings.users }, () => new CookieJar());

/** Logs every virtual user in (a session with count = 0) and checks each route answers as it should. */
export async function prepare(candidate: Candidate): Promise<{ instance: Instance; users: CookieJar[] }> {
  const instance = await candidate.create();
  try {
    return { instance, users: await logIn(instance) };
  } catch (error) {
    await instance.close?.();
    throw error;
  }
}

async function logIn(instance: Instance): Promise<CookieJar[]> {
  const users = newJars();
  for (const jar of users) {
    const { status } = await visit(instance.fetch, jar, `${BASE}/s3`);
    if (status !== 200) throw new Error(`logging a user in answered ${status}`);
  }
  const probe = users[0]!;
  if (probe.cookies.size === 0) throw new Error("a new visitor got no cookie");
  for (const scenario of ["s1", "s2", "s4"]) {
    const response = await instance.fetch(probe.request(`${BASE}/${scenario}`));
    const body = await response.text();
    probe.apply(response.headers.getSetCookie());
    if (response.status !== 200) throw new Error(`/${scenario} answered ${response.status}`);
    if (scenario === "s1" && body !== "count=0") throw new Error(`/s1 did not read the session (answered ${JSON.stringify(body)})`);
    if (scenario === "s2" && body !== "count=1") throw new Error(`/s2 did not update the session (answered ${JSON.stringify(body)})`);
  }
  return users;
}

/** One round of `requests` timed requests; `webCrypto` is the process-wide `crypto.subtle` call counter. */
export async function runCell(cell: Cell, requests: number, webCrypto: { calls: number }): Promise<void> {
  const samples = new Float64Array(requests);
  let setCookies = 0;
  const cryptoBefore = webCrypto.calls;
  if (cell.counts) cell.counts.reads = cell.counts.writes = cell.counts.deletes = 0;
  if (cell.counts?.roundTrips !== undefined) cell.counts.roundTrips = 0;
  const url = `${BASE}/${cell.scenario.toLowerCase()}`;
  for (let index = 0; index < requests; index++) {
    // S3: every request is a new visitor with an empty jar.
    const jar = cell.scenario === "S3" ? new CookieJar() : cell.users[cell.cursor++ % cell.users.length]!;
    const result = await visit(cell.fetch, jar, url);
    if (result.status !== 200) throw new Error(`${cell.name} ${cell.scenario}: status ${result.status}`);
    samples[index] = result.elapsed;
    setCookies += result.setCookies;
  }
  cell.rounds.push({
    stats: roundStats(samples),
    setCookies,
    cryptoCalls: webCrypto.calls - cryptoBefore,
    counts: cell.counts ? { ...cell.counts } : undefined,
    requests,
  });
}

export interface Row {
  cell: Cell;
  mean: number;
  p50: number;
  p99: number;
  overhead: number;
  overheadP50: number;
  reads: number;
  writes: number;
  deletes: number;
  roundTrips: number;
  setCookies: number;
  cryptoCalls: number;
}

/** The median over rounds of `field` in `cell` minus the same round's figure in `other` (same round, same noise). */
export function pairedDifference(cell: Cell, other: Cell, field: keyof RoundStats): number {
  return median(cell.rounds.map((round, index) => round.stats[field] - (other.rounds[index]?.stats[field] ?? Number.NaN)));
}

export function summarise(cell: Cell, floorCell: Cell | undefined): Row {
  const pick = (field: keyof RoundStats) => median(cell.rounds.map((round) => round.stats[field]));
  // Overhead is paired per round with the floor, then the median is taken.
  const overheadOf = (field: keyof RoundStats) => (floorCell && cell !== floorCell ? pairedDifference(cell, floorCell, field) : Number.NaN);
  const total = (read: (round: Cell["rounds"][number]) => number) =>
    cell.rounds.reduce((sum, round) => sum + read(round), 0) / cell.rounds.reduce((sum, round) => sum + round.requests, 0);
  const counted = cell.counts !== undefined;
  return {
    cell,
    mean: pick("mean"),
    p50: pick("p50"),
    p99: pick("p99"),
    overhead: overheadOf("mean"),
    overheadP50: overheadOf("p50"),
    reads: counted ? total((round) => round.counts!.reads) : Number.NaN,
    writes: counted ? total((round) => round.counts!.writes) : Number.NaN,
    deletes: counted ? total((round) => round.counts!.deletes) : Number.NaN,
    roundTrips: cell.counts?.roundTrips !== undefined ? total((round) => round.counts!.roundTrips!) : Number.NaN,
    setCookies: total((round) => round.setCookies),
    cryptoCalls: total((round) => round.cryptoCalls),
  };
}
