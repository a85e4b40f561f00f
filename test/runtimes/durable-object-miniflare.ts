// Starts test/runtimes/entries/durable-object-worker.ts in workerd through Miniflare, as two Worker
// scripts: "a" defines the Durable Object classes, "b" binds the same namespaces through
// `scriptName: "a"`, so requests to the two run in two isolates against the same objects.
import { Miniflare, type WorkerOptions } from "miniflare";
import { bundleWorker } from "./bundle-worker.js";

const entry = new URL("./entries/durable-object-worker.ts", import.meta.url).pathname;

/** The classes the entry exports, each bound under the name the entry's Env gives it. */
const CLASSES = {
  SESSIONS: "CoatcheckSessionObject",
  INSPECTABLE: "InspectableSessionObject",
  LAZY: "LazyAlarmSessionObject",
  FAILING: "FailingSessionObject",
  RESETTING: "ResettingSessionObject",
  BARRIER: "Barrier",
};

function worker(name: string, script: string, classesFrom?: string): WorkerOptions {
  const durableObjects = Object.fromEntries(
    Object.entries(CLASSES).map(([binding, className]) => [binding, { className, useSQLite: true, scriptName: classesFrom }]),
  );
  return {
    name,
    modules: true,
    script,
    compatibilityDate: "2026-04-01",
    // node:assert, which the shared conformance suite uses.
    compatibilityFlags: ["nodejs_compat"],
    durableObjects,
    kvNamespaces: { KV: "kv" },
  };
}

/** Both Worker scripts in one workerd; `fetchA`/`fetchB` send a request to either. */
export async function startDurableObjectWorkers() {
  const script = await bundleWorker({ entryPoint: entry });
  // Loopback only: a free port, and no `request.cf` fetched from the network.
  const mf = new Miniflare({ workers: [worker("a", script), worker("b", script, "a")], host: "127.0.0.1", port: 0, cf: false });
  await mf.ready;
  const b = await mf.getWorker("b");
  return {
    mf,
    fetchA: (url: string, init?: RequestInit) => mf.dispatchFetch(new URL(url, "http://shop.test").href, init as never),
    fetchB: (url: string, init?: RequestInit) => b.fetch(new URL(url, "http://shop.test").href, init as never),
  };
}
