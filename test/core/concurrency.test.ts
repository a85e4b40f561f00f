// Two requests on one session at once: compare-and-set merges different keys, the later commit
// wins a key, and logout or login is never undone.
import { describe, expect, it } from "vitest";
import { memoryStore } from "../../adapters/memory.js";
import { createSessions, type SessionEvent, type SessionStore, withSession } from "../../src/index.js";
import { CookieJar, countingStore, SECRET } from "../helpers.js";
import { app, type Data, setup } from "./fixture.js";

describe("concurrency (compare-and-set)", () => {
  async function twoTabs() {
    const fixture = setup();
    const jar = new CookieJar();
    jar.apply(await app(fixture.options)(jar.request("http://shop.test/add")));
    jar.apply(await app(fixture.options)(jar.request("http://shop.test/")));
    const sessions = createSessions<Data>(fixture.options);
    const tab1 = await sessions.open(jar.request());
    const tab2 = await sessions.open(jar.request());
    return { ...fixture, jar, tab1, tab2, s1: await tab1.session(), s2: await tab2.session() };
  }

  it("two requests changing different keys both persist", async () => {
    const { jar, options, tab1, tab2, s1, s2, events } = await twoTabs();
    s1.set("a", 1);
    s2.set("b", 2);
    s2.delete("cart");
    await tab1.commit(new Response("1"));
    await tab2.commit(new Response("2"));
    const read = withSession<Data>(async (_r, ctx) => Response.json(Object.fromEntries((await ctx.session()).entries())), options);
    expect(await (await read(jar.request())).json()).toEqual({ a: 1, b: 2 });
    expect(events.filter((event) => event.type === "conflict")).toHaveLength(1);
  });

  it("for the same key the later commit wins", async () => {
    const { jar, options, tab1, tab2, s1, s2 } = await twoTabs();
    s1.set("n", 1);
    s2.set("n", 2);
    await tab2.commit(new Response("2"));
    await tab1.commit(new Response("1"));
    const read = withSession<Data>(async (_r, ctx) => Response.json((await ctx.session()).get("n")), options);
    expect(await (await read(jar.request())).json()).toBe(1);
  });

  it("a save racing a logout never brings the session back", async () => {
    const { tab1, tab2, s1, s2, memory } = await twoTabs();
    s1.destroy();
    s2.set("n", 5);
    await tab1.commit(new Response("bye"));
    const error = await tab2.commit(new Response("late")).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ERR_SESSION_INTERRUPTED" });
    expect(memory.size).toBe(0);
  });

  it("a save with the old id racing a login (regenerate) never revives the old id", async () => {
    const { jar, options, tab1, tab2, s1, s2 } = await twoTabs();
    const oldValue = jar.cookies.get("sid")!;
    s1.regenerate();
    s1.set("user", "ada");
    s2.set("n", 5);
    jar.apply(await tab1.commit(new Response("in")));
    await expect(tab2.commit(new Response("late"))).rejects.toMatchObject({ code: "ERR_SESSION_INTERRUPTED" });
    const stale = await app(options)(new Request("http://shop.test/", { headers: { cookie: `sid=${oldValue}` } }));
    expect(await stale.json()).toMatchObject({ isNew: true });
    expect(await (await app(options)(jar.request())).json()).toMatchObject({ user: "ada", cart: { apple: 1 } });
  });

  it("a touch racing a write does not undo the write", async () => {
    const fixture = setup({ maxAge: 1000, touchAfter: 10 });
    const jar = new CookieJar();
    jar.apply(await app(fixture.options)(jar.request("http://shop.test/add")));
    jar.apply(await app(fixture.options)(jar.request("http://shop.test/")));
    fixture.clock.advance(20);
    const sessions = createSessions<Data>(fixture.options);
    const reader = await sessions.open(jar.request());
    const writer = await sessions.open(jar.request());
    await reader.session();
    (await writer.session()).set("n", 7);
    await writer.commit(new Response("w"));
    await reader.commit(new Response("r"));
    const read = withSession<Data>(async (_r, ctx) => Response.json((await ctx.session()).get("n")), fixture.options);
    expect(await (await read(jar.request())).json()).toBe(7);
  });
});

describe("saves of one session queued in one isolate", () => {
  /** The memory store with every call answered a millisecond late, so that requests overlap. */
  function lateStore(told = true, beforeWrite?: (key: string) => Promise<void>) {
    const memory = memoryStore();
    const late = () => new Promise((resolve) => setTimeout(resolve, 1));
    const store: SessionStore = {
      name: "late-memory",
      get: async (key) => (await late(), memory.get(key)),
      set: async (key, value, options) => (await late(), memory.set(key, value, options)),
      delete: async (key) => (await late(), memory.delete(key)),
      async compareAndSet(key, value, expected, options) {
        await late();
        if (expected !== null) await beforeWrite?.(key);
        const written = await memory.compareAndSet!(key, value, expected, options);
        return told ? written : Boolean(written);
      },
    };
    return { memory, store: countingStore(store) };
  }

  /** `tabs` requests that load one session at once, each `update` its count, and commit at once; the count after. */
  async function tabsAtOnce(store: SessionStore, tabs: number) {
    const events: SessionEvent[] = [];
    const sessions = createSessions<{ count?: number }>({ secrets: [SECRET], store, onEvent: (event) => events.push(event) });
    const first = await sessions.open(new Request("http://shop.test/"));
    (await first.session()).set("count", 0);
    const cookie = (await first.commit(new Response())).headers.get("set-cookie")!.split(";")[0]!;
    const request = () => new Request("http://shop.test/", { headers: { cookie } });
    const handles = await Promise.all(Array.from({ length: tabs }, () => sessions.open(request())));
    for (const session of await Promise.all(handles.map((handle) => handle.session()))) session.update("count", (count = 0) => count + 1);
    await Promise.all(handles.map((handle) => handle.commit(new Response())));
    const check = await sessions.open(request());
    const count = (await check.session()).get("count");
    return { count, conflicts: events.filter((event) => event.type === "conflict").length };
  }

  it("each writes over the version the one before wrote: no conflict and no re-read when the store tells it", async () => {
    const { store } = lateStore();
    const { count, conflicts } = await tabsAtOnce(store, 8);
    expect(count).toBe(8);
    expect(conflicts).toBe(0);
    // One read per request (the first, 8 tabs, the check), none after a lost compare-and-set.
    expect(store.calls.get).toBe(9);
    expect(store.calls.compareAndSet).toBe(9);
  });

  it("re-read after each lost compare-and-set when the store answers a plain true", async () => {
    const { store } = lateStore(false);
    const { count, conflicts } = await tabsAtOnce(store, 8);
    expect(count).toBe(8);
    expect(conflicts).toBe(7);
    expect(store.calls.get).toBe(9 + 7);
  });

  it("a write from elsewhere between two queued saves is caught by compare-and-set and merged", async () => {
    let writes = 0;
    const { store, memory } = lateStore(true, async (key) => {
      // Another process sets the count to 100 just before the second queued save writes.
      if (++writes !== 2) return;
      const found = (await memory.get(key))!;
      const record = JSON.parse(found.value);
      record.d.count = 100;
      await memory.compareAndSet!(key, JSON.stringify(record), found.version!, {
        expiresAt: Date.now() + 60_000,
        ttlSeconds: 60,
        touchOnly: false,
      });
    });
    const { count, conflicts } = await tabsAtOnce(store, 3);
    expect(count).toBe(102);
    expect(conflicts).toBe(1);
  });
});
