import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { cookieStore } from "../adapters/cookie.js";
import { memoryStore } from "../adapters/memory.js";
import { type CartData, createCartApp } from "../examples/app/cart.js";
import { type SessionEnv, type SessionLoader, session } from "../src/hono.js";
import { type AnySessionStore, type Session, SessionError, type SessionOptions, withSession } from "../src/index.js";
import { CookieJar, countingStore, fakeClock, OLD_SECRET, SECRET } from "./helpers.js";
import { cartCounts, devicesOf, noticeOf } from "./runtimes/cart-scenario.js";

type Data = { cart?: Record<string, number>; user?: string };

/** The cart as Hono users write it: routes that read `c.var.session()`. */
function cartApp(options: SessionOptions) {
  const app = new Hono<SessionEnv<Data>>();
  // Hono's default handler, without its console.error of the deliberate crash below.
  app.onError((error, c) => (error instanceof HTTPException ? error.getResponse() : c.text("Internal Server Error", 500)));
  app.use(session<Data>(options));
  app.get("/static", (c) => c.text("no session here"));
  app.get("/cart", async (c) => {
    const session = await c.var.session();
    return c.json({ cart: session.get("cart") ?? {}, user: session.get("user") ?? null });
  });
  app.post("/cart/:item", async (c) => {
    const session = await c.get("session")();
    const item = c.req.param("item");
    const cart = session.get("cart") ?? {};
    cart[item] = (cart[item] ?? 0) + 1;
    session.set("cart", cart);
    return c.json({ cart, user: session.get("user") ?? null });
  });
  app.post("/login", async (c) => {
    const session = await c.var.session();
    session.regenerate();
    session.set("user", "ada");
    return c.json({ cart: session.get("cart") ?? {}, user: "ada" });
  });
  app.post("/logout", async (c) => {
    (await c.var.session()).destroy();
    return c.json({ cart: {}, user: null });
  });
  app.post("/crash", async (c) => {
    (await c.var.session()).set("user", "mallory");
    throw new Error("boom");
  });
  app.post("/deny", async (c) => {
    (await c.var.session()).set("user", "mallory");
    throw new HTTPException(403, { message: "no" });
  });
  return app;
}

/** Sends one request through `app.request`, keeping cookies like a browser. */
async function send<Bindings extends object>(
  app: Hono<SessionEnv<Data, Bindings>>,
  jar: CookieJar,
  method: string,
  path: string,
  env?: Bindings,
) {
  const response = await app.request(jar.request(`http://shop.test${path}`, { method }), undefined, env);
  const lines = jar.apply(response);
  return { response, lines };
}
const json = async (result: { response: Response }) =>
  (await result.response.json()) as { cart: Record<string, number>; user: string | null };

const stores: [string, (clock?: () => number) => AnySessionStore][] = [
  ["memory", (clock) => memoryStore({ clock })],
  ["cookie", () => cookieStore()],
];

describe.each(stores)("Hono middleware with the %s store", (_name, makeStore) => {
  it("runs the cart flow: add, read, log in (new cookie, cart kept), log out", async () => {
    const app = cartApp({ secrets: [SECRET], store: makeStore() });
    const jar = new CookieJar();
    expect(await json(await send(app, jar, "POST", "/cart/apple"))).toEqual({ cart: { apple: 1 }, user: null });
    expect(await json(await send(app, jar, "POST", "/cart/apple"))).toEqual({ cart: { apple: 2 }, user: null });
    const read = await send(app, jar, "GET", "/cart");
    expect(await json(read)).toEqual({ cart: { apple: 2 }, user: null });
    expect(read.lines).toEqual([]);
    expect(read.response.headers.get("vary")).toBe("Cookie");
    const before = jar.header();
    const login = await send(app, jar, "POST", "/login");
    expect(login.lines).toHaveLength(1);
    expect(jar.header()).not.toBe(before);
    expect(await json(await send(app, jar, "GET", "/cart"))).toEqual({ cart: { apple: 2 }, user: "ada" });
    const logout = await send(app, jar, "POST", "/logout");
    expect(logout.lines.map((line) => line.split(";")[0])).toEqual(["sid="]);
    expect(jar.cookies.size).toBe(0);
    expect(await json(await send(app, jar, "GET", "/cart"))).toEqual({ cart: {}, user: null });
  });

  it("a route that throws saves nothing and sets no cookie; Hono's error response goes out", async () => {
    const app = cartApp({ secrets: [SECRET], store: makeStore() });
    const jar = new CookieJar();
    await send(app, jar, "POST", "/cart/apple");
    const crash = await send(app, jar, "POST", "/crash");
    expect(crash.response.status).toBe(500);
    expect(crash.lines).toEqual([]);
    const deny = await send(app, jar, "POST", "/deny");
    expect(deny.response.status).toBe(403);
    expect(deny.lines).toEqual([]);
    expect(await json(await send(app, jar, "GET", "/cart"))).toEqual({ cart: { apple: 1 }, user: null });
  });
});

describe("Hono middleware", () => {
  it("costs nothing on a route that never asks for the session, and reads the store once however often it is asked", async () => {
    const store = countingStore(memoryStore());
    const app = cartApp({ secrets: [SECRET], store });
    app.get("/twice", async (c) => {
      const first = await c.var.session();
      expect(await c.get("session")()).toBe(first);
      return c.text("ok");
    });
    const jar = new CookieJar();
    await send(app, jar, "POST", "/cart/apple");
    store.reset();
    const idle = await send(app, jar, "GET", "/static");
    expect(await idle.response.text()).toBe("no session here");
    expect(idle.response.headers.get("set-cookie")).toBeNull();
    expect(idle.response.headers.get("vary")).toBeNull();
    expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, compareAndSet: 0 });
    await send(app, jar, "GET", "/twice");
    expect(store.calls).toEqual({ get: 1, set: 0, delete: 0, compareAndSet: 0 });
  });

  it("takes its options from the bindings (c.env, the third argument of app.request), resolved once per env", async () => {
    type Bindings = { SESSION_SECRETS: string };
    let resolved = 0;
    const app = new Hono<SessionEnv<Data, Bindings>>();
    app.use(
      session<Data, Bindings>((env) => {
        resolved++;
        return { secrets: env.SESSION_SECRETS.split(" "), store: cookieStore() };
      }),
    );
    app.post("/cart/:item", async (c) => {
      const session = await c.var.session();
      session.set("cart", { ...session.get("cart"), [c.req.param("item")]: (session.get("cart")?.[c.req.param("item")] ?? 0) + 1 });
      return c.json({ cart: session.get("cart"), user: null });
    });
    const production: Bindings = { SESSION_SECRETS: `${SECRET} ${OLD_SECRET}` };
    const jar = new CookieJar();
    await send(app, jar, "POST", "/cart/fig", production);
    expect(await json(await send(app, jar, "POST", "/cart/fig", production))).toEqual({ cart: { fig: 2 }, user: null });
    expect(resolved).toBe(1);
    // Another env with other secrets cannot open this cookie.
    const staging: Bindings = { SESSION_SECRETS: OLD_SECRET };
    expect(await json(await send(app, jar, "POST", "/cart/fig", staging))).toEqual({ cart: { fig: 1 }, user: null });
    expect(resolved).toBe(2);
  });

  it("types the session through Hono's Variables", async () => {
    const app = new Hono<SessionEnv<Data>>();
    app.use(session<Data>({ secrets: [SECRET], store: memoryStore() }));
    app.get("/", async (c) => {
      expectTypeOf(c.var.session).toEqualTypeOf<SessionLoader<Data>>();
      expectTypeOf(c.get("session")).toEqualTypeOf<() => Promise<Session<Data>>>();
      const s = await c.var.session();
      expectTypeOf(s.get("cart")).toEqualTypeOf<Record<string, number> | undefined>();
      // @ts-expect-error: not a key of Data
      s.get("nope");
      // @ts-expect-error: wrong value type
      s.set("user", 42);
      return c.text("ok");
    });
    // Chained, the variable's type flows from the middleware without declaring the app's Env.
    const chained = new Hono().use(session<{ visits: number }>({ secrets: [SECRET], store: memoryStore() }));
    chained.get("/", async (c) => {
      const s = await c.var.session();
      expectTypeOf(s.get("visits")).toEqualTypeOf<number | undefined>();
      return c.text("ok");
    });
    expect((await app.request("/")).status).toBe(200);
  });

  it("reports a session that cannot be saved as an error (ERR_SESSION_TOO_LARGE), with no Set-Cookie", async () => {
    const app = new Hono<SessionEnv<{ blob: string }>>();
    let caught: unknown;
    app.onError((error, c) => {
      caught = error;
      return c.text("too big", 500);
    });
    app.use(session<{ blob: string }>({ secrets: [SECRET], store: cookieStore({ maxChunks: 1 }) }));
    app.post("/", async (c) => {
      (await c.var.session()).set("blob", "x".repeat(5000));
      return c.text("ok");
    });
    const response = await app.request("/", { method: "POST" });
    expect(response.status).toBe(500);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(caught).toBeInstanceOf(SessionError);
    expect(caught).toMatchObject({ code: "ERR_SESSION_TOO_LARGE" });
  });

  describe("a route that returns a response with immutable headers (a proxied fetch)", () => {
    let upstream: Server;
    let upstreamUrl: string;
    beforeAll(async () => {
      upstream = createServer((_request, response) => {
        response.setHeader("set-cookie", "upstream=1; Path=/");
        response.setHeader("cache-control", "public, max-age=60");
        response.setHeader("vary", "Accept");
        response.end("from upstream");
      });
      await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
      upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
    });
    afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

    it("keeps the session cookie, Vary: Cookie and Cache-Control: private on the copy", async () => {
      const app = new Hono<SessionEnv<Data>>();
      app.use(session<Data>({ secrets: [SECRET], store: memoryStore() }));
      app.get("/proxy", async (c) => {
        (await c.var.session()).set("user", "ada");
        return fetch(upstreamUrl);
      });
      const response = await app.request("http://shop.test/proxy");
      expect(await response.text()).toBe("from upstream");
      const cookies = response.headers.getSetCookie();
      expect(cookies).toHaveLength(2);
      expect(cookies[0]).toBe("upstream=1; Path=/");
      expect(cookies[1]).toMatch(/^sid=[\w-]+\.[\w-]+; Path=\/; Max-Age=1209600; HttpOnly; SameSite=Lax$/);
      expect(response.headers.get("cache-control")).toBe("private, max-age=60");
      expect(response.headers.get("vary")).toBe("Accept, Cookie");
    });
  });
});

describe("the example cart: one handler, switched between stores and between withSession and Hono", () => {
  const cart = createCartApp();
  const viaFetch = (options: SessionOptions) => withSession<CartData>(cart, options);
  const viaHono = (options: SessionOptions) => {
    const app = new Hono<SessionEnv<CartData>>();
    app.use(session<CartData>(options));
    app.all("*", (c) =>
      cart(c.req.raw, { session: c.var.session, sessions: c.var.sessions, env: c.env, executionCtx: { waitUntil: () => {} } }),
    );
    return (request: Request) => app.request(request);
  };
  const combinations = stores.flatMap(([storeName, makeStore]) => [
    [`${storeName} + withSession`, makeStore, viaFetch] as const,
    [`${storeName} + Hono`, makeStore, viaHono] as const,
  ]);

  it.each(combinations)("%s", async (name, makeStore, wrap) => {
    const clock = fakeClock();
    const fetchHandler = wrap({ secrets: [SECRET], store: makeStore(clock), clock });
    const jar = new CookieJar();
    const page = async (path: string) => {
      const response = await fetchHandler(jar.request(`http://shop.test${path}`));
      jar.apply(response);
      expect(response.status).toBe(200);
      return response.text();
    };
    const post = async (path: string, form: Record<string, string>) => {
      const response = await fetchHandler(jar.request(`http://shop.test${path}`, { method: "POST", body: new URLSearchParams(form) }));
      jar.apply(response);
      expect(response.status).toBe(303);
    };
    await post("/cart/add", { item: "apple" });
    await post("/cart/add", { item: "apple" });
    expect(noticeOf(await page("/"))).toBe("Added apple");
    expect(noticeOf(await page("/"))).toBeUndefined();
    expect(cartCounts(await page("/cart"))).toEqual({ apple: 2 });
    await post("/login", { name: "Ada" });
    const loggedIn = await page("/cart");
    expect(loggedIn).toContain("Hello, <strong>Ada</strong>");
    expect(cartCounts(loggedIn)).toEqual({ apple: 2 });
    // The devices page: listed on a server-side store (through c.var.sessions under Hono); the
    // cookie store says it cannot list, and the app carries on.
    const account = await page("/account");
    if (name.startsWith("cookie")) {
      expect(account).toContain('id="cannot-list"');
    } else {
      expect(account).toContain("on 1 device.");
      expect(devicesOf(account)).toEqual([expect.objectContaining({ current: true })]);
    }
    await post("/logout", {});
    expect(jar.cookies.size).toBe(0);
    expect(await page("/cart")).toContain("Your cart is empty");
  });
});

describe("c.var.sessions", () => {
  it("lists the user's sessions with this request's own marked current, and revokeAll except it ends the others", async () => {
    const app = new Hono<SessionEnv<Data>>();
    app.use(session<Data>({ secrets: [SECRET], store: memoryStore() }));
    app.post("/login", async (c) => {
      const current = await c.var.session();
      current.regenerate();
      current.setUser("ada");
      return c.text("ok");
    });
    // The user id comes from the session, so the session is loaded: its own entry is marked current.
    app.get("/devices", async (c) => c.json(await c.var.sessions.list((await c.var.session()).user!)));
    app.post("/sign-out-others", async (c) => c.json(await c.var.sessions.revokeAll("ada", { except: (await c.var.session()).ref })));
    app.get("/me", async (c) => c.json((await c.var.session()).user ?? null));
    const jars = [new CookieJar(), new CookieJar(), new CookieJar()];
    for (const jar of jars) jar.apply(await app.request(jar.request("http://shop.test/login", { method: "POST" })));
    const devices = (await (await app.request(jars[1]!.request("http://shop.test/devices"))).json()) as {
      ref: string;
      current?: boolean;
    }[];
    expect(devices).toHaveLength(3);
    expect(devices.filter((entry) => entry.current)).toHaveLength(1);
    const me = devices.find((entry) => entry.current)!.ref;
    expect(await (await app.request(jars[1]!.request("http://shop.test/sign-out-others", { method: "POST" }))).json()).toBe(2);
    const after = (await (await app.request(jars[1]!.request("http://shop.test/devices"))).json()) as { ref: string; current?: boolean }[];
    expect(after).toEqual([expect.objectContaining({ ref: me, current: true })]);
    const users = [];
    for (const jar of jars) users.push(await (await app.request(jar.request("http://shop.test/me"))).json());
    expect(users).toEqual([null, "ada", null]);
  });
});
