// The Durable Object store's complete example (docs/stores/durable-object.md shows it verbatim):
// examples/durable-object/ run as its wrangler.toml declares it, in workerd through Miniflare, with
// the class the Worker re-exports bound to a SQLite-backed namespace; it counts a browser's visits.
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { OLD_SECRET, SECRET } from "./helpers.js";
import { bundleWorker } from "./runtimes/bundle-worker.js";

const CONFIG = "examples/durable-object/wrangler.toml";

describe("examples/durable-object, in workerd", () => {
  let mf: Miniflare | undefined;
  let origin = "";

  beforeAll(async () => {
    const { main, workerOptions } = unstable_getMiniflareWorkerOptions(CONFIG);
    expect(workerOptions.durableObjects).toEqual({ SESSIONS: { className: "CoatcheckSessionObject", useSQLite: true } });
    mf = new Miniflare({
      modules: true,
      script: await bundleWorker({ entryPoint: main! }),
      compatibilityDate: workerOptions.compatibilityDate,
      compatibilityFlags: workerOptions.compatibilityFlags,
      durableObjects: workerOptions.durableObjects,
      // What `.dev.vars` gives `wrangler dev`: two secrets, newest first.
      bindings: { SESSION_SECRETS: `${SECRET} ${OLD_SECRET}` },
      host: "127.0.0.1",
      port: 0,
      // Miniflare's placeholder `request.cf` instead of one fetched from the network.
      cf: false,
    });
    origin = (await mf.ready).origin;
  }, 60_000);

  afterAll(async () => {
    await mf?.dispose();
  });

  it("counts each browser's visits in its own Durable Object", async () => {
    const first = await fetch(`${origin}/`);
    expect(await first.text()).toBe("Visits: 1\n");
    const [cookie] = first.headers.getSetCookie()[0]!.split(";");
    expect(cookie).toMatch(/^__Host-sid=[\w.-]+$/);
    for (const visit of [2, 3]) {
      const response = await fetch(`${origin}/`, { headers: { cookie: cookie! } });
      expect(await response.text()).toBe(`Visits: ${visit}\n`);
    }
    const stranger = await fetch(`${origin}/`);
    expect(await stranger.text()).toBe("Visits: 1\n");
  });
});
