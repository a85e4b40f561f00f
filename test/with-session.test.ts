import { describe, expect, it, vi } from "vitest";
import { memoryStore } from "../adapters/memory.js";
import { createSessions, SessionError, type SessionEvent, type SessionOptions, withSession } from "../src/index.js";
import { CookieJar, countingStore, fakeClock, OLD_SECRET, SECRET } from "./helpers.js";

type Data = { cart?: Record<string, number>; user?: string; note?: string; n?: number; a?: number; b?: number };

function setup(extra: Partial<SessionOptions> = {}, memoryOptions: Parameters<typeof memoryStore>[0] = {}) {
  const clock = fakeClock();
  const memory = memoryStore({ clock, ...memoryOptions });
  const store = countingStore(memory);
  const events: SessionEvent[] = [];
  const options: SessionOptions = { secrets: [SECRET], store, clock, onEvent: (event) => events.push(event), ...extra };
  return { clock, memory, store, events, options };
}

/** A small app: GET / reads, POST /add sets, /login regenerates, /logout destroys. */
function app(options: SessionOptions) {
  return withSession<Data>(async (request, ctx) => {
    const url = new URL(request.url);
    if (url.pathname === "/static") return new Response("no session here");
    const session = await ctx.session();
    switch (url.pathname) {
      case "/add": {
        const cart = session.get("cart") ?? {};
        const item = url.searchParams.get("item") ?? "apple";
        cart[item] = (cart[item] ?? 0) + 1;
        session.set("cart", cart);
        session.flash("note", `Added ${item}`);
        break;
      }
      case "/login":
        session.regenerate();
        session.set("user", url.searchParams.get("name") ?? "ada");
        break;
      case "/logout":
        session.destroy();
        break;
      case "/forget":
        session.delete("cart");
        session.delete("user");
        break;
      case "/remember":
        session.setExpiry(url.searchParams.has("seconds") ? Number(url.searchParams.get("seconds")) : null);
        break;
      case "/boom":
        session.set("n", 1);
        return new Response("down", { status: 503 });
    }
    return Response.json({
      cart: session.get("cart") ?? {},
      user: session.get("user") ?? null,
      note: session.get("note") ?? null,
      isNew: session.isNew,
    });
  }, options);
}

const VALUE = /^sid=([A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43});/;
const golden = (line: string) => line.replace(/^([^=]+)=[^;]*/, "$1=<value>");

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

describe("Set-Cookie", () => {
  it("matches the golden line for a new session over http and https", async () => {
    const { options } = setup();
    const handler = app(options);
    const plain = await handler(new Request("http://shop.test/add"));
    expect(plain.headers.getSetCookie().map(golden)).toEqual(["sid=<value>; Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax"]);
    expect(plain.headers.get("set-cookie")).toMatch(VALUE);
    expect(plain.headers.get("cache-control")).toBe("private");
    const secure = await handler(new Request("https://shop.test/add"));
    expect(secure.headers.getSetCookie().map(golden)).toEqual(["sid=<value>; Path=/; Max-Age=1209600; HttpOnly; Secure; SameSite=Lax"]);
  });

  it("writes every configured attribute", async () => {
    const { options } = setup({
      cookie: { name: "__Secure-shop", domain: "shop.test", path: "/app", sameSite: "strict", partitioned: true, httpOnly: false },
      maxAge: 3600,
    });
    const response = await app(options)(new Request("http://shop.test/add"));
    expect(response.headers.getSetCookie().map(golden)).toEqual([
      "__Secure-shop=<value>; Path=/app; Domain=shop.test; Max-Age=3600; Secure; SameSite=Strict; Partitioned",
    ]);
  });

  it("makes a __Host- cookie Secure even on http (browsers accept it from localhost)", async () => {
    const { options } = setup({ cookie: { name: "__Host-sid" } });
    const response = await app(options)(new Request("http://localhost/add"));
    expect(response.headers.getSetCookie().map(golden)).toEqual([
      "__Host-sid=<value>; Path=/; Max-Age=1209600; HttpOnly; Secure; SameSite=Lax",
    ]);
  });

  it("allows a lifetime of up to 400 days, the longest a browser keeps a cookie, with that Max-Age", async () => {
    const { options, clock } = setup({ maxAge: 400 * 86400, touchAfter: 0 });
    const handler = app(options);
    const jar = new CookieJar();
    const [line] = jar.apply(await handler(jar.request("http://shop.test/add")));
    expect(line).toContain("; Max-Age=34560000;");
    clock.advance(399 * 86400);
    const response = await handler(jar.request("http://shop.test/"));
    expect(await response.json()).toMatchObject({ cart: { apple: 1 } });
  });

  it("keeps the handler's Cache-Control when it is private or no-store, and turns public into private", async () => {
    const { options } = setup();
    const handler = (cacheControl: string) =>
      withSession(async (_request, ctx) => {
        (await ctx.session()).set("n", 1);
        return new Response("x", { headers: { "cache-control": cacheControl } });
      }, options)(new Request("http://shop.test/"));
    expect((await handler("no-store")).headers.get("cache-control")).toBe("no-store");
    expect((await handler("private, max-age=5")).headers.get("cache-control")).toBe("private, max-age=5");
    expect((await handler("public, max-age=60")).headers.get("cache-control")).toBe("private, max-age=60");
  });

  it("adds Vary: Cookie once, keeping the handler's Vary", async () => {
    const { options } = setup();
    const vary = async (value: string) =>
      (
        await withSession(async (_request, ctx) => {
          await ctx.session();
          return new Response("x", { headers: { vary: value } });
        }, options)(new Request("http://shop.test/"))
      ).headers.get("vary");
    expect(await vary("Accept-Encoding")).toBe("Accept-Encoding, Cookie");
    expect(await vary("cookie")).toBe("cookie");
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

describe("expiry", () => {
  it("an idle session dies after maxAge, checked by the server whatever the store kept", async () => {
    const { options, clock, events } = setup({ maxAge: 3600 }, { clock: () => 0 }); // the store's own clock never moves
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    clock.advance(3599);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ cart: { apple: 1 } });
    clock.advance(3600);
    const response = await handler(jar.request("http://shop.test/"));
    expect(await response.json()).toMatchObject({ isNew: true, cart: {} });
    expect(events.map((event) => event.type)).toContain("expired");
  });

  it("touchAfter: an unmodified session is refreshed at most that often, with a cookie, and so stays alive", async () => {
    const { options, clock, store } = setup({ maxAge: 1000, touchAfter: 100 });
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    jar.apply(await handler(jar.request("http://shop.test/")));
    store.reset();
    clock.advance(50);
    const quiet = await handler(jar.request("http://shop.test/"));
    expect(store.writes()).toBe(0);
    expect(quiet.headers.get("set-cookie")).toBeNull();
    clock.advance(60);
    const touched = await handler(jar.request("http://shop.test/"));
    expect(store.writes()).toBe(1);
    expect(touched.headers.getSetCookie().map(golden)).toEqual(["sid=<value>; Path=/; Max-Age=1000; HttpOnly; SameSite=Lax"]);
    clock.advance(900); // 1010 s after creation, 900 after the touch
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ cart: { apple: 1 } });
  });

  it("absoluteTimeout ends a session however active it is, and caps the cookie", async () => {
    const { options, clock } = setup({ maxAge: 1000, absoluteTimeout: 1500 });
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    clock.advance(900);
    const [line] = jar.apply(await handler(jar.request("http://shop.test/add")));
    expect(line).toContain("; Max-Age=600;");
    clock.advance(599);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ cart: { apple: 2 } });
    clock.advance(2);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ isNew: true });
  });

  it("a browser-close session whose id did not change gets no Set-Cookie when it is written again", async () => {
    for (const extra of [{ expireAtBrowserClose: true }, {}] as const) {
      const { options, store } = setup({ ...extra, touchAfter: 0 });
      const handler = app(options);
      const jar = new CookieJar();
      jar.apply(await handler(jar.request("http://shop.test/add")));
      if (!extra.expireAtBrowserClose) jar.apply(await handler(jar.request("http://shop.test/remember?seconds=0")));
      store.reset();
      // Modified, and (touchAfter: 0) due for a touch: the record is written, the cookie is not re-sent.
      const modified = await handler(jar.request("http://shop.test/add"));
      expect(store.writes()).toBe(1);
      expect(modified.headers.getSetCookie()).toEqual([]);
      const touched = await handler(jar.request("http://shop.test/"));
      expect(touched.headers.getSetCookie()).toEqual([]);
      // A new id still travels: regenerate sends the new ticket, as a browser-close cookie.
      const [line] = jar.apply(await handler(jar.request("http://shop.test/login")));
      expect(golden(line!)).toBe("sid=<value>; Path=/; HttpOnly; SameSite=Lax");
    }
  });

  it("expireAtBrowserClose sets no Max-Age but keeps maxAge on the server", async () => {
    const { options, clock } = setup({ expireAtBrowserClose: true, maxAge: 100 });
    const handler = app(options);
    const jar = new CookieJar();
    const [line] = jar.apply(await handler(jar.request("http://shop.test/add")));
    expect(golden(line!)).toBe("sid=<value>; Path=/; HttpOnly; SameSite=Lax");
    clock.advance(101);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ isNew: true });
  });

  it("setExpiry(0) makes a browser-close cookie, a number sets the idle lifetime, null goes back to the policy", async () => {
    const { options, clock } = setup({ maxAge: 1000 });
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    const [close] = jar.apply(await handler(jar.request("http://shop.test/remember?seconds=0")));
    expect(golden(close!)).toBe("sid=<value>; Path=/; HttpOnly; SameSite=Lax");
    clock.advance(999);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ cart: { apple: 1 } });
    const [short] = jar.apply(await handler(jar.request("http://shop.test/remember?seconds=60")));
    expect(short).toContain("; Max-Age=60;");
    const [back] = jar.apply(await handler(jar.request("http://shop.test/remember")));
    expect(back).toContain("; Max-Age=1000;");
    const [again] = jar.apply(await handler(jar.request("http://shop.test/remember?seconds=60")));
    expect(again).toContain("; Max-Age=60;");
    clock.advance(61);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ isNew: true });
  });
});

describe("lifecycle", () => {
  it("flash is readable in the next request that loads the session, then gone", async () => {
    const { options } = setup();
    const handler = app(options);
    const jar = new CookieJar();
    const added = await handler(jar.request("http://shop.test/add"));
    expect(await added.json()).toMatchObject({ note: null });
    jar.apply(added);
    const next = await handler(jar.request("http://shop.test/"));
    expect(await next.json()).toMatchObject({ note: "Added apple" });
    jar.apply(next);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ note: null, cart: { apple: 1 } });
  });

  it("regenerate issues a new id with the same data, and the old cookie opens nothing", async () => {
    const { options, events } = setup();
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    const before = jar.cookies.get("sid")!;
    const login = await handler(jar.request("http://shop.test/login?name=ada"));
    jar.apply(login);
    expect(jar.cookies.get("sid")!.split(".")[0]).not.toBe(before.split(".")[0]);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ cart: { apple: 1 }, user: "ada" });
    const old = await handler(new Request("http://shop.test/", { headers: { cookie: `sid=${before}` } }));
    expect(await old.json()).toMatchObject({ isNew: true, cart: {} });
    expect(events.map((event) => event.type)).toContain("regenerated");
  });

  it("destroy deletes the record and expires the cookie", async () => {
    const { options, store, memory } = setup();
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    const value = jar.cookies.get("sid")!;
    const logout = await handler(jar.request("http://shop.test/logout"));
    expect(logout.headers.getSetCookie()).toEqual(["sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"]);
    expect(memory.size).toBe(0);
    expect(store.calls.delete).toBe(1);
    const replay = await handler(new Request("http://shop.test/", { headers: { cookie: `sid=${value}` } }));
    expect(await replay.json()).toMatchObject({ isNew: true, cart: {} });
  });

  it("data set after destroy starts a new session under a new id", async () => {
    const { options, memory } = setup();
    const jar = new CookieJar();
    jar.apply(await app(options)(jar.request("http://shop.test/add")));
    const before = jar.cookies.get("sid")!;
    const handler = withSession<Data>(async (_request, ctx) => {
      const session = await ctx.session();
      session.destroy();
      session.flash("note", "Logged out");
      return new Response("bye");
    }, options);
    jar.apply(await handler(jar.request()));
    expect(jar.cookies.get("sid")!.split(".")[0]).not.toBe(before.split(".")[0]);
    expect(memory.size).toBe(1);
    expect(await (await app(options)(jar.request())).json()).toMatchObject({ note: "Logged out", cart: {} });
  });

  it("a session emptied by the handler is deleted and its cookie expired", async () => {
    const { options, memory } = setup();
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    jar.apply(await handler(jar.request("http://shop.test/")));
    const response = await handler(jar.request("http://shop.test/forget"));
    expect(response.headers.get("set-cookie")).toContain("Max-Age=0");
    expect(memory.size).toBe(0);
  });

  it("status >= 500 saves nothing and sets no cookie unless saveOnError", async () => {
    const { options, store } = setup();
    const failing = await app(options)(new Request("http://shop.test/boom"));
    expect(failing.status).toBe(503);
    expect(failing.headers.get("set-cookie")).toBeNull();
    expect(failing.headers.get("vary")).toBe("Cookie");
    expect(store.writes()).toBe(0);
    const saving = await app({ ...options, saveOnError: true })(new Request("http://shop.test/boom"));
    expect(saving.headers.get("set-cookie")).toMatch(VALUE);
    expect(store.writes()).toBe(1);
  });

  it("a handler that throws saves nothing and its error propagates unchanged", async () => {
    const { options, store } = setup();
    const error = new Error("handler bug");
    const handler = withSession(async (_request, ctx) => {
      (await ctx.session()).set("n", 1);
      throw error;
    }, options);
    await expect(handler(new Request("http://shop.test/"))).rejects.toBe(error);
    expect(store.writes()).toBe(0);
  });

  it("re-wraps a response with immutable headers, keeping status, headers and body", async () => {
    const { options } = setup();
    const handler = withSession(async (_request, ctx) => {
      (await ctx.session()).set("n", 1);
      return Response.redirect("http://shop.test/cart", 303);
    }, options);
    const response = await handler(new Request("http://shop.test/"));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("http://shop.test/cart");
    expect(response.headers.get("set-cookie")).toMatch(VALUE);
  });

  it("passes a 101 Switching Protocols response through untouched", async () => {
    const { options } = setup();
    const upgrade = new Response(null);
    Object.defineProperty(upgrade, "status", { value: 101 });
    const handler = withSession(async (_request, ctx) => {
      (await ctx.session()).set("n", 1);
      return upgrade;
    }, options);
    const response = await handler(new Request("http://shop.test/"));
    expect(response).toBe(upgrade);
    expect(response.headers.get("vary")).toBeNull();
  });

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
});

describe("store failures", () => {
  it("a failing read rejects with ERR_SESSION_STORE, cause kept, and the handler never sees an empty session", async () => {
    const { options, events } = setup();
    const jar = new CookieJar();
    jar.apply(await app(options)(jar.request("http://shop.test/add")));
    const cause = new Error("disk on fire");
    const broken = { ...options, store: { ...options.store, name: "broken", get: async () => Promise.reject(cause) } };
    let handlerSaw: unknown = "nothing";
    const handler = withSession(async (_request, ctx) => {
      handlerSaw = await ctx.session();
      return new Response("ok");
    }, broken);
    const error = await handler(jar.request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionError);
    expect(error).toMatchObject({ code: "ERR_SESSION_STORE", cause });
    expect((error as Error).message).toMatch(/^coatcheck: broken store: get failed/);
    expect(handlerSaw).toBe("nothing");
    expect(events.at(-1)).toMatchObject({ type: "store-error", store: "broken" });
  });

  it("a failing write rejects, so no Set-Cookie points at data that was not stored", async () => {
    const { options } = setup();
    const cause = new Error("quota");
    const broken = { ...options, store: { ...options.store, compareAndSet: async () => Promise.reject(cause) } };
    const error = await app(broken)(new Request("http://shop.test/add")).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ERR_SESSION_STORE", cause });
  });

  it("a hung store call ends after storeTimeout with its own code", async () => {
    const { options } = setup({ storeTimeout: 50 });
    const hung = { ...options, store: { ...options.store, compareAndSet: () => new Promise<boolean>(() => {}) } };
    const error = await app(hung)(new Request("http://shop.test/add")).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ERR_SESSION_STORE_TIMEOUT" });
  });

  it("a corrupt or foreign record is no session, reported as tampered", async () => {
    const { options, memory, store, events } = setup();
    const handler = app(options);
    const a = new CookieJar();
    const b = new CookieJar();
    a.apply(await handler(a.request("http://shop.test/add?item=a")));
    b.apply(await handler(b.request("http://shop.test/add?item=b")));
    const [keyA, keyB] = [...store.written];
    const recordB = (await memory.get(keyB!))!.value;
    const far = { expiresAt: Date.UTC(2100, 0), ttlSeconds: 1e6, touchOnly: false };
    await memory.set(keyA!, recordB, far);
    expect(await (await handler(a.request())).json()).toMatchObject({ isNew: true });
    await memory.set(keyA!, "{not json", far);
    expect(await (await handler(a.request())).json()).toMatchObject({ isNew: true });
    const reasons = events.flatMap((event) => (event.type === "tampered" ? [event.reason] : []));
    expect(reasons).toEqual(["foreign-record", "corrupt-record"]);
  });
});

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

describe("options", () => {
  const store = memoryStore();
  const cases: [string, Partial<SessionOptions> & Record<string, unknown>, RegExp][] = [
    ["no secrets", { secrets: undefined }, /`secrets` is required/],
    ["a short secret", { secrets: ["short"] }, /`secrets\[0\]` must be a string of at least 32 characters/],
    ["an empty list", { secrets: [] }, /`secrets` is required/],
    ["no store", { store: undefined }, /`store` is required/],
    ["a bad cookie name", { cookie: { name: "s id" } }, /`cookie.name` "s id" is not an RFC 6265bis token/],
    ["a bad path", { cookie: { path: "/a;b" } }, /`cookie.path`/],
    ["a relative path", { cookie: { path: "app" } }, /`cookie.path`/],
    ["a bad domain", { cookie: { domain: "exa mple.com" } }, /`cookie.domain`/],
    ["__Host- with a domain", { cookie: { name: "__Host-sid", domain: "shop.test" } }, /`__Host-` cookie name requires no `cookie.domain`/],
    ["__Host- with a path", { cookie: { name: "__Host-sid", path: "/app" } }, /`__Host-` cookie name requires/],
    ["__Host- without Secure", { cookie: { name: "__Host-sid", secure: false } }, /requires a Secure cookie/],
    ["__Secure- without Secure", { cookie: { name: "__Secure-sid", secure: false } }, /requires a Secure cookie/],
    ["SameSite=None without Secure", { cookie: { sameSite: "none", secure: false } }, /`sameSite: "none"` requires a Secure cookie/],
    ["a bad sameSite", { cookie: { sameSite: "loose" as "lax" } }, /`cookie.sameSite`/],
    ["a negative maxAge", { maxAge: -1 }, /`maxAge` must be a positive number of seconds/],
    ["a zero maxAge", { maxAge: 0 }, /`maxAge`/],
    ["touchAfter over maxAge", { maxAge: 10, touchAfter: 11 }, /`touchAfter` \(11\) must not exceed `maxAge` \(10\)/],
    ["a NaN absoluteTimeout", { absoluteTimeout: Number.NaN }, /`absoluteTimeout`/],
    ["a negative storeTimeout", { storeTimeout: -5 }, /`storeTimeout`/],
  ];
  for (const [label, override, message] of cases) {
    it(`rejects ${label} at construction`, () => {
      const build = () => withSession(async () => new Response(), { secrets: SECRET, store, ...override } as SessionOptions);
      expect(build).toThrowError(message);
      expect(build).toThrowError(expect.objectContaining({ code: "ERR_SESSION_OPTIONS", name: "SessionError" }));
    });
  }

  it("shares imported keys and verified tickets across envs that are new objects per request (Deno.serve, Node adapters)", async () => {
    const sharedStore = memoryStore();
    const secret = `${SECRET}-per-request-env`;
    const handler = withSession<{ n: number }, object>(
      async (_request, ctx) => {
        const session = await ctx.session();
        session.set("n", (session.get("n") ?? 0) + 1);
        return new Response(String(session.get("n")));
      },
      () => ({ secrets: secret, store: sharedStore }),
    );
    const importKey = vi.spyOn(crypto.subtle, "importKey");
    const verify = vi.spyOn(crypto.subtle, "verify");
    try {
      const jar = new CookieJar();
      for (let i = 1; i <= 3; i++) {
        const response = await handler(jar.request(), { incoming: {}, outgoing: {} });
        expect(await response.text()).toBe(String(i));
        jar.apply(response);
      }
      expect(importKey).toHaveBeenCalledTimes(1);
      expect(verify).toHaveBeenCalledTimes(0); // every ticket it sees, it signed itself
    } finally {
      importKey.mockRestore();
      verify.mockRestore();
    }
  });

  it("resolves options given as a function once per env; a bad one rejects the request's promise", async () => {
    let calls = 0;
    const handler = withSession(
      async (_request, ctx) => {
        (await ctx.session()).set("n", 1);
        return new Response("ok");
      },
      (env: { SECRET: string }) => (calls++, { secrets: env.SECRET, store }),
    );
    const env = { SECRET };
    await handler(new Request("http://shop.test/"), env);
    await handler(new Request("http://shop.test/"), env);
    expect(calls).toBe(1);
    await expect(handler(new Request("http://shop.test/"), { SECRET: "short" })).rejects.toMatchObject({ code: "ERR_SESSION_OPTIONS" });
  });
});

describe("events", () => {
  it("never carry a session id or a cookie value", async () => {
    const { options, events, clock } = setup({ maxAge: 100 }, { clock: () => 0 }); // only the core sees time pass
    const handler = app(options);
    const jar = new CookieJar();
    const seen = new Set<string>();
    const remember = () => {
      for (const value of jar.cookies.values()) {
        seen.add(value);
        seen.add(value.split(".")[0]!);
      }
    };
    for (const path of ["/add", "/", "/login", "/add", "/logout", "/add"]) {
      jar.apply(await handler(jar.request(`http://shop.test${path}`)));
      remember();
    }
    clock.advance(101);
    jar.apply(await handler(jar.request("http://shop.test/")));
    await handler(new Request("http://shop.test/", { headers: { cookie: "sid=forged" } }));
    const types = new Set(events.map((event) => event.type));
    expect(types).toEqual(new Set(["created", "regenerated", "destroyed", "expired", "tampered"]));
    const text = JSON.stringify(events);
    for (const secret of seen) expect(text).not.toContain(secret);
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
