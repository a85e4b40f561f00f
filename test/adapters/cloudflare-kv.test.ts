// The Workers KV store against a KV namespace inside workerd (Miniflare). Miniflare does not
// enforce KV's one-write-per-key-per-second limit, so the 429 cases use a second namespace whose
// backend is a loopback server answering 429 on demand: the error is the one workerd's own KV
// binding raises ("KV PUT failed: 429 Too Many Requests").
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { KVNamespace } from "@cloudflare/workers-types/experimental/index.js";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { cloudflareKVStore, type KVNamespaceLike } from "../../adapters/cloudflare-kv.js";
import { createSessions, type Session, type Sessions, withSession } from "../../src/index.js";
import { defineStoreConformance } from "../../src/testing.js";
import { userIndexKey } from "../../src/user-index.js";
import { CookieJar, countingHandler, fakeClock, heldWrites, SECRET } from "../helpers.js";

let mf: Miniflare;
let sessions: Awaited<ReturnType<Miniflare["getKVNamespace"]>>;
let limited: Awaited<ReturnType<Miniflare["getKVNamespace"]>>;
let backend: Server;
/** How many of the next writes (PUT or DELETE) the rate-limited backend answers with 429. */
let refuseNextWrites = 0;
const backendLog: { method: string; key: string; status: number }[] = [];
const backendValues = new Map<string, string>();

beforeAll(async () => {
  backend = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      // The proxied binding request: its method, with the KV URL in MF-URL.
      const target = request.headers["mf-url"];
      if (typeof target !== "string") return response.writeHead(404).end();
      const key = decodeURIComponent(new URL(target).pathname.slice(1));
      const method = request.method ?? "GET";
      let status = 200;
      if (method !== "GET" && refuseNextWrites > 0) {
        refuseNextWrites--;
        status = 429;
      } else if (method === "PUT") backendValues.set(key, body);
      else if (method === "DELETE") backendValues.delete(key);
      backendLog.push({ method, key, status });
      if (method === "GET" && !backendValues.has(key)) status = 404;
      response.writeHead(status, status === 429 ? "Too Many Requests" : undefined).end(method === "GET" ? backendValues.get(key) : "");
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  const { port } = backend.address() as AddressInfo;
  mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(); } }",
    kvNamespaces: { SESSIONS: "sessions", LIMITED: { id: "limited", remoteProxyConnectionString: new URL(`http://127.0.0.1:${port}/`) } },
  });
  sessions = await mf.getKVNamespace("SESSIONS");
  limited = await mf.getKVNamespace("LIMITED");
});

afterAll(async () => {
  await mf?.dispose();
  await new Promise((resolve) => backend?.close(resolve));
});

let namespaceUse = 0;
/** A prefix no other test uses, so tests sharing the namespace stay independent. */
const freshPrefix = () => `t${++namespaceUse}:`;

async function listed(prefix: string) {
  return (await sessions.list({ prefix })).keys;
}

defineStoreConformance(
  { describe, it },
  {
    name: "cloudflare-kv",
    create: async (clock) => ({ store: cloudflareKVStore(sessions, { clock, prefix: freshPrefix() }) }),
    capabilities: { compareAndSet: false, largeValueBytes: 1 << 20 },
  },
);

const inSeconds = (clock: () => number, seconds: number, touchOnly = false) => ({
  expiresAt: clock() + seconds * 1000,
  ttlSeconds: seconds,
  touchOnly,
});

describe("cloudflare-kv store", () => {
  it("takes a KVNamespace binding as typed by @cloudflare/workers-types (checked by tsc)", () => {
    expectTypeOf<KVNamespace>().toExtend<KVNamespaceLike>();
    expectTypeOf<KVNamespace<string>>().toExtend<Parameters<typeof cloudflareKVStore>[0]>();
  });

  it("clamps the KV expirationTtl to KV's 60-second minimum and keeps the exact expiry in metadata", async () => {
    const prefix = freshPrefix();
    const clock = fakeClock();
    const store = cloudflareKVStore(sessions, { clock, prefix });
    const before = Math.floor(Date.now() / 1000);
    await store.set("short", "S", inSeconds(clock, 5));
    await store.set("long", "L", inSeconds(clock, 7200));
    const after = Math.ceil(Date.now() / 1000);
    const keys = Object.fromEntries((await listed(prefix)).map((key) => [key.name, key]));
    expect(keys[`${prefix}short`]!.expiration).toBeGreaterThanOrEqual(before + 60);
    expect(keys[`${prefix}short`]!.expiration).toBeLessThanOrEqual(after + 60);
    expect(keys[`${prefix}long`]!.expiration).toBeGreaterThanOrEqual(before + 7200);
    expect(keys[`${prefix}short`]!.metadata).toEqual({ expiresAt: clock() + 5000 });
  });

  it("still ends a session shorter than 60 s on time, though KV keeps the key", async () => {
    const prefix = freshPrefix();
    const clock = fakeClock();
    const handler = countingHandler({ secrets: [SECRET], store: cloudflareKVStore(sessions, { clock, prefix }), clock, maxAge: 10 });
    const jar = new CookieJar();
    jar.apply(await handler(jar.request()));
    expect(await (await handler(jar.request())).json()).toBe(2);
    clock.advance(11);
    expect(await listed(prefix)).toHaveLength(1);
    expect(await (await handler(jar.request())).json()).toBe(1);
  });

  it("last write wins: of two concurrent saves changing different keys, one is lost", async () => {
    const clock = fakeClock();
    const options = { secrets: [SECRET], store: cloudflareKVStore(sessions, { clock, prefix: freshPrefix() }), clock };
    const pair = createSessions<Record<string, number>>(options);
    const jar = new CookieJar();
    const first = await pair.open(jar.request());
    (await first.session()).set("base", 1);
    jar.apply(await first.commit(new Response()));
    const [tab1, tab2] = await Promise.all([pair.open(jar.request()), pair.open(jar.request())]);
    const [s1, s2] = await Promise.all([tab1.session(), tab2.session()]);
    s1.set("a", 1);
    s2.set("b", 2);
    await tab1.commit(new Response());
    await tab2.commit(new Response());
    const check = await (await pair.open(jar.request())).session();
    // With compare-and-set this would be { base: 1, a: 1, b: 2 }; Workers KV has none.
    expect(Object.fromEntries(check.entries())).toEqual({ base: 1, b: 2 });
  });

  it("keeps stores with different prefixes apart on one namespace", async () => {
    const clock = fakeClock();
    const left = cloudflareKVStore(sessions, { clock, prefix: "left:" });
    const right = cloudflareKVStore(sessions, { clock, prefix: "right:" });
    await left.set("k", "L", inSeconds(clock, 3600));
    await right.set("k", "R", inSeconds(clock, 3600));
    expect((await left.get("k"))?.value).toBe("L");
    expect((await right.get("k"))?.value).toBe("R");
    await left.delete("k");
    expect(await left.get("k")).toBeNull();
    expect((await right.get("k"))?.value).toBe("R");
  });

  it("uses the default prefix coatcheck:", async () => {
    const clock = fakeClock();
    await cloudflareKVStore(sessions, { clock }).set("abc", "v", inSeconds(clock, 3600));
    expect((await listed("coatcheck:")).map((key) => key.name)).toEqual(["coatcheck:abc"]);
  });

  it("refuses a key over 512 bytes and a value over 25 MiB before calling KV", async () => {
    const prefix = freshPrefix();
    const clock = fakeClock();
    const store = cloudflareKVStore(sessions, { clock, prefix });
    const tooLarge = {
      code: "ERR_SESSION_TOO_LARGE",
      message: expect.stringMatching(/^coatcheck: cloudflare-kv store: the (key|session) is \d+ bytes/),
    };
    await expect(store.set("é".repeat(260), "v", inSeconds(clock, 3600))).rejects.toMatchObject(tooLarge);
    await expect(store.get("k".repeat(510))).rejects.toMatchObject(tooLarge);
    // 13 Mi two-byte characters: 26 MiB of UTF-8, though only 13 Mi string length.
    await expect(store.set("k", "é".repeat(13 * 1024 * 1024), inSeconds(clock, 3600))).rejects.toMatchObject(tooLarge);
    expect(await listed(prefix)).toEqual([]);
    expect(() => cloudflareKVStore(sessions, { prefix: "p".repeat(500) })).toThrowError(
      expect.objectContaining({ code: "ERR_SESSION_OPTIONS", message: expect.stringMatching(/^coatcheck: cloudflare-kv store: `prefix`/) }),
    );
  });

  describe("a 429 (one write per key per second)", () => {
    const clock = fakeClock();
    let store: ReturnType<typeof cloudflareKVStore>;
    const fresh = () => {
      store = cloudflareKVStore(limited, { clock, prefix: "" });
      backendLog.length = 0;
      backendValues.clear();
    };

    it("skips a touch-only write, and says so", async () => {
      fresh();
      refuseNextWrites = 1;
      expect(await store.set("touched", "v", inSeconds(clock, 3600, true))).toBe(false);
      expect(backendLog).toEqual([{ method: "PUT", key: "touched", status: 429 }]);
    });

    it("a skipped touch refreshes no cookie either, and the next request touches again", async () => {
      fresh();
      const touchClock = fakeClock();
      const handler = withSession(
        async (request, ctx) => {
          const session = await ctx.session();
          if (new URL(request.url).pathname === "/set") session.set("n", 1);
          return new Response("ok");
        },
        {
          secrets: [SECRET],
          store: cloudflareKVStore(limited, { clock: touchClock, prefix: "" }),
          clock: touchClock,
          maxAge: 1000,
          touchAfter: 100,
        },
      );
      const created = await handler(new Request("http://shop.test/set"));
      const cookie = created.headers.get("set-cookie")!.split(";")[0]!;
      touchClock.advance(150);
      refuseNextWrites = 1;
      const skipped = await handler(new Request("http://shop.test/", { headers: { cookie } }));
      expect(skipped.headers.get("set-cookie")).toBeNull();
      const touched = await handler(new Request("http://shop.test/", { headers: { cookie } }));
      expect(touched.headers.get("set-cookie")).toContain("Max-Age=1000");
      const puts = backendLog.filter(({ method }) => method === "PUT");
      expect(puts.map(({ status }) => status)).toEqual([200, 429, 200]);
    });

    it("retries a data write and a delete with a short backoff", async () => {
      fresh();
      refuseNextWrites = 2;
      await store.set("data", "v", inSeconds(clock, 3600));
      expect(backendLog.map(({ status }) => status)).toEqual([429, 429, 200]);
      expect(backendValues.get("data")).toBe("v");
      refuseNextWrites = 1;
      await store.delete("data");
      expect(backendLog.slice(3).map(({ method, status }) => `${method} ${status}`)).toEqual(["DELETE 429", "DELETE 200"]);
      expect(backendValues.has("data")).toBe(false);
    });

    it("gives up after a bounded number of attempts, and the core reports a store error", async () => {
      fresh();
      refuseNextWrites = 100;
      const error = await store.set("data", "v", inSeconds(clock, 3600)).catch((caught: Error) => caught);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/KV PUT failed: 429 Too Many Requests/);
      expect(backendLog).toHaveLength(4);

      const handler = withSession(
        async (_request, ctx) => {
          (await ctx.session()).set("n", 1);
          return new Response("ok");
        },
        { secrets: [SECRET], store: cloudflareKVStore(limited, { clock }), clock, storeTimeout: 0 },
      );
      const failed = await handler(new Request("http://shop.test/")).catch((caught: unknown) => caught);
      expect(failed).toMatchObject({ code: "ERR_SESSION_STORE", message: "coatcheck: cloudflare-kv store: set failed." });
      expect((failed as Error).cause).toBeInstanceOf(Error);
      refuseNextWrites = 0;
    });
  });
});

describe("misuse", () => {
  it("a raw KV namespace given as the store is refused at construction, naming the adapter to wrap it in", () => {
    expect(() => createSessions({ secrets: [SECRET], store: sessions as never })).toThrowError(
      /`store` is a raw Workers KV namespace: wrap it as `cloudflareKVStore\(env.SESSIONS\)`/,
    );
  });
});

describe("users on Workers KV: best effort (no compare-and-set)", () => {
  /** A browser: requests through `api`, its session acted on, its cookies kept. */
  function device(api: Sessions) {
    const jar = new CookieJar();
    const begin = async () => {
      const handle = await api.open(jar.request("https://shop.test/"));
      const session = await handle.session();
      return { session, send: async () => (jar.apply(await handle.commit(new Response())), session) };
    };
    return {
      jar,
      begin,
      visit: async (act: (session: Session) => void = () => {}) => {
        const request = await begin();
        act(request.session);
        return request.send();
      },
    };
  }
  const login = (session: Session) => {
    session.regenerate();
    session.setUser("ada");
  };
  const refs = (entries: { ref: string }[]) => entries.map((entry) => entry.ref).sort();

  it("one login at a time: every session listed, revokeAll ends them all", async () => {
    const clock = fakeClock();
    const api = createSessions({ secrets: [SECRET], store: cloudflareKVStore(sessions, { clock, prefix: freshPrefix() }), clock });
    const devices = [device(api), device(api), device(api)];
    const made = [];
    for (const each of devices) made.push((await each.visit(login)).ref!);
    expect(refs(await api.list("ada"))).toEqual(made.sort());
    expect(await api.revokeAll("ada")).toBe(3);
    for (const each of devices) expect((await each.visit()).user).toBeUndefined();
  });

  it("concurrent logins in one isolate are all listed: its index changes queue", async () => {
    const clock = fakeClock();
    const api = createSessions({ secrets: [SECRET], store: cloudflareKVStore(sessions, { clock, prefix: freshPrefix() }), clock });
    const devices = Array.from({ length: 5 }, () => device(api));
    const made = await Promise.all(devices.map((each) => each.visit(login))).then((all) => all.map((session) => session.ref!));
    expect(refs(await api.list("ada"))).toEqual(made.sort());
  });

  it("concurrent logins in different isolates drop entries: of 5 whose index updates all read before any writes, only the last one written is listed and revokeAll misses the other 4; userVersion still ends them", async () => {
    const clock = fakeClock();
    const versions = new Map([["ada", 1]]);
    const indexKey = await userIndexKey("ada");
    const gate = heldWrites(cloudflareKVStore(sessions, { clock, prefix: freshPrefix() }), (key) => key === indexKey);
    const options = { secrets: [SECRET], clock, userVersion: (user: string) => versions.get(user)! };
    // Five isolates (an isolate queues its own index changes), sharing only the namespace.
    const devices = Array.from({ length: 5 }, () => device(createSessions({ ...options, store: { ...gate.store } })));
    const api = createSessions({ ...options, store: gate.store });
    const logins = devices.map((each) => each.visit(login));
    await gate.arrived(5);
    gate.release();
    const made = (await Promise.all(logins)).map((session) => session.ref!);
    const listed = await api.list("ada");
    expect(listed).toHaveLength(1);
    expect(made).toContain(listed[0]!.ref);
    expect(await api.revokeAll("ada")).toBe(1);
    const survivors = [];
    for (const each of devices) if ((await each.visit()).user === "ada") survivors.push(each);
    expect(survivors).toHaveLength(4);
    versions.set("ada", 2);
    for (const each of survivors) expect((await each.visit()).user).toBeUndefined();
  });

  it("a request of a revoked session in flight saves after revokeAll and brings it back, unlisted (a plain set cannot tell it was deleted); userVersion still ends it", async () => {
    const clock = fakeClock();
    const versions = new Map([["ada", 1]]);
    const store = cloudflareKVStore(sessions, { clock, prefix: freshPrefix() });
    const api = createSessions({ secrets: [SECRET], store, clock, userVersion: (user) => versions.get(user)! });
    const phone = device(api);
    await phone.visit(login);
    const inFlight = await phone.begin();
    expect(await api.revokeAll("ada")).toBe(1);
    inFlight.session.set("cart", 1);
    await inFlight.send();
    const back = await phone.visit();
    expect(back.user).toBe("ada");
    expect(back.isNew).toBe(false);
    expect(await api.list("ada")).toEqual([]);
    versions.set("ada", 2);
    expect((await phone.visit()).user).toBeUndefined();
  });
});
