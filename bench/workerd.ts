// `npm run bench:workerd`: coatcheck inside workerd (Miniflare) on the Durable Object store beside
// Workers KV, with the same app, users, scenarios and interleaved rounds as the in-process bench
// (cells.ts). The Worker is bench/workerd-worker.ts; requests go to it over Miniflare's loopback
// HTTP socket, so every figure includes that hop, and the floor (the same Worker answering without
// a session) pays it too: the overhead column is what the session costs on top. Both backends are
// Miniflare's local ones, in the same workerd process: an RPC to a Durable Object, or a KV call,
// costs far less here than across Cloudflare's network. Built and started by bench/run.mjs.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { type Cell, cellOf, floorJars, floorOf, newJars, prepare, type Row, runRounds, summarise } from "./cells.js";
import { perRequest, type Scenario, type StoreCounts, us, zeroCounts } from "./harness.js";
import { resultsFile, settings } from "./settings.js";

const CANDIDATES = [
  { path: "do", name: "coatcheck (durable-object)", backend: "RPC" },
  { path: "kv", name: "coatcheck (cloudflare-kv)", backend: "KV call" },
];

/** Backend calls (RPCs or KV operations) per candidate and scenario, over the whole run. */
const backendCalls = new Map<string, { calls: number; requests: number }>();

async function startWorker(): Promise<{ mf: Miniflare; origin: string }> {
  const bundle = await build({
    entryPoints: ["bench/workerd-worker.ts"],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*"],
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const mf = new Miniflare({
    modules: true,
    script: bundle.outputFiles[0]!.text,
    compatibilityDate: "2026-04-01",
    durableObjects: { SESSIONS: { className: "CoatcheckSessionObject", useSQLite: true } },
    kvNamespaces: ["KV"],
    host: "127.0.0.1",
    port: 0,
    cf: false,
  });
  return { mf, origin: (await mf.ready).origin };
}

/** A fetch handler that sends the request to the Worker under `/<path>` and counts what it reports. */
function viaWorker(origin: string, path: string, counts: StoreCounts) {
  return async (request: Request): Promise<Response> => {
    const scenario = request.url.slice(request.url.lastIndexOf("/"));
    const response = await fetch(`${origin}/${path}${scenario}`, { headers: request.headers });
    const [reads, writes, deletes, calls] = (response.headers.get("x-bench-counts") ?? "0,0,0,0").split(",").map(Number);
    counts.reads += reads!;
    counts.writes += writes!;
    counts.deletes += deletes!;
    const total = backendCalls.get(`${path}${scenario}`) ?? { calls: 0, requests: 0 };
    backendCalls.set(`${path}${scenario}`, { calls: total.calls + calls!, requests: total.requests + 1 });
    return response;
  };
}

async function collect(origin: string): Promise<Cell[]> {
  const floor = viaWorker(origin, "floor", zeroCounts());
  // The floor's returning users carry a cookie too (the floor of S1, S2, S4); its new visitors none (of S3).
  const base = { scenario: "S0", floor: "workerd", store: "none", fetch: floor, counts: undefined } as const;
  const cells = [
    cellOf({ ...base, name: "workerd (floor)", users: floorJars(), floorFor: "returning" }),
    cellOf({ ...base, name: "workerd (floor, no cookie)", users: newJars(), floorFor: "new" }),
  ];
  for (const { path, name } of CANDIDATES) {
    const counts = zeroCounts();
    const { instance, users } = await prepare({
      name,
      floor: "workerd",
      store: "server",
      note: "",
      create: async () => ({ fetch: viaWorker(origin, path, counts), counts }),
    });
    for (const scenario of ["S1", "S2", "S3", "S4"] as Scenario[]) {
      cells.push(cellOf({ name, scenario, floor: "workerd", store: "server", fetch: instance.fetch, users, counts: instance.counts }));
    }
  }
  return cells;
}

function render(rows: Row[], seconds: number): string {
  const out = [`# coatcheck in workerd (Miniflare): the Durable Object store beside Workers KV`, ""];
  if (settings.quick) out.push("**Quick run (--quick): a smoke test of the bench, too short for its figures to mean anything.**", "");
  out.push(
    `${new Date().toISOString().slice(0, 10)}, Node ${process.version} driving workerd through Miniflare, ${settings.rounds} interleaved rounds, ${settings.users} virtual users, ${seconds.toFixed(0)} s in all.`,
    "Times in µs per request as the driver sees it (over Miniflare's loopback HTTP socket), medians of rounds; overhead: minus the same round's floor (the Worker answering without a session, its users carrying a cookie like coatcheck's for S1, S2, S4 and none for S3).",
    "Store calls per request through a counting wrapper; backend calls: RPCs to Durable Objects, or Workers KV operations, counted in the Worker.",
    "Both backends are Miniflare's local simulations in the same workerd process, so these are the costs of the code paths, not of Cloudflare's network.",
    "",
    "| candidate | scenario | mean | p50 | p99 | overhead (mean) | overhead (p50) | store reads/req | store writes/req | backend calls/req | Set-Cookie/req |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  );
  for (const row of [...rows].sort((a, b) => a.cell.scenario.localeCompare(b.cell.scenario))) {
    const path = CANDIDATES.find((candidate) => candidate.name === row.cell.name);
    const total = path && backendCalls.get(`${path.path}/${row.cell.scenario.toLowerCase()}`);
    const perRow = total ? total.calls / total.requests : 0;
    const backend = total ? `${perRequest(perRow)} ${path.backend}${perRow === 1 ? "" : "s"}` : "—";
    out.push(
      `| ${row.cell.name} | ${row.cell.scenario} | ${us(row.mean)} | ${us(row.p50)} | ${us(row.p99)} | ${us(row.overhead)} | ${us(row.overheadP50)} | ${perRequest(row.reads)} | ${perRequest(row.writes)} | ${backend} | ${perRequest(row.setCookies)} |`,
    );
  }
  return out.join("\n");
}

async function main(): Promise<void> {
  const started = performance.now();
  const { mf, origin } = await startWorker();
  try {
    const cells = await collect(origin);
    // Crypto runs inside workerd, out of this process's sight: nothing to count here.
    const noCrypto = { webCrypto: { calls: 0 }, nodeCrypto: { calls: 0 } };
    await runRounds(cells, noCrypto, (message) => console.error(`[bench] ${message}`));
    const markdown = render(
      cells.map((cell) => summarise(cell, cell.scenario === "S0" ? undefined : floorOf(cell, cells))),
      (performance.now() - started) / 1000,
    );
    const file = resultsFile("workerd");
    if (file) {
      await mkdir(dirname(`${process.cwd()}/${file}`), { recursive: true });
      await writeFile(`${process.cwd()}/${file}`, `${markdown}\n`);
    }
    console.log(markdown);
    console.error(file ? `[bench] written to ${file}` : "[bench] quick run: nothing written");
  } finally {
    await mf.dispose();
  }
}

await main();
