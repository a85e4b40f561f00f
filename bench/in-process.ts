// `npm run bench` (and bench:bun, bench:deno): every candidate in one process, no sockets, each a
// fetch handler called with `new Request(...)` by 1,000 virtual users with cookie jars. Rounds are
// interleaved in a different order each time; figures are medians of per-round statistics.
// Writes bench/results/<runtime>.md and prints it. Built and started by bench/run.mjs.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { candidates, floors } from "./candidates/index.js";
import { BASE, type Cell, cellOf, floorJars, floorOf, newJars, prepare, runRounds, summarise } from "./cells.js";
import { countCrypto, type Scenario } from "./harness.js";
import { render } from "./report.js";
import { resultsFile } from "./settings.js";

const crypto = countCrypto();

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
      // Two cells per floor: users with a cookie (the floor of S1, S2 and S4) and without (of S3).
      const base = { scenario: "S0", floor: floor.name, store: "none", fetch, counts: undefined } as const;
      cells.push(cellOf({ ...base, name: `${floor.name} (floor)`, users: floorJars(), floorFor: "returning" }));
      cells.push(cellOf({ ...base, name: `${floor.name} (floor, no cookie)`, users: newJars(), floorFor: "new" }));
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
  await runRounds(cells, crypto, log);
  const rows = cells.map((cell) => summarise(cell, cell.scenario === "S0" ? undefined : floorOf(cell, cells)));
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
