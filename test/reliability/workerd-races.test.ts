// The same-session race inside workerd: one isolate serves many requests at once, and saves of one
// session queue there across request contexts. The core and the memory store are bundled into a
// Worker whose store answers 2 ms late, so every request reads before the others write.
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET } from "../helpers.js";

const REQUESTS = 40;
/** How many of them are held until they have all read the session. */
const OVERLAP = 5;

const worker = `
import { withSession } from "./src/index.ts";
import { memoryStore } from "./adapters/memory.ts";

const memory = memoryStore();
const late = () => new Promise((resolve) => setTimeout(resolve, 2));
// The first ${OVERLAP} reads wait for one another (1 s at most), so that many requests certainly load the
// session before any of them saves, however the requests happen to be spread in time. (The request
// that creates the session reads nothing: it has no cookie.)
// Each waits on its own timer: workerd forbids resolving one request's promise from another's.
let reads = 0;
const overlap = async () => {
  reads++;
  for (let waited = 0; reads < ${OVERLAP} && waited < 1000; waited += 2) await late();
};
const store = {
  name: "memory",
  get: async (key) => (await overlap(), await late(), memory.get(key)),
  set: async (key, value, options) => (await late(), memory.set(key, value, options)),
  delete: async (key) => (await late(), memory.delete(key)),
  compareAndSet: async (key, value, expected, options) => (await late(), memory.compareAndSet(key, value, expected, options)),
};
let conflicts = 0;
const fetch = withSession(
  async (request, ctx) => {
    const session = await ctx.session();
    const n = new URL(request.url).searchParams.get("n");
    if (n !== null) session.set("c" + n, 1);
    else if (session.isNew) session.set("base", 1);
    return Response.json({ keys: session.keys(), conflicts });
  },
  { secrets: ${JSON.stringify(SECRET)}, store, onEvent: (event) => { if (event.type === "conflict") conflicts++; } },
);
export default {
  async fetch(request) {
    try {
      return await fetch(request);
    } catch (error) {
      return new Response(String(error && error.code), { status: 500 });
    }
  },
};
`;

describe("workerd (Miniflare): one isolate, one session, many requests at once", () => {
  let mf: Miniflare;
  beforeAll(async () => {
    const bundle = await build({
      stdin: { contents: worker, resolveDir: new URL("../../", import.meta.url).pathname, loader: "ts" },
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    // Loopback only: a free port, and no `request.cf` fetched from the network.
    mf = new Miniflare({ modules: true, script: bundle.outputFiles[0]!.text, host: "127.0.0.1", port: 0, cf: false });
    await mf.ready;
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  it(`${REQUESTS} concurrent requests each adding a key: all succeed, none lost`, async () => {
    const first = await mf.dispatchFetch("http://shop.test/");
    const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
    await first.arrayBuffer();
    const responses = await Promise.all(
      Array.from({ length: REQUESTS }, (_, n) => mf.dispatchFetch(`http://shop.test/?n=${n}`, { headers: { cookie } })),
    );
    const bodies = await Promise.all(responses.map((response) => response.text()));
    expect(responses.map((response) => response.status)).toEqual(Array(REQUESTS).fill(200));
    const final = (await (await mf.dispatchFetch("http://shop.test/", { headers: { cookie } })).json()) as {
      keys: string[];
      conflicts: number;
    };
    expect(final.keys.sort()).toEqual(["base", ...Array.from({ length: REQUESTS }, (_, n) => `c${n}`)].sort());
    // The requests did overlap: the held ones (at least) loaded the session before any other had saved.
    const loadedBeforeAnySave = bodies.filter((body) => (JSON.parse(body) as { keys: string[] }).keys.length === 2).length;
    expect(loadedBeforeAnySave).toBeGreaterThanOrEqual(OVERLAP);
    // Yet no save lost a compare-and-set: each queued one wrote over the version the one before it wrote.
    expect(final.conflicts).toBe(0);
    console.log(
      `[races] workerd: ${REQUESTS} concurrent requests on one session, 0 lost, ${loadedBeforeAnySave} loaded before any save, ${final.conflicts} conflicts retried`,
    );
  });
});
