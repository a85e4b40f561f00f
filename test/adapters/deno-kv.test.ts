// The Deno KV store against the real Deno KV engine (SQLite, through @deno/kv's native module) in
// Node. The same suite runs inside the `deno` binary in test/runtimes/deno-kv.test.ts.
import { type Kv, type KvKey, openKv } from "@deno/kv";
import { afterEach, describe, expect, it } from "vitest";
import { type DenoKvLike, denoKVStore } from "../../adapters/deno-kv.js";
import { createSessions, type SessionEvent, type SessionOptions, withSession } from "../../src/index.js";
import { parseRecord } from "../../src/record.js";
import { defineStoreConformance } from "../../src/testing.js";
import { CookieJar, fakeClock, SECRET } from "../helpers.js";
import { DENO_KV_CAPABILITIES } from "../runtimes/entries/deno-kv-capabilities.js";

defineStoreConformance(
  { describe, it },
  {
    name: "deno-kv",
    async create(clock) {
      const kv = await openKv(":memory:");
      return { store: denoKVStore(kv, { clock }), cleanup: () => kv.close() };
    },
    capabilities: DENO_KV_CAPABILITIES,
  },
);

const opened: Kv[] = [];
async function freshKv(): Promise<Kv> {
  const kv = await openKv(":memory:");
  opened.push(kv);
  return kv;
}
afterEach(() => {
  for (const kv of opened.splice(0)) kv.close();
});

async function keysUnder(kv: Kv, prefix: KvKey = ["coatcheck", "sessions"]): Promise<KvKey[]> {
  const keys: KvKey[] = [];
  for await (const entry of kv.list({ prefix })) keys.push(entry.key);
  return keys;
}

const far = (clock: () => number, seconds = 3600) => ({ expiresAt: clock() + seconds * 1000, ttlSeconds: seconds, touchOnly: false });

type Data = { blob?: string; a?: number; b?: number; n?: number };

/** GET / reads the session; POST sets `blob` to `?size` characters (or `n`); /logout destroys. */
function app(options: SessionOptions) {
  return withSession<Data>(async (request, ctx) => {
    const session = await ctx.session();
    const url = new URL(request.url);
    if (url.pathname === "/blob") session.set("blob", "é".repeat(Number(url.searchParams.get("chars"))));
    if (url.pathname === "/n") session.set("n", Number(url.searchParams.get("n")));
    if (url.pathname === "/logout") session.destroy();
    return Response.json({ blobLength: session.get("blob")?.length ?? 0, blob: session.get("blob") ?? "", n: session.get("n") ?? null });
  }, options);
}

describe("deno-kv store", () => {
  it("passes each record's lifetime to Deno KV as expireIn, on the head and on every chunk", async () => {
    const kv = await freshKv();
    const expireIns: unknown[] = [];
    const recording: DenoKvLike = {
      get: (key) => kv.get(key),
      getMany: (keys) => kv.getMany(keys as KvKey[]),
      atomic() {
        const operation = kv.atomic();
        const set = operation.set.bind(operation);
        operation.set = (key, value, options) => (expireIns.push(options?.expireIn), set(key, value, options));
        return operation;
      },
    };
    const clock = fakeClock();
    const store = denoKVStore(recording, { clock });
    await store.set("small", "s", far(clock, 90));
    expect(expireIns).toEqual([90_000]);
    await store.set("big", "x".repeat(150_000), far(clock, 600));
    expect(expireIns.slice(1)).toEqual([600_000, 600_000, 600_000, 600_000]); // the head and 3 chunks
  });

  it("splits a 200 KiB session over several keys, reads it back whole, and drops the chunks as it shrinks and ends", async () => {
    const kv = await freshKv();
    const clock = fakeClock();
    const handler = app({ secrets: [SECRET], store: denoKVStore(kv, { clock }), clock });
    const jar = new CookieJar();
    // 102,400 two-byte characters: 200 KiB of UTF-8.
    jar.apply(await handler(jar.request("http://shop.test/blob?chars=102400")));
    const keys = await keysUnder(kv);
    expect(keys).toHaveLength(5); // the head and 4 chunks of at most 64 KiB
    expect(keys.slice(1).map((key) => key.at(-1))).toEqual([0, 1, 2, 3]);
    const read = (await (await handler(jar.request())).json()) as { blob: string };
    expect(read.blob).toBe("é".repeat(102_400));

    jar.apply(await handler(jar.request("http://shop.test/blob?chars=10")));
    expect(await keysUnder(kv)).toHaveLength(1);
    jar.apply(await handler(jar.request("http://shop.test/blob?chars=102400")));
    jar.apply(await handler(jar.request("http://shop.test/logout")));
    expect(await keysUnder(kv)).toEqual([]);
  });

  it("refuses a session too large for one atomic operation before writing anything, and keeps the old record", async () => {
    const kv = await freshKv();
    const clock = fakeClock();
    const handler = app({ secrets: [SECRET], store: denoKVStore(kv, { clock }), clock });
    const jar = new CookieJar();
    await expect(handler(jar.request("http://shop.test/blob?chars=400000"))).rejects.toMatchObject({
      code: "ERR_SESSION_TOO_LARGE",
      message: expect.stringMatching(/^coatcheck: deno-kv store: the session is \d+ bytes/),
    });
    expect(await keysUnder(kv)).toEqual([]);

    jar.apply(await handler(jar.request("http://shop.test/blob?chars=100000")));
    const before = await keysUnder(kv);
    await expect(handler(jar.request("http://shop.test/blob?chars=400000"))).rejects.toMatchObject({ code: "ERR_SESSION_TOO_LARGE" });
    expect(await keysUnder(kv)).toEqual(before);
    expect(((await (await handler(jar.request())).json()) as { blobLength: number }).blobLength).toBe(100_000);
  });

  /** A session spanning chunks, opened by two requests at once (two tabs) that have both read it. */
  async function twoTabsOnASplitSession() {
    const kv = await freshKv();
    const clock = fakeClock();
    const options = { secrets: [SECRET], store: denoKVStore(kv, { clock }), clock };
    const jar = new CookieJar();
    jar.apply(await app(options)(jar.request("http://shop.test/blob?chars=60000")));
    const sessions = createSessions<Data>(options);
    const [tab1, tab2] = await Promise.all([sessions.open(jar.request()), sessions.open(jar.request())]);
    const [s1, s2] = await Promise.all([tab1.session(), tab2.session()]);
    return { kv, jar, sessions, tab1, tab2, s1, s2 };
  }

  it("merges two concurrent saves of different keys, even when the session spans chunks", async () => {
    const { jar, sessions, tab1, tab2, s1, s2 } = await twoTabsOnASplitSession();
    s1.set("a", 1);
    s2.set("b", 2);
    await Promise.all([tab1.commit(new Response()), tab2.commit(new Response())]);
    const check = await (await sessions.open(jar.request())).session();
    expect({ a: check.get("a"), b: check.get("b"), blobLength: check.get("blob")?.length }).toEqual({ a: 1, b: 2, blobLength: 60_000 });
  });

  it("never resurrects a session destroyed by a racing request", async () => {
    const { kv, tab1, tab2, s1, s2 } = await twoTabsOnASplitSession();
    s1.destroy();
    s2.set("n", 5);
    await tab1.commit(new Response("bye"));
    await expect(tab2.commit(new Response("late"))).rejects.toMatchObject({ code: "ERR_SESSION_INTERRUPTED" });
    expect(await keysUnder(kv)).toEqual([]);
  });

  it("never returns a mix of two writes when one lands between reading the head and the chunks", async () => {
    const kv = await freshKv();
    const clock = fakeClock();
    const writer = denoKVStore(kv, { clock });
    const first = "a".repeat(200_000);
    const second = "b".repeat(300_000);
    await writer.set("k", first, far(clock));
    let interleaved = false;
    const racing: DenoKvLike = {
      get: (key) => kv.get(key),
      async getMany(keys) {
        if (!interleaved) {
          interleaved = true;
          await writer.set("k", second, far(clock));
        }
        return kv.getMany(keys as KvKey[]);
      },
      atomic: () => kv.atomic(),
    };
    const found = await denoKVStore(racing, { clock }).get("k");
    expect(interleaved).toBe(true);
    expect(found?.value).toBe(second);
  });

  it("reads a split record whose chunk is gone or replaced as corrupt, not as a store error, and lets compare-and-set overwrite it", async () => {
    const kv = await freshKv();
    const clock = fakeClock();
    const store = denoKVStore(kv, { clock });
    await store.set("gone", "a".repeat(200_000), far(clock));
    await store.set("replaced", "b".repeat(200_000), far(clock));
    await kv.delete(["coatcheck", "sessions", "gone", 1]);
    await kv.set(["coatcheck", "sessions", "replaced", 2], new Uint8Array(10));
    for (const key of ["gone", "replaced"]) {
      const found = await store.get(key);
      expect(found?.value).toBe("");
      expect(parseRecord(found!.value)).toBeNull();
      expect(await store.compareAndSet!(key, "fixed", found!.version!, far(clock))).toEqual({ version: expect.anything() });
      expect((await store.get(key))?.value).toBe("fixed");
    }
  });

  it("answers a request whose record lost a chunk with a fresh session and a tampered event, not a 500", async () => {
    const kv = await freshKv();
    const clock = fakeClock();
    const events: SessionEvent[] = [];
    const handler = app({
      secrets: [SECRET],
      store: denoKVStore(kv, { clock }),
      clock,
      onEvent: (event) => {
        events.push(event);
      },
    });
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/blob?chars=102400")));
    const [head, firstChunk] = await keysUnder(kv);
    expect(firstChunk).toEqual([...head!, 0]);
    await kv.delete(firstChunk!);
    const response = await handler(jar.request());
    expect(response.status).toBe(200);
    expect(((await response.json()) as { blobLength: number }).blobLength).toBe(0);
    expect(events).toContainEqual({ type: "tampered", store: "deno-kv", reason: "corrupt-record" });
  });

  it("treats a record past its expiry as absent for compareAndSet(null), though Deno KV has not purged it", async () => {
    const kv = await freshKv();
    const clock = fakeClock();
    const store = denoKVStore(kv, { clock });
    await store.set("k", "old", far(clock, 120));
    clock.advance(121);
    expect(await store.compareAndSet!("k", "new", null, far(clock))).toEqual({ version: expect.anything() });
    expect((await store.get("k"))?.value).toBe("new");
  });

  it("keeps stores with different prefixes apart on one database", async () => {
    const kv = await freshKv();
    const clock = fakeClock();
    const left = denoKVStore(kv, { clock, prefix: ["app", "left"] });
    const right = denoKVStore(kv, { clock, prefix: ["app", "right"] });
    await left.set("k", "L", far(clock));
    await right.set("k", "R", far(clock));
    expect((await left.get("k"))?.value).toBe("L");
    expect((await right.get("k"))?.value).toBe("R");
    await left.delete("k");
    expect(await left.get("k")).toBeNull();
    expect((await right.get("k"))?.value).toBe("R");
    expect(await keysUnder(kv, ["app", "right"])).toEqual([["app", "right", "k"]]);
  });

  it("rejects a prefix that would not leave room for keys, at construction", async () => {
    const kv = await freshKv();
    expect(() => denoKVStore(kv, { prefix: ["x".repeat(2000)] })).toThrowError(
      expect.objectContaining({ code: "ERR_SESSION_OPTIONS", message: expect.stringMatching(/^coatcheck: deno-kv store: `prefix`/) }),
    );
  });
});
