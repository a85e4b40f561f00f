// `npm run bench` (and bench:bun, bench:deno): every candidate in one process, no sockets, each a
// fetch handler called with `new Request(...)` by 1,000 virtual users with cookie jars. Rounds are
// interleaved in a different order each time; figures are medians of per-round statistics.
// Writes bench/results/<runtime>.md and prints it. Built and started by bench/run.mjs.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { candidates, floors } from "./candidates/index.js";
import { BASE, type Cell, cellOf, newJars, prepare, runCell, summarise } from "./cells.js";
import { countWebCrypto, type Scenario, shuffled } from "./harness.js";
import { render } from "./report.js";
import { resultsFile, settings } from "./settings.js";

const webCrypto = countWebCrypto();

declare const Deno: { version: { deno: string; v8: string } } | undefined;
declare const Bun: { version: string } | undefined;

function runtimeName(): { id: string; label: string } {
  if (typeof Deno !== "undefined") return { id: "deno", label: `Deno ${Deno.version.deno} (V8 ${Deno.version.v8})` };
  if (typeof Bun !== "undefined") return { id: "bun", label: `Bun ${Bun.version}` };
  return { id: "node", label: `Node ${process.version}` };
}

/** Every floor and candidate that runs here, as cells, with a note for each and a line for each that cannot. */
async function collect(runtime: string): Promise<{ cells: Cell[]; notes: string[]; unavailable: string[]; closers: Closer[] }> {
  const cells: Cell[] = [];
  const closers: Closer[] = [];
  const notes: string[] = [];
  const unavailable: string[] = [];
  for (const floor of floors) {
    try {
      const fetch = await floor.create();
      const response = await fetch(new Request(`${BASE}/s0`));
      if (response.status !== 200) throw new Error(`answered ${response.status}`);
      const name = `${floor.name} (floor)`;
      cells.push(cellOf({ name, scenario: "S0", floor: floor.name, store: "none", fetch, users: newJars(), counts: undefined }));
      notes.push(`- floor **${floor.name}**: ${floor.note}`);
    } catch (error) {
      unavailable.push(`- floor ${floor.name}: cannot run on ${runtime}: ${(error as Error).message}`);
    }
  }
  for (const candidate of await candidates()) {
    if (typeof candidate === "string") {
      unavailable.push(`- ${candidate}`);
      continue;
    }
    if (!cells.some((cell) => cell.floor === candidate.floor)) {
      unavailable.push(`- ${candidate.name}: its floor (${candidate.floor}) cannot run on ${runtime}`);
      continue;
    }
    try {
      const { instance, users } = await prepare(candidate);
      if (instance.close) closers.push(() => instance.close!());
      const { name, floor, store } = candidate;
      for (const scenario of ["S1", "S2", "S3", "S4"] as Scenario[]) {
        cells.push(cellOf({ name, scenario, floor, store, fetch: instance.fetch, users, counts: instance.counts }));
      }
      notes.push(`- **${name}** (${store === "server" ? "server-side store" : "data in the cookie"}, floor ${floor}): ${candidate.note}`);
    } catch (error) {
      unavailable.push(`- ${candidate.name}: cannot run on ${runtime}: ${(error as Error).message}`);
    }
  }
  return { cells, notes, unavailable, closers };
}

type Closer = () => Promise<void> | void;

async function main(): Promise<void> {
  const runtime = runtimeName();
  const started = performance.now();
  const { cells, notes, unavailable, closers } = await collect(runtime.label);
  try {
    await measure(cells, notes, unavailable, runtime, started);
  } finally {
    // Connections and servers the candidates started (the SQL ones: a PostgreSQL server, stopped by PID).
    for (const close of closers) await close();
  }
}

async function measure(cells: Cell[], notes: string[], unavailable: string[], runtime: { id: string; label: string }, started: number) {
  // Warm-up (JIT, caches), then size each cell's rounds to the time budget.
  for (const cell of cells) {
    await runCell(cell, settings.warmupRequests, webCrypto);
    const mean = cell.rounds[0]!.stats.mean / 1000;
    cell.requests = Math.max(settings.minRequests, Math.min(settings.users, Math.floor(settings.cellBudgetMs / mean)));
    cell.rounds = [];
  }
  for (let round = 0; round < settings.rounds; round++) {
    for (const cell of shuffled(cells, 0x9e3779b9 + round * 7919)) await runCell(cell, cell.requests, webCrypto);
    log(`round ${round + 1}/${settings.rounds} done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }

  const floorsByName = new Map(cells.filter((cell) => cell.scenario === "S0").map((cell) => [cell.floor, cell]));
  const rows = cells.map((cell) => summarise(cell, floorsByName.get(cell.floor)));
  const markdown = render({ runtime: runtime.label, rows, notes, unavailable, seconds: (performance.now() - started) / 1000 });
  const file = resultsFile(runtime.id);
  if (file) {
    await mkdir(dirname(`${process.cwd()}/${file}`), { recursive: true });
    await writeFile(`${process.cwd()}/${file}`, markdown);
  }
  console.log(markdown);
  log(file ? `written to ${file}` : "quick run: nothing written");
}

function log(message: string): void {
  console.error(`[bench] ${message}`);
}

await main();
