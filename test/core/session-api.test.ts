// The Session object a handler holds: its methods, JSON-only values, closed after commit, and
// update() re-run on a fresher record.
import { describe, expect, it } from "vitest";
import { createSessions, withSession } from "../../src/index.js";
import { CookieJar } from "../helpers.js";
import { type Data, setup } from "./fixture.js";

describe("lifecycle", () => {
  it("closes the session once committed: a later mutation throws", async () => {
    const { options } = setup();
    const sessions = createSessions<Data>(options);
    const handle = await sessions.open(new Request("http://shop.test/"));
    const session = await handle.session();
    session.set("n", 1);
    await handle.commit(new Response("ok"));
    expect(() => session.set("n", 2)).toThrowError(expect.objectContaining({ code: "ERR_SESSION_CLOSED" }));
    expect(session.get("n")).toBe(1);
  });

  it("release() closes a handle without saving; the request can be opened again (an error page)", async () => {
    const { options, store } = setup();
    const sessions = createSessions<Data>(options);
    const jar = new CookieJar();
    const first = await sessions.open(jar.request("http://shop.test/"));
    (await first.session()).set("n", 1);
    jar.apply(await first.commit(new Response("ok")));
    const writes = store.writes() + store.calls.delete;

    const request = jar.request("http://shop.test/boom");
    const failing = await sessions.open(request);
    const session = await failing.session();
    session.set("n", 2);
    failing.release(); // the route threw
    await Promise.resolve();
    expect(() => session.set("n", 3)).toThrowError(expect.objectContaining({ code: "ERR_SESSION_CLOSED" }));
    await expect(failing.session()).resolves.toBe(session); // already loaded: the same, closed session
    // The same request again, as a framework does to render its error page: not a double mount.
    const again = await sessions.open(request);
    expect((await again.session()).get("n")).toBe(1);
    const response = await again.commit(new Response("error page", { status: 500 }));
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(store.writes() + store.calls.delete).toBe(writes);

    const unloaded = await sessions.open(new Request("http://shop.test/"));
    unloaded.release();
    await expect(unloaded.session()).rejects.toMatchObject({ code: "ERR_SESSION_CLOSED" });
  });

  it("refuses values that are not JSON, naming the key", async () => {
    const { options } = setup();
    const session = await (await createSessions<Record<string, unknown>>(options).open(new Request("http://shop.test/"))).session();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [() => 1, 10n, Number.NaN, new Date(0), new Map(), cyclic, { deep: [undefined] }, undefined, Symbol("x")]) {
      expect(() => session.set("bad", value)).toThrowError(/the session value for "bad" is not JSON-serialisable/);
    }
    expect(() => session.set("good", { list: [1, "two", null, { three: true }] })).not.toThrow();
    expect(session.keys()).toEqual(["good"]);
  });

  it("Session API: has, delete, clear, keys, entries, isNew", async () => {
    const { options } = setup();
    const session = await (await createSessions<Data>(options).open(new Request("http://shop.test/"))).session();
    expect(session.isNew).toBe(true);
    expect(session.get("user")).toBeUndefined();
    session.set("user", "ada");
    session.set("n", 2);
    expect(session.has("user")).toBe(true);
    expect(session.keys()).toEqual(["user", "n"]);
    expect(session.entries()).toEqual([
      ["user", "ada"],
      ["n", 2],
    ]);
    expect(session.delete("user")).toBe(true);
    expect(session.delete("user")).toBe(false);
    session.clear();
    expect(session.keys()).toEqual([]);
  });

  it("keeps a __proto__ key as data without touching Object.prototype", async () => {
    const { options } = setup();
    const jar = new CookieJar();
    const write = withSession<Record<string, unknown>>(async (_request, ctx) => {
      (await ctx.session()).set("__proto__", { polluted: true });
      return new Response("ok");
    }, options);
    jar.apply(await write(jar.request()));
    const read = withSession<Record<string, unknown>>(
      async (_request, ctx) => Response.json((await ctx.session()).get("__proto__")),
      options,
    );
    expect(await (await read(jar.request())).json()).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("reads the loaded record in place: names of Object.prototype are no keys, and the first write leaves the other values as read", async () => {
    const { options } = setup();
    const sessions = createSessions<Record<string, unknown>>(options);
    const jar = new CookieJar();
    const seed = await sessions.open(jar.request());
    (await seed.session()).set("a", 1);
    (await seed.session()).set("b", [2]);
    jar.apply(await seed.commit(new Response("ok")));

    const handle = await sessions.open(jar.request());
    const session = await handle.session();
    const read = () => [session.get("a"), session.get("b"), session.get("toString"), session.has("constructor"), session.has("b")];
    const beforeWriting = read();
    expect(beforeWriting).toEqual([1, [2], undefined, false, true]);
    session.set("c", 3);
    expect(read()).toEqual(beforeWriting);
    expect(session.keys()).toEqual(["a", "b", "c"]);
    await handle.commit(new Response("ok"));
  });
});

describe("update()", () => {
  it("returns the new value, validates it, and re-runs only on a fresher record", async () => {
    const { options } = setup();
    const sessions = createSessions<{ n?: number; bad?: unknown }>(options);
    const first = await sessions.open(new Request("http://shop.test/"));
    const session = await first.session();
    let calls = 0;
    expect(
      session.update("n", (n = 0) => {
        calls++;
        return n + 1;
      }),
    ).toBe(1);
    expect(() => session.update("bad", () => () => 1)).toThrowError(/"bad" is not JSON-serialisable/);
    const cookie = (await first.commit(new Response())).headers.get("set-cookie")!.split(";")[0]!;
    expect(calls).toBe(1); // a new session: nothing fresher to re-run on
    const request = () => new Request("http://shop.test/", { headers: { cookie } });
    const [a, b] = await Promise.all([sessions.open(request()), sessions.open(request())]);
    const [sa, sb] = await Promise.all([a.session(), b.session()]);
    sa.update("n", (n = 0) => n + 10);
    sb.set("n", 100); // a plain set: the later commit wins over it
    await b.commit(new Response());
    await a.commit(new Response());
    const check = await sessions.open(request());
    expect((await check.session()).get("n")).toBe(110);
  });

  it("after clear(), a re-run does not resurrect the old value", async () => {
    const { options } = setup();
    const sessions = createSessions<{ n?: number; other?: number }>(options);
    const first = await sessions.open(new Request("http://shop.test/"));
    (await first.session()).set("n", 5);
    const cookie = (await first.commit(new Response())).headers.get("set-cookie")!.split(";")[0]!;
    const request = () => new Request("http://shop.test/", { headers: { cookie } });
    const [a, b] = await Promise.all([sessions.open(request()), sessions.open(request())]);
    const [sa, sb] = await Promise.all([a.session(), b.session()]);
    sa.clear();
    sa.update("n", (n = 0) => n + 1);
    sb.set("other", 1);
    await b.commit(new Response());
    await a.commit(new Response());
    const check = await sessions.open(request());
    expect(Object.fromEntries((await check.session()).entries())).toEqual({ n: 1 });
  });
});
