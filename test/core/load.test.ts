// Loading a session: nothing is read until the handler asks, and only a ticket stamped by one of
// our secrets for this cookie name ever reaches the store.
import { describe, expect, it, vi } from "vitest";
import { nodeCrypto } from "../../src/crypto-path.js";
import { withSession } from "../../src/index.js";
import { CookieJar, OLD_SECRET, SECRET } from "../helpers.js";
import { app, setup, VALUE } from "./fixture.js";

describe("laziness", () => {
  it("a handler that never loads the session costs no store call, no Set-Cookie and no Vary", async () => {
    const { options, store } = setup();
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    store.reset();
    const response = await handler(jar.request("http://shop.test/static"));
    expect(await response.text()).toBe("no session here");
    expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, compareAndSet: 0 });
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("vary")).toBeNull();
  });

  it("a read-only request reads once, writes nothing, sets no cookie, and varies on Cookie", async () => {
    const { options, store } = setup();
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    jar.apply(await handler(jar.request("http://shop.test/"))); // consumes the flash
    store.reset();
    const response = await handler(jar.request("http://shop.test/"));
    expect(await response.json()).toMatchObject({ cart: { apple: 1 }, isNew: false });
    expect(store.calls.get).toBe(1);
    expect(store.writes()).toBe(0);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("vary")).toBe("Cookie");
  });

  it("ctx.session() is memoised: one store read however often it is called", async () => {
    const { options, store } = setup();
    const jar = new CookieJar();
    jar.apply(await app(options)(jar.request("http://shop.test/add")));
    store.reset();
    const handler = withSession(async (_request, ctx) => {
      const [a, b] = await Promise.all([ctx.session(), ctx.session()]);
      expect(a).toBe(b);
      expect(await ctx.session()).toBe(a);
      return new Response("ok");
    }, options);
    await handler(jar.request());
    expect(store.calls.get).toBe(1);
  });

  it("a new visitor who stores nothing gets no cookie and costs no write", async () => {
    const { options, store } = setup();
    const response = await app(options)(new Request("http://shop.test/"));
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, compareAndSet: 0 });
  });
});

describe("tickets", () => {
  it("ids are 256-bit base64url and the store key is a hash, never the id", async () => {
    const { options, memory } = setup();
    const jar = new CookieJar();
    const [line] = jar.apply(await app(options)(jar.request("http://shop.test/add")));
    const id = VALUE.exec(line!)![1]!.split(".")[0]!;
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const hit = await memory.get(id);
    expect(hit).toBeNull();
    expect(memory.size).toBe(1);
  });

  it("a forged, truncated or re-cased cookie is a fresh session and costs no store read", async () => {
    const { options, store, events } = setup();
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    const good = jar.cookies.get("sid")!;
    const variants = [
      `${good.slice(0, 10)}${good[10] === "A" ? "B" : "A"}${good.slice(11)}`,
      good.slice(0, -1),
      `${good}x`,
      good.toUpperCase(),
      "not-even-close",
      `${"A".repeat(43)}.${"A".repeat(43)}`,
    ];
    for (const value of variants) {
      store.reset();
      const response = await handler(new Request("http://shop.test/", { headers: { cookie: `sid=${value}` } }));
      expect(await response.json()).toMatchObject({ cart: {}, isNew: true });
      expect(store.calls.get).toBe(0);
    }
    expect(events.filter((event) => event.type === "tampered")).toHaveLength(variants.length);
  });

  it("a value stamped for another cookie name is rejected", async () => {
    const { options, store } = setup({ cookie: { name: "other" } });
    const jar = new CookieJar();
    jar.apply(await app(options)(jar.request("http://shop.test/add")));
    const value = jar.cookies.get("other")!;
    const sid = setup();
    sid.options.store = store; // same store, same secret, another cookie name
    const response = await app(sid.options)(new Request("http://shop.test/", { headers: { cookie: `sid=${value}` } }));
    expect(await response.json()).toMatchObject({ isNew: true, cart: {} });
  });

  it("rotates secrets: an old-secret cookie loads, is re-issued under the new secret, and dies with the old secret", async () => {
    const { options, store } = setup({ secrets: [OLD_SECRET] });
    const jar = new CookieJar();
    jar.apply(await app(options)(jar.request("http://shop.test/add")));
    jar.apply(await app(options)(jar.request("http://shop.test/")));
    const oldValue = jar.cookies.get("sid")!;
    const rotated = app({ ...options, secrets: [SECRET, OLD_SECRET] });
    store.reset();
    const response = await rotated(jar.request("http://shop.test/"));
    expect(await response.json()).toMatchObject({ cart: { apple: 1 }, isNew: false });
    expect(store.writes()).toBe(0);
    const [line] = jar.apply(response);
    expect(line).toMatch(VALUE);
    const newValue = jar.cookies.get("sid")!;
    expect(newValue).not.toBe(oldValue);
    expect(newValue.split(".")[0]).toBe(oldValue.split(".")[0]);
    // Once re-issued, no more re-issuing.
    expect((await rotated(jar.request("http://shop.test/"))).headers.get("set-cookie")).toBeNull();
    // With the old secret removed, the old value is worthless; the re-issued one still works.
    const newOnly = app({ ...options, secrets: [SECRET] });
    const stale = await newOnly(new Request("http://shop.test/", { headers: { cookie: `sid=${oldValue}` } }));
    expect(await stale.json()).toMatchObject({ isNew: true });
    expect(await (await newOnly(jar.request("http://shop.test/"))).json()).toMatchObject({ cart: { apple: 1 } });
  });

  it.runIf(nodeCrypto)(
    "re-issues an old-secret cookie under the new secret with one HMAC, however often it comes back before the browser takes the new one",
    async () => {
      const { options } = setup({ secrets: [OLD_SECRET] });
      const jar = new CookieJar();
      jar.apply(await app(options)(jar.request("http://shop.test/add")));
      const rotated = app({ ...options, secrets: [SECRET, OLD_SECRET] });
      const hmacs = vi.spyOn(nodeCrypto!, "createHmac");
      try {
        const lines: (string | null)[] = [];
        for (let visit = 0; visit < 3; visit++) lines.push((await rotated(jar.request("http://shop.test/"))).headers.get("set-cookie"));
        // The first visit verifies (the new secret fails, the old one passes) and signs under the new secret; the others reuse both.
        expect(hmacs).toHaveBeenCalledTimes(3);
        expect(lines[0]).toMatch(VALUE);
        expect(new Set(lines).size).toBe(1);
      } finally {
        hmacs.mockRestore();
      }
    },
  );

  it("of several cookies with the name, the forged ones are ignored; two valid ones for different sessions mean no session", async () => {
    const { options, events } = setup();
    const handler = app(options);
    const a = new CookieJar();
    const b = new CookieJar();
    a.apply(await handler(a.request("http://shop.test/add?item=pear")));
    b.apply(await handler(b.request("http://shop.test/add?item=fig")));
    const valueA = a.cookies.get("sid")!;
    const valueB = b.cookies.get("sid")!;
    const withJunk = await handler(new Request("http://shop.test/", { headers: { cookie: `sid=junk; sid=${valueA}` } }));
    expect(await withJunk.json()).toMatchObject({ cart: { pear: 1 } });
    events.length = 0;
    const ambiguous = await handler(new Request("http://shop.test/", { headers: { cookie: `sid=${valueA}; sid=${valueB}` } }));
    expect(await ambiguous.json()).toMatchObject({ isNew: true, cart: {} });
    expect(events).toContainEqual({ type: "tampered", store: "memory", reason: "ambiguous-cookies" });
  });

  it("a cookie for a session the store no longer has gets a new id, never the client's", async () => {
    const { options, memory, store } = setup();
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    const before = jar.cookies.get("sid")!;
    for (const key of store.written) await memory.delete(key);
    jar.apply(await handler(jar.request("http://shop.test/add")));
    expect(jar.cookies.get("sid")!.split(".")[0]).not.toBe(before.split(".")[0]);
  });
});
