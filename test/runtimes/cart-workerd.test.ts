// The cart scenario in real workerd through Miniflare: the Worker of the root wrangler.toml, bundled
// with esbuild as `wrangler dev` would, with a local KV namespace bound as SESSIONS; then the same
// Worker as wrangler.durable-object.toml binds it, with its sessions in Durable Objects.
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { SECRET } from "../helpers.js";
import { bundleWorker } from "./bundle-worker.js";
import { runCartScenario } from "./cart-scenario.js";

/** The Worker as a wrangler config declares it: entry, compatibility date, KV and Durable Object bindings. */
async function workerFromWranglerToml(config = "wrangler.toml") {
  const { main, workerOptions } = unstable_getMiniflareWorkerOptions(config);
  expect(main).toMatch(/examples\/cloudflare-worker\/index\.ts$/);
  return {
    modules: true,
    script: await bundleWorker({ entryPoint: main! }),
    compatibilityDate: workerOptions.compatibilityDate,
    compatibilityFlags: workerOptions.compatibilityFlags,
    kvNamespaces: Object.keys(workerOptions.kvNamespaces ?? {}),
    durableObjects: workerOptions.durableObjects,
  };
}

describe("workerd (Miniflare)", () => {
  let mf: Miniflare;
  let withoutSecrets: Miniflare;

  beforeAll(async () => {
    const worker = await workerFromWranglerToml();
    expect(worker.kvNamespaces).toEqual(["SESSIONS"]);
    // cf: false — use Miniflare's placeholder `request.cf` instead of fetching one from the network.
    mf = new Miniflare({ ...worker, bindings: { SESSION_SECRETS: SECRET }, host: "127.0.0.1", port: 0, cf: false });
    withoutSecrets = new Miniflare({ ...worker, host: "127.0.0.1", port: 0, cf: false });
    await Promise.all([mf.ready, withoutSecrets.ready]);
  });
  afterAll(async () => {
    await Promise.all([mf?.dispose(), withoutSecrets?.dispose()]);
  });

  it("the cart scenario over real HTTP, sessions in Workers KV", async () => {
    const url = await mf.ready;
    await runCartScenario(url.origin);
  });

  it("without SESSION_SECRETS the development secret serves localhost only", async () => {
    const local = await withoutSecrets.dispatchFetch("http://localhost:8787/cart/add", {
      method: "POST",
      body: new URLSearchParams({ item: "fig" }),
      redirect: "manual",
    });
    expect(local.status).toBe(303);
    expect(local.headers.get("set-cookie")).toMatch(/^sid=/);
    const deployed = await withoutSecrets.dispatchFetch("https://shop.example.com/");
    expect(deployed.status).toBe(500);
    expect(await deployed.text()).toContain("SESSION_SECRETS is not set");
  });
});

describe("workerd (Miniflare), wrangler.durable-object.toml", () => {
  let mf: Miniflare;

  beforeAll(async () => {
    const worker = await workerFromWranglerToml("wrangler.durable-object.toml");
    expect(worker.kvNamespaces).toEqual([]);
    expect(worker.durableObjects).toEqual({ SESSION_OBJECTS: { className: "CoatcheckSessionObject", useSQLite: true } });
    mf = new Miniflare({ ...worker, bindings: { SESSION_SECRETS: SECRET }, host: "127.0.0.1", port: 0, cf: false });
    await mf.ready;
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  it("the cart scenario over real HTTP, sessions in Durable Objects", async () => {
    const url = await mf.ready;
    await runCartScenario(url.origin);
  });
});
