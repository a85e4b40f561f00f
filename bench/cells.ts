// The cells of the in-process bench (one candidate × one scenario, or a floor): logging the virtual
// users in, one round of timed requests, and the medians over rounds that the report prints.

import type { Candidate, Instance } from "./candidates/index.js";
import {
  CookieJar,
  type CryptoCounters,
  type FetchHandler,
  median,
  type RoundStats,
  roundStats,
  type Scenario,
  type StoreCounts,
  shuffled,
  visit,
} from "./harness.js";
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
  /** On a floor cell: whether its users carry a cookie ("returning", the floor of S1, S2, S4) or not ("new", the floor of S3). */
  floorFor?: "returning" | "new";
  cursor: number;
  requests: number;
  /** A cap on requests per round (the growth bench's rotation curve: users never repeat). */
  maxRequests?: number;
  rounds: {
    stats: RoundStats;
    setCookies: number;
    cryptoCalls: number;
    nodeCryptoCalls: number;
    counts: StoreCounts | undefined;
    requests: number;
  }[];
}

export type CellSpec = Pick<Cell, "name" | "scenario" | "floor" | "store" | "fetch" | "users" | "counts" | "floorFor" | "maxRequests">;

export const cellOf = (spec: CellSpec): Cell => ({ ...spec, cursor: 0, requests: settings.minRequests, rounds: [] });

export const newJars = (count = settings.users) => Array.from({ length: count }, () => new CookieJar());

/**
 * Jars for a floor's returning users: each carries one cookie shaped like coatcheck's (`sid`, a
 * 43-character id, a dot, a 43-character MAC), so the floor builds and sends a `Cookie` header as
 * every candidate's returning visitor does, and that cost is not counted as session overhead.
 */
export function floorJars(count = settings.users): CookieJar[] {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const random = (length: number) => {
    const bytes = crypto.getRandomValues(new Uint8Array(length));
    let text = "";
    for (const byte of bytes) text += alphabet[byte & 63];
    return text;
  };
  return newJars(count).map((jar) => {
    jar.cookies.set("sid", `${random(43)}.${random(43)}`);
    return jar;
  });
}

/** Logs every virtual user in (a session with count = 0) and checks each route answers as it should. */
export async function prepare(candidate: Candidate, users = settings.users): Promise<{ instance: Instance; users: CookieJar[] }> {
  const instance = await candidate.create();
  try {
    return { instance, users: await logIn(instance, users) };
  } catch (error) {
    await instance.close?.();
    throw error;
  }
}

async function logIn(instance: Instance, count: number): Promise<CookieJar[]> {
  const users = newJars(count);
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

/** One round of `requests` timed requests; `crypto` holds the process-wide crypto call counters. */
export async function runCell(cell: Cell, requests: number, crypto: CryptoCounters): Promise<void> {
  const samples = new Float64Array(requests);
  let setCookies = 0;
  const cryptoBefore = crypto.webCrypto.calls;
  const nodeCryptoBefore = crypto.nodeCrypto.calls;
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
    cryptoCalls: crypto.webCrypto.calls - cryptoBefore,
    nodeCryptoCalls: crypto.nodeCrypto.calls - nodeCryptoBefore,
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
  nodeCryptoCalls: number;
}

/** How long a run is: rounds, warm-up requests, the wall time a cell may take per round, the least requests. */
export type Plan = Pick<typeof settings, "rounds" | "warmupRequests" | "cellBudgetMs" | "minRequests">;

/**
 * Warm-up (JIT, caches), each cell's requests per round sized to the time budget (at most one per
 * user), then `plan.rounds` rounds with the cells in a new order each time. `log` hears of each round.
 */
export async function runRounds(cells: Cell[], crypto: CryptoCounters, log: (message: string) => void, plan: Plan = settings) {
  const started = performance.now();
  const { rounds, warmupRequests, cellBudgetMs, minRequests } = plan;
  for (const cell of cells) {
    await runCell(cell, warmupRequests, crypto);
    const mean = cell.rounds[0]!.stats.mean / 1000;
    const most = Math.min(cell.maxRequests ?? Number.POSITIVE_INFINITY, cell.users.length);
    cell.requests = Math.min(most, Math.max(minRequests, Math.floor(cellBudgetMs / mean)));
    cell.rounds = [];
  }
  for (let round = 0; round < rounds; round++) {
    for (const cell of shuffled(cells, 0x9e3779b9 + round * 7919)) await runCell(cell, cell.requests, crypto);
    log(`round ${round + 1}/${rounds} done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
}

/** The floor a cell's overhead is measured over: its framework's, with a cookie unless the cell is a new visitor. */
export function floorOf(cell: Cell, cells: Cell[]): Cell | undefined {
  const visitor = cell.scenario === "S3" ? "new" : "returning";
  return cells.find((other) => other.scenario === "S0" && other.floor === cell.floor && other.floorFor === visitor);
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
    nodeCryptoCalls: total((round) => round.nodeCryptoCalls),
  };
}
