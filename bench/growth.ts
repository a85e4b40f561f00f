// `npm run bench:growth`: how S1 and S2 overhead grows with the session's size, its key count and
// the number of secrets; how long concurrent tabs on one session take; and the heap a live session
// costs, for coatcheck beside react-router's and express-session's server-side stores. The same
// harness as `npm run bench` (virtual users with cookie jars, interleaved rounds, medians of rounds).
// Writes bench/results/growth-node.md (nothing with --quick). Built and started by bench/run.mjs.
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { floors } from "./candidates/index.js";
import { type Cell, cellOf, floorJars, floorOf, type Plan, prepare, runRounds } from "./cells.js";
import { type Library, libraries, SECRETS } from "./growth-candidates.js";
import { keyPoints, LATENCIES_MS, type Point, secretPoints, sizePoints, TABS } from "./growth-points.js";
import { type Curve, type MemoryRow, render, type TabsRow } from "./growth-report.js";
import { measureTabs } from "./growth-tabs.js";
import { CookieJar, countCrypto, type Scenario, visit } from "./harness.js";
import { settings } from "./settings.js";

const crypto = countCrypto();
const quick = settings.quick;
const plan: Plan = { rounds: quick ? 3 : 7, warmupRequests: quick ? 10 : 50, cellBudgetMs: quick ? 5 : 40, minRequests: quick ? 5 : 20 };
/** Users per point of the size and key curves: each comes back once a round or so. */
const USERS = quick ? 20 : 200;
/** Requests per round on the rotation curve, where no user comes back (see `secretsCells`). */
const ROTATION_REQUESTS = quick ? 10 : 60;
const LIVE_SESSIONS = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
const FILE = "bench/results/growth-node.md";

function log(message: string): void {
  console.error(`[growth] ${message}`);
}

/** Cells for S1 and S2 of every library at every point, all users sharing one instance per point. */
async function curveCells(curve: string, points: Point[]): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const point of points) {
    for (const library of libraries) {
      const { instance, users } = await prepare(candidateOf(library, point), USERS);
      for (const scenario of ["S1", "S2"] as Scenario[]) cells.push(cellAt(curve, point, library, scenario, instance.fetch, users));
    }
  }
  return cells;
}

/**
 * The rotation curve: each request is a user's first since the measured app was configured (no user
 * comes back, and the tickets were stamped under another list of secrets), so coatcheck's
 * verified-ticket cache never helps: the worst case of a rotation. One instance per scenario.
 */
async function secretsCells(): Promise<Cell[]> {
  const cells: Cell[] = [];
  const users = plan.warmupRequests + plan.rounds * ROTATION_REQUESTS;
  for (const point of secretPoints) {
    for (const library of libraries) {
      for (const scenario of ["S1", "S2"] as Scenario[]) {
        const { instance, users: jars } = await prepare(candidateOf(library, point), users);
        cells.push({ ...cellAt("secrets", point, library, scenario, instance.fetch, jars), maxRequests: ROTATION_REQUESTS });
      }
    }
  }
  return cells;
}

const candidateOf = (library: Library, point: Point) => ({
  name: library.name,
  floor: library.floor,
  store: "server" as const,
  note: "",
  create: async () => ({ fetch: library.create(point.setup) }),
});

function cellAt(curve: string, point: Point, library: Library, scenario: Scenario, fetch: Cell["fetch"], users: CookieJar[]): Cell {
  const name = `${curve}|${point.label}|${library.name}`;
  return cellOf({ name, scenario, floor: library.floor, store: "server", fetch, users, counts: undefined });
}

async function floorCells(): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const floor of floors.filter((candidate) => libraries.some((library) => library.floor === candidate.name))) {
    const fetch = await floor.create();
    cells.push(
      cellOf({
        name: `${floor.name} (floor)`,
        scenario: "S0",
        floor: floor.name,
        store: "none",
        fetch,
        users: floorJars(),
        counts: undefined,
        floorFor: "returning",
      }),
    );
  }
  return cells;
}

/** Heap growth per live session: new visitors (S3) whose jars are dropped, so only the server keeps anything. */
async function measureMemory(): Promise<MemoryRow[] | string> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return "not measured: the process was started without `--expose-gc` (bench/run.mjs growth passes it)";
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const rows: MemoryRow[] = [];
  for (const library of libraries) {
    rows.push({ library: library.name, bytesPerSession: await heapPerSession(library, heap) });
    log(`memory: ${library.name} done`);
  }
  return rows;
}

/** One fresh instance, filled to each point of LIVE_SESSIONS; dropped when this returns. */
async function heapPerSession(library: Library, heap: () => number): Promise<number[]> {
  const fetch = library.create({ payload: {}, secrets: [SECRETS[0]!], latencyMs: 0 });
  const before = heap();
  const bytesPerSession: number[] = [];
  let made = 0;
  for (const target of LIVE_SESSIONS) {
    for (; made < target; made++) await visit(fetch, new CookieJar(), "http://bench.test/s3");
    bytesPerSession.push((heap() - before) / made);
  }
  return bytesPerSession;
}

async function main(): Promise<void> {
  const started = performance.now();
  const load = loadavg();
  const memory = await measureMemory();
  const cells = [
    ...(await floorCells()),
    ...(await curveCells("size", sizePoints)),
    ...(await curveCells("keys", keyPoints)),
    ...(await secretsCells()),
  ];
  log(`${cells.length} cells ready (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  await runRounds(cells, crypto, log, plan);
  const tabs: TabsRow[] = await measureTabs(libraries, TABS, LATENCIES_MS, plan.rounds, log);
  const curves: Curve[] = [
    { id: "size", title: "Session size (JSON of the stored data)", points: sizePoints },
    { id: "keys", title: "Keys in the session", points: keyPoints },
    { id: "secrets", title: "Secrets, and which one stamped the ticket", points: secretPoints },
  ];
  const markdown = render({
    curves,
    cells,
    floorOf: (cell) => floorOf(cell, cells),
    libraries,
    tabs,
    memory,
    liveSessions: LIVE_SESSIONS,
    plan,
    users: USERS,
    rotationRequests: ROTATION_REQUESTS,
    load,
    seconds: (performance.now() - started) / 1000,
  });
  if (!quick) {
    await mkdir(`${process.cwd()}/bench/results`, { recursive: true });
    await writeFile(`${process.cwd()}/${FILE}`, markdown);
  }
  console.log(markdown);
  log(quick ? "quick run: nothing written" : `written to ${FILE}`);
}

await main();
