// What an outside security review, peer test suites and a new user found, as fetch-shaped tests:
// attacks on the public surface with the default options, then misuse that used to lose data
// without a word.
import { openKv } from "@deno/kv";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cookieStore } from "../adapters/cookie.js";
import { memoryStore } from "../adapters/memory.js";
import { nodeCrypto } from "../src/crypto-path.js";
import { session as honoSession, type SessionEnv } from "../src/hono.js";
import { createSessions, type SessionContext, type SessionEvent, type SessionOptions, withSession } from "../src/index.js";
import { CookieJar, fakeClock, OLD_SECRET, SECRET } from "./helpers.js";

type Data = { user?: string; cart?: Record<string, number>; once?: string; blob?: string };

function setup(extra: Partial<SessionOptions> = {}) {
  const clock = fakeClock();
  const events: SessionEvent[] = [];
  const options: SessionOptions = {
    secrets: [SECRET],
    store: memoryStore({ clock }),
    clock,
    onEvent: (event) => events.push(event),
    ...extra,
  };
  return { clock, events, options };
}

/** GET / reads; /login?name= regenerates and sets the user; /add writes; /logout destroys. */
function app(options: SessionOptions) {
  return withSession<Data>(async (request, ctx) => {
    const url = new URL(request.url);
    const session = await ctx.session();
    if (url.pathname === "/login") {
      session.regenerate();
      session.set("user", url.searchParams.get("name")!);
    }
    if (url.pathname === "/add") session.set("cart", { apple: 1 });
    if (url.pathname === "/logout") session.destroy();
    return Response.json({ user: session.get("user") ?? null, isNew: session.isNew });
  }, options);
}

async function login(handler: ReturnType<typeof app>, name: string): Promise<string> {
  const jar = new CookieJar();
  jar.apply(await handler(jar.request(`http://shop.test/login?name=${name}`)));
  return jar.cookies.get("sid")!;
}

const send = (handler: ReturnType<typeof app>, cookie: string, path = "/") =>
  handler(new Request(`http://shop.test${path}`, { headers: { cookie } }));

describe("cookie tossing (a sibling subdomain or deeper path plants its own valid ticket)", () => {
  it("an ambiguous request expires nothing, so the victim's cookie is not deleted and the attacker's kept", async () => {
    const { options, events } = setup();
    const handler = app(options);
    const victim = await login(handler, "victim");
    const attacker = await login(handler, "attacker");
    // The attacker's cookie comes first: a deeper Path sorts first in the browser's Cookie header.
    const read = await send(handler, `sid=${attacker}; sid=${victim}`);
    expect(await read.json()).toEqual({ user: null, isNew: true });
    expect(read.headers.getSetCookie()).toEqual([]);
    expect(events.filter((event) => event.type === "tampered")).toEqual([
      { type: "tampered", store: "memory", reason: "ambiguous-cookies" },
    ]);
    // A write still mints a new id (neither of the two), and still expires nothing.
    const write = await send(handler, `sid=${attacker}; sid=${victim}`, "/add");
    const lines = write.headers.getSetCookie();
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/Max-Age=0/);
    const minted = lines[0]!.split(";")[0]!.slice("sid=".length);
    expect([victim, attacker]).not.toContain(minted);
    // Both sessions are intact: the victim is still the victim.
    expect(await (await send(handler, `sid=${victim}`)).json()).toEqual({ user: "victim", isNew: false });
  });

  it("the same holds for the cookie store's sealed sessions", async () => {
    const { options } = setup({ store: cookieStore() });
    const handler = app(options);
    const victim = await login(handler, "victim");
    const attacker = await login(handler, "attacker");
    const read = await send(handler, `sid=${attacker}; sid=${victim}`);
    expect(await read.json()).toEqual({ user: null, isNew: true });
    expect(read.headers.getSetCookie()).toEqual([]);
    const write = await send(handler, `sid=${attacker}; sid=${victim}`, "/add");
    expect(write.headers.getSetCookie().filter((line) => /Max-Age=0/.test(line))).toEqual([]);
  });

  it("a name with a Unicode space before it is another cookie: `\\u00A0__Host-sid` is not read as `__Host-sid`", async () => {
    for (const store of [memoryStore(), cookieStore()]) {
      const handler = app({ secrets: [SECRET], store, cookie: { name: "__Host-sid" } });
      const jar = new CookieJar();
      jar.apply(await handler(jar.request("https://shop.test/login?name=ada")));
      const ticket = jar.cookies.get("__Host-sid")!;
      const tossed = await handler(new Request("https://shop.test/", { headers: { cookie: `\u00A0__Host-sid=${ticket}` } }));
      expect(await tossed.json(), store.name).toEqual({ user: null, isNew: true });
      const tabbed = await handler(new Request("https://shop.test/", { headers: { cookie: `\t__Host-sid\t=${ticket}` } }));
      expect(await tabbed.json(), store.name).toEqual({ user: "ada", isNew: false });
    }
  });
});

/** Counts HMAC computations on whichever crypto path this runtime takes (a verification is one). */
function spyOnHmacVerifications() {
  const web = vi.spyOn(crypto.subtle, "verify");
  const node = nodeCrypto ? vi.spyOn(nodeCrypto, "createHmac") : undefined;
  return { calls: () => web.mock.calls.length + (node?.mock.calls.length ?? 0) };
}

describe("bounded work per forged request", () => {
  afterEach(() => vi.restoreAllMocks());

  it("a 16 KiB header of forged tickets under 3 secrets: no HMAC verification at all, one event", async () => {
    const { options, events } = setup({ secrets: [SECRET, OLD_SECRET, `${SECRET}-third`] });
    const handler = app(options);
    const verify = spyOnHmacVerifications();
    // Well-formed (canonical base64url, 43.43 characters): only the MAC is wrong.
    const forged = (index: number) => `sid=${String(index).padStart(42, "x")}A.${"B".repeat(42)}A`;
    const header = Array.from({ length: 175 }, (_, index) => forged(index)).join("; ");
    expect(header.length).toBeGreaterThan(16_000);
    expect(await (await send(handler, header)).json()).toEqual({ user: null, isNew: true });
    expect(verify.calls()).toBe(0);
    expect(events.filter((event) => event.type === "tampered")).toHaveLength(1);
  });

  it("a few distinct forged values are each verified once, duplicates dropped, one event", async () => {
    const { options, events } = setup({ secrets: [SECRET, OLD_SECRET, `${SECRET}-third`] });
    const handler = app(options);
    const verify = spyOnHmacVerifications();
    const forged = (letter: string) => `sid=${letter.repeat(42)}A.${"B".repeat(42)}A`;
    const header = Array.from({ length: 100 }, (_, index) => forged("ACDE"[index % 4]!)).join("; ");
    expect(await (await send(handler, header)).json()).toEqual({ user: null, isNew: true });
    expect(verify.calls()).toBe(4 * 3);
    expect(events.filter((event) => event.type === "tampered")).toHaveLength(1);
  });

  it("the cookie store opens at most a few tokens, and expires only the chunks it could have set", async () => {
    const store = cookieStore();
    const unseal = vi.spyOn(store, "unseal");
    const { options, events } = setup({ store });
    const handler = app(options);
    const junk = Array.from({ length: 200 }, (_, index) => `sid=junk${index % 50}`).join("; ");
    expect(await (await send(handler, junk)).json()).toEqual({ user: null, isNew: true });
    expect(unseal).not.toHaveBeenCalled();
    expect(events.filter((event) => event.type === "tampered")).toHaveLength(1);
    // `sid.1` … `sid.1000`: joined as one token, opened once; expired up to maxChunks (3) only.
    const chunks = Array.from({ length: 1000 }, (_, index) => `sid.${index + 1}=x`).join("; ");
    const logout = await send(handler, chunks, "/logout");
    expect(unseal).toHaveBeenCalledTimes(1);
    expect(logout.headers.getSetCookie().map((line) => line.split("=")[0])).toEqual(["sid.1", "sid.2", "sid.3"]);
  });
});

describe("a Response shared between requests", () => {
  const shared = () => new Response(null, { status: 303, headers: { location: "/account" } });

  it("never carries one visitor's ticket to the next: commit decorates a copy", async () => {
    const redirect = shared();
    const handler = withSession<Data>(async (request, ctx) => {
      const session = await ctx.session();
      session.regenerate();
      session.set("user", new URL(request.url).searchParams.get("name")!);
      return redirect;
    }, setup().options);
    const first = await handler(new Request("http://shop.test/login?name=ada"));
    const second = await handler(new Request("http://shop.test/login?name=bob"));
    expect(first.headers.getSetCookie()).toHaveLength(1);
    expect(second.headers.getSetCookie()).toHaveLength(1);
    expect(second.headers.get("set-cookie")).not.toBe(first.headers.get("set-cookie"));
    expect(redirect.headers.getSetCookie()).toEqual([]);
    expect([first.status, first.headers.get("location"), second.status]).toEqual([303, "/account", 303]);
  });

  it("nor through the Hono middleware", async () => {
    const redirect = shared();
    const hono = new Hono<SessionEnv<Data>>();
    hono.use(honoSession<Data>(setup().options));
    hono.post("/login/:name", async (c) => {
      const session = await c.var.session();
      session.regenerate();
      session.set("user", c.req.param("name"));
      return redirect;
    });
    const first = await hono.request("/login/ada", { method: "POST" });
    const second = await hono.request("/login/bob", { method: "POST" });
    expect(second.headers.getSetCookie()).toHaveLength(1);
    expect(second.headers.get("set-cookie")).not.toBe(first.headers.get("set-cookie"));
    expect(redirect.headers.getSetCookie()).toEqual([]);
  });
});

describe("shared caches", () => {
  const respond = (headers: Record<string, string>, write = true) =>
    withSession<Data>(async (_request, ctx) => {
      const session = await ctx.session();
      if (write) session.set("user", "ada");
      return new Response("page", { headers });
    }, setup().options)(new Request("http://shop.test/"));

  const cdnFields = {
    "cdn-cache-control": "max-age=600",
    "cloudflare-cdn-cache-control": "max-age=600",
    "vercel-cdn-cache-control": "max-age=600",
    "surrogate-control": "max-age=600",
  };

  it("CDN-targeted fields (RFC 9213) and Surrogate-Control do not travel beside a Set-Cookie", async () => {
    const response = await respond({ "cache-control": "public, max-age=60", ...cdnFields });
    expect(response.headers.getSetCookie()).toHaveLength(1);
    expect(response.headers.get("cache-control")).toBe("private, max-age=60");
    for (const name of Object.keys(cdnFields)) expect(response.headers.get(name), name).toBeNull();
  });

  it("are left alone on a response without a cookie", async () => {
    const response = await respond({ ...cdnFields }, false);
    expect(response.headers.getSetCookie()).toEqual([]);
    for (const [name, value] of Object.entries(cdnFields)) expect(response.headers.get(name), name).toBe(value);
  });

  it('a qualified private="field" is not taken for private', async () => {
    const response = await respond({ "cache-control": 'private="set-cookie, x-user", max-age=60' });
    expect(response.headers.get("cache-control")).toBe("private, max-age=60");
  });
});

describe("cookie names", () => {
  it("prefixes are matched case-insensitively at construction, as browsers match them", () => {
    const store = memoryStore();
    expect(() => createSessions({ secrets: [SECRET], store, cookie: { name: "__HOST-sid", domain: "shop.test" } })).toThrowError(
      /`__Host-` cookie name requires no `cookie.domain`/,
    );
    expect(() => createSessions({ secrets: [SECRET], store, cookie: { name: "__host-sid", path: "/app" } })).toThrowError(/`__Host-`/);
    expect(() => createSessions({ secrets: [SECRET], store, cookie: { name: "__SECURE-sid", secure: false } })).toThrowError(
      /`__Secure-` cookie name requires a Secure cookie/,
    );
  });

  it("a __HOST- name is made Secure even on http", async () => {
    const handler = app({ secrets: [SECRET], store: memoryStore(), cookie: { name: "__HOST-sid" } });
    const response = await handler(new Request("http://localhost/add"));
    expect(response.headers.get("set-cookie")).toMatch(/; Secure/);
  });
});

describe("onEvent cannot break a request", () => {
  afterEach(() => vi.restoreAllMocks());

  it("a listener that throws: a forged cookie is still just a fresh session; the error is logged", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const handler = app({
      ...setup().options,
      onEvent: () => {
        throw new Error("listener bug");
      },
    });
    const response = await send(handler, `sid=${"A".repeat(43)}.${"B".repeat(42)}A`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: null, isNew: true });
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("onEvent"), expect.objectContaining({ message: "listener bug" }));
  });

  it("a listener that rejects causes no unhandled rejection", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", record);
    try {
      const handler = app({ ...setup().options, onEvent: async () => Promise.reject(new Error("async listener bug")) });
      expect((await send(handler, "sid=forged")).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off("unhandledRejection", record);
    }
    expect(unhandled).toEqual([]);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("onEvent"), expect.objectContaining({ message: "async listener bug" }));
  });
});

describe("correctness", () => {
  it("delete() of a key that is not there changes nothing: no write, no Set-Cookie, no Cache-Control", async () => {
    const { options } = setup();
    const handler = withSession<Data>(async (request, ctx) => {
      const session = await ctx.session();
      if (new URL(request.url).pathname === "/add") session.set("cart", { apple: 1 });
      expect(session.delete("once")).toBe(false);
      return new Response("ok");
    }, options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    const writes = vi.spyOn(options.store as ReturnType<typeof memoryStore>, "compareAndSet");
    const response = await handler(jar.request("http://shop.test/"));
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get("cache-control")).toBeNull();
    expect(writes).not.toHaveBeenCalled();
  });

  it("the cookie store keeps every Set-Cookie line, attributes included, within 4096 bytes", async () => {
    const domain = `${"sub.".repeat(20)}shop.test`;
    const handler = withSession<Data>(
      async (request, ctx) => {
        const session = await ctx.session();
        const size = Number(new URL(request.url).searchParams.get("size") ?? 0);
        if (size) session.set("blob", "x".repeat(size));
        return Response.json({ length: session.get("blob")?.length ?? 0 });
      },
      {
        secrets: [SECRET],
        store: cookieStore(),
        cookie: { domain, path: "/a/rather/long/path/for/the/cookie", sameSite: "strict", partitioned: true },
      },
    );
    for (const size of [2900, 3000, 3050, 3100, 6000, 8000]) {
      const jar = new CookieJar();
      const lines = jar.apply(await handler(jar.request(`https://${domain}/a/rather/long/path/for/the/cookie/?size=${size}`)));
      expect(lines.length, `size ${size}`).toBeGreaterThan(0);
      for (const line of lines) expect(new TextEncoder().encode(line).length, `size ${size}`).toBeLessThanOrEqual(4096);
      const back = await handler(jar.request(`https://${domain}/a/rather/long/path/for/the/cookie/`));
      expect(await back.json()).toEqual({ length: size });
    }
  });

  it("a WebSocket upgrade whose handler read the session and returned nothing (Bun's idiom) passes through", async () => {
    const { options } = setup();
    const handler = withSession<Data>(async (_request, ctx) => {
      await ctx.session();
      return;
    }, options);
    const upgrade = new Request("http://shop.test/ws", { headers: { upgrade: "websocket", connection: "Upgrade" } });
    await expect(handler(upgrade)).resolves.toBeUndefined();
  });

  it("loading the session for the first time after commit rejects with ERR_SESSION_CLOSED", async () => {
    const { options } = setup();
    let late: Promise<unknown> | undefined;
    const handler = withSession<Data>(async (_request, ctx) => {
      late = Promise.resolve()
        .then(() => new Promise((resolve) => setTimeout(resolve, 5)))
        .then(() => ctx.session());
      return new Response("ok");
    }, options);
    await handler(new Request("http://shop.test/"));
    await expect(late).rejects.toMatchObject({ code: "ERR_SESSION_CLOSED" });
  });

  it("a handler that returns something other than a Response gets a TypeError that says so", async () => {
    const handler = withSession(async () => "hello" as unknown as Response, setup().options);
    await expect(handler(new Request("http://shop.test/"))).rejects.toThrowError(/the handler must return a Response; it returned string/);
    const nothing = withSession(async () => undefined as unknown as Response, setup().options);
    await expect(nothing(new Request("http://shop.test/"))).rejects.toThrowError(/must return a Response; it returned nothing/);
  });

  it("ctx.executionCtx.waitUntil works where the runtime passes no ExecutionContext", async () => {
    let ran = false;
    const handler = withSession(async (_request, ctx: SessionContext) => {
      ctx.executionCtx.waitUntil(Promise.resolve().then(() => (ran = true)));
      return new Response("ok");
    }, setup().options);
    await handler(new Request("http://shop.test/"));
    await Promise.resolve();
    expect(ran).toBe(true);
  });

  it("ctx.executionCtx is the runtime's own ExecutionContext when it passes one", async () => {
    const given = { waitUntil: vi.fn(), passThroughOnException: vi.fn() };
    const handler = withSession(async (_request, ctx) => {
      expect(ctx.executionCtx).toBe(given);
      return new Response("ok");
    }, setup().options);
    await handler(new Request("http://shop.test/"), {}, given);
    expect.assertions(1);
  });
});

describe("misuse is an error that names the fix", () => {
  const build = (options: Partial<SessionOptions>) => () =>
    createSessions({ secrets: [SECRET], store: memoryStore(), ...options } as SessionOptions);

  it("a Map, a raw Deno.Kv or a raw Workers KV namespace as the store names the adapter to wrap it in", async () => {
    expect(build({ store: new Map() as never })).toThrowError(/`store` is a `Map`: use `memoryStore\(\)`/);
    const kv = await openKv(":memory:");
    try {
      expect(build({ store: kv as never })).toThrowError(/raw `Deno.Kv`: wrap it as `denoKVStore\(kv\)`/);
    } finally {
      kv.close();
    }
    expect(build({ store: {} as never })).toThrowError(/`store` is not a store adapter/);
  });

  it("unknown option names are refused, naming the nearest known one", () => {
    expect(build({ maxage: 60 } as never)).toThrowError(/`maxage` is not an option; did you mean `maxAge`\?/);
    expect(build({ httpOnly: false } as never)).toThrowError(/`httpOnly` is not an option; cookie attributes go inside `cookie`/);
    expect(build({ cookieName: "sess" } as never)).toThrowError(/`cookieName` is not an option; did you mean `cookie.name`\?/);
    expect(build({ cookie: { maxAge: 60 } } as never)).toThrowError(/`cookie.maxAge` is not an option; `maxAge` is a top-level option/);
    expect(build({ cookie: { samesite: "lax" } } as never)).toThrowError(/did you mean `cookie.sameSite`\?/);
  });

  it("maxAge or absoluteTimeout in milliseconds is refused, saying so", () => {
    expect(build({ maxAge: 14 * 24 * 3600 * 1000 })).toThrowError(
      /`maxAge` is 1209600000 seconds \(about 38 years\): it is in seconds, not milliseconds \(did you mean 1209600\?\)/,
    );
    expect(build({ absoluteTimeout: 86_400_000 })).toThrowError(/`absoluteTimeout` .* not milliseconds/);
  });

  it("secrets: one space-separated string, an unset variable, an empty string", () => {
    expect(build({ secrets: `${SECRET} ${OLD_SECRET}` })).toThrowError(/`secrets` contains whitespace.*split\(" "\)/);
    expect(build({ secrets: [`${SECRET}\n`] })).toThrowError(/`secrets\[0\]` contains whitespace/);
    expect(build({ secrets: [process.env.COATCHECK_TEST_UNSET_VARIABLE!] })).toThrowError(
      /`secrets\[0\]` is missing \(undefined\): is its environment variable set\?/,
    );
    expect(build({ secrets: "" })).toThrowError(/`secrets` is empty/);
  });

  it("withSession mounted twice around one handler is refused instead of sending two cookies", async () => {
    const options = setup().options;
    const inner = withSession<Data>(async (_request, ctx) => {
      (await ctx.session()).set("user", "ada");
      return new Response("ok");
    }, options);
    const twice = withSession<Data>(async (request) => inner(request), options);
    await expect(twice(new Request("http://shop.test/"))).rejects.toMatchObject({
      code: "ERR_SESSION_OPTIONS",
      message: expect.stringMatching(/mounted twice/),
    });
    // Once is fine, and a request object handled again after its commit is not a double mount.
    const request = new Request("http://shop.test/");
    expect((await inner(request)).status).toBe(200);
    expect((await inner(request)).status).toBe(200);
  });

  it("options as a function that creates the store per env (per-request env on Deno, Bun, Node) is said once", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const handler = withSession<Data, object>(
        async (_request, ctx) => {
          (await ctx.session()).set("user", "ada");
          return new Response("ok");
        },
        () => ({ secrets: [SECRET], store: memoryStore() }),
      );
      for (let index = 0; index < 6; index++) await handler(new Request("http://shop.test/"), { remoteAddr: index });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]![0]).toMatch(/new memory store for each new env.*Create the store once, outside the function/);
      warn.mockClear();
      const store = memoryStore();
      const fine = withSession<Data, object>(
        async () => new Response("ok"),
        () => ({ secrets: [SECRET], store }),
      );
      for (let index = 0; index < 6; index++) await fine(new Request("http://shop.test/"), { remoteAddr: index });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
