// `npm run bench` (and bench:bun, bench:deno): every candidate in one process, no sockets, each a
// fetch handler called with `new Request(...)` by 1,000 virtual users with cookie jars. Rounds are
// interleaved in a different order each time; figures are medians of per-round statistics.
// Writes bench/results/<runtime>.md and prints it. Built and started by bench/run.mjs.
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { type Candidate, candidates, type Floor, floors, type Instance } from "./candidates.js";
import {
  CookieJar,
  countWebCrypto,
  type FetchHandler,
  median,
  perRequest,
  type RoundStats,
  roundStats,
  SCENARIOS,
  type Scenario,
  type StoreCounts,
  shuffled,
  us,
  visit,
} from "./harness.js";

const USERS = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 11);
/** Wall time one cell may take per round; slow candidates get fewer requests (never under 25). */
const CELL_BUDGET_MS = Number(process.env.BENCH_CELL_MS ?? 120);
const MIN_REQUESTS = 25;
const WARMUP_REQUESTS = 100;
const BASE = "http://bench.test";
const webCrypto = countWebCrypto();

declare const Deno: { version: { deno: string; v8: string } } | undefined;
declare const Bun: { version: string } | undefined;

function runtimeName(): { id: string; label: string } {
  if (typeof Deno !== "undefined") return { id: "deno", label: `Deno ${Deno.version.deno} (V8 ${Deno.version.v8})` };
  if (typeof Bun !== "undefined") return { id: "bun", label: `Bun ${Bun.version}` };
  return { id: "node", label: `Node ${process.version}` };
}

interface Cell {
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

const newJars = () => Array.from({ length: USERS }, () => new CookieJar());

/** Logs every virtual user in (a session with count = 0) and checks each route answers as it should. */
async function prepare(candidate: Candidate): Promise<{ instance: Instance; users: CookieJar[] }> {
  const instance = await candidate.create();
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
  return { instance, users };
}

async function runCell(cell: Cell, requests: number): Promise<void> {
  const samples = new Float64Array(requests);
  let setCookies = 0;
  const cryptoBefore = webCrypto.calls;
  if (cell.counts) cell.counts.reads = cell.counts.writes = cell.counts.deletes = 0;
  const url = `${BASE}/${cell.scenario.toLowerCase()}`;
  for (let index = 0; index < requests; index++) {
    // S3: every request is a new visitor with an empty jar.
    const jar = cell.scenario === "S3" ? new CookieJar() : cell.users[cell.cursor++ % USERS]!;
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

interface Row {
  cell: Cell;
  mean: number;
  p50: number;
  p99: number;
  overhead: number;
  overheadP50: number;
  reads: number;
  writes: number;
  deletes: number;
  setCookies: number;
  cryptoCalls: number;
}

function summarise(cell: Cell, floorCell: Cell | undefined): Row {
  const pick = (field: keyof RoundStats) => median(cell.rounds.map((round) => round.stats[field]));
  // Overhead is paired per round (same round, same noise), then the median is taken.
  const overheadOf = (field: keyof RoundStats) =>
    floorCell && cell !== floorCell
      ? median(cell.rounds.map((round, index) => round.stats[field] - (floorCell.rounds[index]?.stats[field] ?? Number.NaN)))
      : Number.NaN;
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
    setCookies: total((round) => round.setCookies),
    cryptoCalls: total((round) => round.cryptoCalls),
  };
}

function goals(rows: Row[], runtime: string): string[] {
  const find = (name: string, scenario: Scenario) => rows.find((row) => row.cell.name === name && row.cell.scenario === scenario);
  const ours = (scenario: Scenario) => find("coatcheck (memory)", scenario);
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

async function main(): Promise<void> {
  const runtime = runtimeName();
  const started = performance.now();
  const cells: Cell[] = [];
  const unavailable: string[] = [];
  const notes: string[] = [];

  const cellOf = (
    name: string,
    scenario: Scenario,
    floor: string,
    store: Cell["store"],
    fetch: FetchHandler,
    users: CookieJar[],
    counts?: StoreCounts,
  ): Cell => ({
    name,
    scenario,
    floor,
    store,
    fetch,
    users,
    counts,
    cursor: 0,
    requests: MIN_REQUESTS,
    rounds: [],
  });

  for (const floor of floors as Floor[]) {
    try {
      const fetch = await floor.create();
      const response = await fetch(new Request(`${BASE}/s0`));
      if (response.status !== 200) throw new Error(`answered ${response.status}`);
      cells.push(cellOf(`${floor.name} (floor)`, "S0", floor.name, "none", fetch, newJars()));
      notes.push(`- floor **${floor.name}**: ${floor.note}`);
    } catch (error) {
      unavailable.push(`- floor ${floor.name}: cannot run on ${runtime.label}: ${(error as Error).message}`);
    }
  }
  for (const candidate of await candidates()) {
    if (typeof candidate === "string") {
      unavailable.push(`- ${candidate}`);
      continue;
    }
    if (!cells.some((cell) => cell.floor === candidate.floor)) {
      unavailable.push(`- ${candidate.name}: its floor (${candidate.floor}) cannot run on ${runtime.label}`);
      continue;
    }
    try {
      const { instance, users } = await prepare(candidate);
      for (const scenario of ["S1", "S2", "S3", "S4"] as Scenario[]) {
        cells.push(cellOf(candidate.name, scenario, candidate.floor, candidate.store, instance.fetch, users, instance.counts));
      }
      notes.push(
        `- **${candidate.name}** (${candidate.store === "server" ? "server-side store" : "data in the cookie"}, floor ${candidate.floor}): ${candidate.note}`,
      );
    } catch (error) {
      unavailable.push(`- ${candidate.name}: cannot run on ${runtime.label}: ${(error as Error).message}`);
    }
  }

  // Warm-up (JIT, caches), then size each cell's rounds to the time budget.
  for (const cell of cells) {
    await runCell(cell, WARMUP_REQUESTS);
    const mean = cell.rounds[0]!.stats.mean / 1000;
    cell.requests = Math.max(MIN_REQUESTS, Math.min(USERS, Math.floor(CELL_BUDGET_MS / mean)));
    cell.rounds = [];
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const cell of shuffled(cells, 0x9e3779b9 + round * 7919)) await runCell(cell, cell.requests);
    log(`round ${round + 1}/${ROUNDS} done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }

  const floorsByName = new Map(cells.filter((cell) => cell.scenario === "S0").map((cell) => [cell.floor, cell]));
  const rows = cells.map((cell) => summarise(cell, floorsByName.get(cell.floor)));
  const markdown = render(runtime.label, rows, notes, unavailable, goals(rows, runtime.label), (performance.now() - started) / 1000);
  const results = `${process.cwd()}/bench/results`;
  await mkdir(results, { recursive: true });
  await writeFile(`${results}/${runtime.id}.md`, markdown);
  console.log(markdown);
  log(`written to bench/results/${runtime.id}.md`);
}

function render(runtime: string, rows: Row[], notes: string[], unavailable: string[], goalLines: string[], seconds: number): string {
  const cores = availableParallelism();
  const requests = [...new Set(rows.map((row) => row.cell.requests))].sort((a, b) => a - b);
  const out: string[] = [];
  out.push(`# coatcheck in-process benchmark — ${runtime}`);
  out.push("");
  out.push(
    `${new Date().toISOString().slice(0, 10)}, ${cores} cores, ${ROUNDS} interleaved rounds, ${USERS} virtual users, ` +
      `${requests[0]}–${requests.at(-1)} requests per cell per round (slow candidates get fewer), ${seconds.toFixed(0)} s in all.`,
  );
  out.push("Times in µs per request (build the request, handle it, read the body, apply Set-Cookie to the jar), medians of rounds.");
  out.push("Overhead: the mean (and the p50) minus the same round's figure for the candidate's own floor, median over rounds.");
  out.push("Store calls per request through a counting wrapper (— where the data lives in the cookie).");
  out.push(
    "Web Crypto calls: every `crypto.subtle` call in the process, per request (express-session signs with `node:crypto`, not counted).",
  );
  out.push("");
  out.push(
    "| candidate | scenario | mean | p50 | p99 | overhead (mean) | overhead (p50) | reads/req | writes/req | deletes/req | Set-Cookie/req | Web Crypto calls/req |",
  );
  out.push("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  const order = (row: Row) => (row.cell.scenario === "S0" ? 0 : 1);
  const sorted = [...rows].sort((a, b) => order(a) - order(b) || a.cell.scenario.localeCompare(b.cell.scenario) || a.mean - b.mean);
  for (const row of sorted) {
    out.push(
      `| ${row.cell.name} | ${row.cell.scenario} | ${us(row.mean)} | ${us(row.p50)} | ${us(row.p99)} | ${us(row.overhead)} | ${us(row.overheadP50)} | ${perRequest(row.reads)} | ${perRequest(row.writes)} | ${perRequest(row.deletes)} | ${perRequest(row.setCookies)} | ${perRequest(row.cryptoCalls)} |`,
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
  out.push("Goals (coatcheck, memory store):");
  out.push(...goalLines);
  out.push("");
  return out.join("\n");
}

function log(message: string): void {
  console.error(`[bench] ${message}`);
}

await main();
