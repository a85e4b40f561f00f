// coatcheck/elysia: the example app (examples/elysia/main.ts) in the real `bun` binary over HTTP,
// then the plugin's hook semantics through Elysia's own request cycle (`app.handle`, in Node, where
// Elysia runs on its web-standard adapter, the one it uses on Workers and Deno too).
import { execFileSync } from "node:child_process";
import { Elysia, redirect, status } from "elysia";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { cookieStore } from "../adapters/cookie.js";
import { memoryStore } from "../adapters/memory.js";
import { type SessionLoader, session } from "../src/elysia.js";
import type { Session, SessionOptions } from "../src/index.js";
import { CookieJar, countingStore, SECRET } from "./helpers.js";
import { type RunningServer, startServerProcess } from "./runtimes/cart-process.js";

type Cart = { cart: Record<string, number>; user: string | null };

describe("examples/elysia on Bun, over HTTP", () => {
  let server: RunningServer | undefined;
  beforeAll(async () => {
    server = await startServerProcess("node_modules/.bin/bun", ["examples/elysia/main.ts"], { SESSION_SECRETS: SECRET });
  }, 40_000);
  afterAll(() => server?.stop());

  /** One request with the jar's cookies, the jar updated from the answer as a browser would. */
  async function send(jar: CookieJar, method: string, path: string, body?: BodyInit) {
    const response = await fetch(jar.request(`${server!.url}${path}`, { method, body, redirect: "manual" }));
    const lines = jar.apply(response);
    return { response, lines };
  }
  const cartOf = async (result: { response: Response }) => (await result.response.json()) as Cart;

  it("keeps a cart; a route that never asks, or only reads, sets no cookie", async () => {
    const jar = new CookieJar();
    const home = await send(jar, "GET", "/");
    expect(await home.response.text()).toBe("coatcheck shop on Elysia");
    expect(home.lines).toEqual([]);
    expect(home.response.headers.get("vary")).toBeNull();

    const added = await send(jar, "POST", "/cart/apple");
    // `set.status = 201` in the route: the committed response keeps it, and carries the cookie.
    expect(added.response.status).toBe(201);
    expect(added.lines).toEqual([expect.stringMatching(/^sid=[\w-]+\.[\w-]+; Path=\/; Max-Age=1209600; HttpOnly; SameSite=Lax$/)]);
    expect(added.response.headers.get("cache-control")).toBe("private");
    expect(await cartOf(added)).toEqual({ cart: { apple: 1 }, user: null });
    expect(await cartOf(await send(jar, "POST", "/cart/apple"))).toEqual({ cart: { apple: 2 }, user: null });

    const read = await send(jar, "GET", "/cart");
    expect(await cartOf(read)).toEqual({ cart: { apple: 2 }, user: null });
    expect(read.lines).toEqual([]);
    expect(read.response.headers.get("vary")).toBe("Cookie");
    expect(server!.output()).toContain("coatcheck shop (Elysia, memory store) at http://127.0.0.1:");
  });

  it("login: a redirect with a new id, the cart kept, the old id dead; logout expires the cookie", async () => {
    const jar = new CookieJar();
    await send(jar, "POST", "/cart/pear");
    const before = jar.header()!;

    const login = await send(jar, "POST", "/login", new URLSearchParams({ name: "ada" }));
    expect(login.response.status).toBe(303);
    expect(login.response.headers.get("location")).toBe("/cart");
    expect(login.lines).toHaveLength(1);
    expect(jar.header()).not.toBe(before);
    expect(await cartOf(await send(jar, "GET", "/cart"))).toEqual({ cart: { pear: 1 }, user: "ada" });

    // The pre-login cookie opens nothing now: a fresh, empty session.
    const stale = new CookieJar();
    stale.cookies.set("sid", before.slice("sid=".length));
    expect(await cartOf(await send(stale, "GET", "/cart"))).toEqual({ cart: {}, user: null });

    const devices = await send(jar, "GET", "/devices");
    expect(await devices.response.json()).toEqual([expect.objectContaining({ current: true })]);

    const logout = await send(jar, "POST", "/logout");
    expect(logout.response.status).toBe(303);
    expect(logout.lines).toEqual([expect.stringMatching(/^sid=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax/)]);
    expect(jar.cookies.size).toBe(0);
    expect(await cartOf(await send(jar, "GET", "/cart"))).toEqual({ cart: {}, user: null });
    // A returned `status(401, …)` is a response like any other: committed, no cookie for an empty session.
    const anonymous = await send(jar, "GET", "/devices");
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.lines).toEqual([]);
  });

  it("a route that throws saves nothing and sets no cookie", async () => {
    const jar = new CookieJar();
    await send(jar, "POST", "/cart/fig");
    const checkout = await send(jar, "POST", "/checkout");
    expect(checkout.response.status).toBe(500);
    expect(checkout.lines).toEqual([]);
    expect(await cartOf(await send(jar, "GET", "/cart"))).toEqual({ cart: { fig: 1 }, user: null });
  });
});

describe("the plugin through Elysia's request cycle", () => {
  type Data = { n?: number; user?: string };
  const options = (overrides: Partial<SessionOptions> = {}): SessionOptions => ({ secrets: [SECRET], store: memoryStore(), ...overrides });
  const bump = async (loader: SessionLoader<Data>) => {
    const current = await loader();
    current.set("n", (current.get("n") ?? 0) + 1);
    return current.get("n")!;
  };
  async function send(app: { handle(request: Request): Promise<Response> }, jar: CookieJar, path: string, init: RequestInit = {}) {
    const response = await app.handle(jar.request(`http://shop.test${path}`, init));
    return { response, lines: jar.apply(response), text: await response.text() };
  }

  it("commits onto every kind of answer: a value, set.status and set.headers, redirect(), a returned status(), a Response", async () => {
    const shared = Response.redirect("http://shop.test/", 302);
    const app = new Elysia()
      .use(session<Data>(options()))
      .get("/value", async ({ session }) => ({ n: await bump(session) }))
      .get("/set", async ({ session, set }) => {
        await bump(session);
        set.status = 202;
        set.headers["cache-control"] = "public, max-age=60";
        set.headers["cdn-cache-control"] = "max-age=600";
        set.headers.vary = "Accept";
        return "accepted";
      })
      // Absolute: Node's Response.redirect, under Elysia's, takes no relative URL (Bun's does).
      .get("/redirect", async ({ session }) => (await bump(session), redirect("http://shop.test/value", 303)))
      .get("/status", async ({ session }) => status(409, `conflict ${await bump(session)}`))
      .get("/shared", async ({ session }) => (await bump(session), shared))
      .get("/n", async ({ session }) => String((await session()).get("n") ?? 0));
    const jar = new CookieJar();
    const value = await send(app, jar, "/value");
    expect([value.response.status, value.text, value.lines.length]).toEqual([200, '{"n":1}', 1]);

    const set = await send(app, jar, "/set");
    expect([set.response.status, set.text]).toEqual([202, "accepted"]);
    expect(set.response.headers.get("cache-control")).toBe("private, max-age=60");
    expect(set.response.headers.get("cdn-cache-control")).toBeNull();
    expect(set.response.headers.get("vary")).toBe("Accept, Cookie");

    for (const [path, code, text] of [
      ["/redirect", 303, ""],
      ["/status", 409, "conflict 4"],
      ["/shared", 302, ""],
    ] as const) {
      const answer = await send(app, jar, path);
      expect([path, answer.response.status, answer.text]).toEqual([path, code, text]);
      // Every one is saved (the counter moved on) and carries Cache-Control: private with its cookie.
      expect(answer.response.headers.get("cache-control"), path).toMatch(/^private/);
    }
    // The module-level redirect never got a cookie appended: each request got a copy.
    expect(shared.headers.getSetCookie()).toEqual([]);
    expect((await send(app, jar, "/n")).text).toBe("5");
  });

  it("saves nothing when the route throws (an Error, or throw status()), whoever answers the error", async () => {
    let answeredBy = "";
    const app = new Elysia()
      .onError(({ code }) => {
        answeredBy = `onError ${String(code)}`;
      })
      .use(session<Data>(options()))
      .get("/n", async ({ session }) => String(await bump(session)))
      .get("/crash", async ({ session }) => {
        await bump(session);
        throw new Error("boom");
      })
      .get("/deny", async ({ session }) => {
        await bump(session);
        throw status(403, "no");
      })
      .get("/server-error", async ({ session }) => {
        await bump(session);
        return status(503, "later");
      });
    const jar = new CookieJar();
    await send(app, jar, "/n");
    for (const [path, code] of [
      ["/crash", 500],
      ["/deny", 403],
      ["/server-error", 503],
    ] as const) {
      const answer = await send(app, jar, path);
      expect([path, answer.response.status, answer.lines]).toEqual([path, code, []]);
    }
    expect(answeredBy).toBe("onError 403");
    expect((await send(app, jar, "/n")).text).toBe("2");
  });

  it("a session that cannot be saved fails the request through Elysia's error handling, with no Set-Cookie", async () => {
    let caught: unknown;
    const app = new Elysia()
      .onError(({ error }) => {
        caught = error;
        return new Response("too big", { status: 500 });
      })
      .use(session<{ blob: string }>({ secrets: [SECRET], store: cookieStore({ maxChunks: 1 }) }))
      .post("/", async ({ session }) => {
        (await session()).set("blob", "x".repeat(5000));
        return "ok";
      });
    const answer = await send(app, new CookieJar(), "/", { method: "POST" });
    expect([answer.response.status, answer.text, answer.lines]).toEqual([500, "too big", []]);
    expect(caught).toMatchObject({ code: "ERR_SESSION_TOO_LARGE" });
  });

  it("reads nothing on a route that never asks, and the store once however often a route asks", async () => {
    const store = countingStore(memoryStore());
    const app = new Elysia()
      .use(session<Data>(options({ store })))
      .get("/n", async ({ session }) => String(await bump(session)))
      .get("/idle", () => "no session here")
      .get("/twice", async ({ session }) => {
        const first = await session();
        expect(await session()).toBe(first);
        return "ok";
      });
    const jar = new CookieJar();
    await send(app, jar, "/n");
    store.reset();
    const idle = await send(app, jar, "/idle");
    expect([idle.text, idle.lines, idle.response.headers.get("vary")]).toEqual(["no session here", [], null]);
    expect(store.calls).toEqual({ get: 0, set: 0, delete: 0, compareAndSet: 0 });
    await send(app, jar, "/twice");
    expect(store.calls).toEqual({ get: 1, set: 0, delete: 0, compareAndSet: 0 });
  });

  it("a beforeHandle that answers early commits; a resolve that answers early saves nothing", async () => {
    const app = new Elysia()
      .use(session<Data>(options()))
      .get("/n", async ({ session }) => String((await session()).get("n") ?? 0))
      .get("/guarded", () => "in", {
        beforeHandle: async ({ session }) => {
          await bump(session);
          return status(401, "guard");
        },
      })
      .resolve(async ({ session }) => {
        await bump(session);
        return status(401, "resolve");
      })
      .get("/resolved", () => "never");
    const jar = new CookieJar();
    const guarded = await send(app, jar, "/guarded");
    expect([guarded.response.status, guarded.text, guarded.lines.length]).toEqual([401, "guard", 1]);
    const resolved = await send(app, jar, "/resolved");
    expect([resolved.response.status, resolved.text, resolved.lines]).toEqual([401, "resolve", []]);
    expect((await send(app, jar, "/n")).text).toBe("1");
  });

  it("keeps Elysia's own cookies, signed ones signed", async () => {
    const app = new Elysia({ cookie: { secrets: "an Elysia cookie secret", sign: ["theme"] } })
      .use(session<Data>(options()))
      .get("/both", async ({ session, cookie: { theme, lang } }) => {
        await bump(session);
        theme!.value = "dark";
        lang!.value = "en";
        return "ok";
      })
      .get("/theme", ({ cookie: { theme } }) => {
        theme!.value = "dark";
        return "ok";
      });
    const jar = new CookieJar();
    const both = await send(app, jar, "/both");
    const names = both.lines.map((line) => line.split("=")[0]);
    expect(names.sort()).toEqual(["lang", "sid", "theme"]);
    const signedAlone = (await send(app, new CookieJar(), "/theme")).lines[0]!.split(";")[0];
    expect(both.lines.find((line) => line.startsWith("theme="))!.split(";")[0]).toBe(signedAlone);
    expect(signedAlone).toMatch(/^theme=dark\.\S+$/);
  });

  it("one instance used twice (an app and its module) runs once; two instances for one cookie are a double mount", async () => {
    const plugin = session<Data>(options());
    const module = new Elysia().use(plugin).get("/module", async ({ session }) => String(await bump(session)));
    const app = new Elysia().use(plugin).use(module);
    const jar = new CookieJar();
    expect((await send(app, jar, "/module")).text).toBe("1");
    expect((await send(app, jar, "/module")).text).toBe("2");

    const twice = new Elysia()
      .use(session<Data>(options()))
      .use(session<Data>(options()))
      .get("/", async ({ session }) => String(await bump(session)));
    const answer = await send(twice, new CookieJar(), "/");
    expect(answer.response.status).toBe(500);
    expect(answer.text).toMatch(/opened twice for one request/);
    expect(answer.lines).toEqual([]);
  });

  it("takes options from a function, called once; exposes the users API; types the loader", async () => {
    let resolved = 0;
    const app = new Elysia()
      .use(
        session<Data>(() => {
          resolved++;
          return options();
        }),
      )
      .post("/login", async ({ session }) => {
        const current = await session();
        current.regenerate();
        current.setUser("ada");
        return "ok";
      })
      .get("/devices", async ({ session, sessions }) => {
        expectTypeOf(session).toEqualTypeOf<SessionLoader<Data>>();
        const current = await session();
        expectTypeOf(current).toEqualTypeOf<Session<Data>>();
        // @ts-expect-error: not a key of Data
        current.get("nope");
        return sessions.list(current.user!);
      })
      .post("/others-out", async ({ session, sessions }) => String(await sessions.revokeAll("ada", { except: (await session()).ref })));
    const jars = [new CookieJar(), new CookieJar()];
    for (const jar of jars) await send(app, jar, "/login", { method: "POST" });
    expect(JSON.parse((await send(app, jars[0]!, "/devices")).text)).toHaveLength(2);
    expect((await send(app, jars[0]!, "/others-out", { method: "POST" })).text).toBe("1");
    const after = JSON.parse((await send(app, jars[0]!, "/devices")).text) as { current?: boolean }[];
    expect(after).toEqual([expect.objectContaining({ current: true })]);
    expect(resolved).toBe(1);
  });
});

it("Bun: a generator route is committed when its first `yield` is read; a session first loaded after it is closed", () => {
  const output = execFileSync("node_modules/.bin/bun", ["test/runtimes/entries/elysia-stream.ts"], {
    env: { ...process.env, SESSION_SECRETS: SECRET },
    encoding: "utf8",
    timeout: 20_000,
  });
  const result = JSON.parse(output.trim().split("\n").at(-1)!) as {
    early: { status: number; body: string; cookies: number; cacheControl: string }[];
    late: { status: number; body: string; cookies: number };
    n: string;
    warnings: string[];
  };
  expect(result.early.map(({ body, cookies }) => [body, cookies])).toEqual([
    ["n=1;done", 1],
    ["n=2;done", 1],
  ]);
  expect(result.early[0]!.cacheControl).toBe("private, no-cache");
  // The late route's stream ends at the error, its change unsaved and no cookie sent.
  expect(result.late).toMatchObject({ status: 200, body: "first;", cookies: 0 });
  expect(result.n).toBe("2");
  expect(result.warnings).toEqual([expect.stringContaining("first loaded after its response was committed")]);
}, 30_000);
