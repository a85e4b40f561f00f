// Hostile input, property-based (fast-check): junk Cookie headers, tampered tickets, any JSON value
// through every store, and random flows whose events must never carry an id or a cookie value.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoryStore } from "../../adapters/memory.js";
import { type SessionEvent, type SessionStore, withSession } from "../../src/index.js";
import { CookieJar, countingStore, OLD_SECRET, SECRET } from "../helpers.js";
import { faultyStore } from "./faulty-store.js";
import { onStore, realBackends } from "./util.js";

const URL_ = "http://shop.test/";
/** A base64url ticket half: the right shape, so only the HMAC can tell it apart. */
const half = fc.string({
  unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
  minLength: 43,
  maxLength: 43,
});
const nearTicket = fc.tuple(half, half).map(([id, mac]) => `${id}.${mac}`);

/** A request with `header` as its Cookie, or null when the platform itself refuses the header. */
function requestWithCookie(header: string): Request | null {
  try {
    return new Request(URL_, { headers: { cookie: header } });
  } catch {
    return null;
  }
}

function reader(store: SessionStore, secrets: string[] = [SECRET], events: SessionEvent[] = []) {
  return withSession(
    async (_request, ctx) => {
      const session = await ctx.session();
      return Response.json({ isNew: session.isNew, data: Object.fromEntries(session.entries()) });
    },
    { secrets, store, onEvent: (event) => events.push(event) },
  );
}

describe("any Cookie header", () => {
  const header = fc.oneof(
    fc.string({ unit: "binary", maxLength: 300 }),
    fc.string({ unit: "binary-ascii", maxLength: 300 }),
    fc
      .tuple(
        fc.array(
          fc.tuple(
            fc.oneof(fc.constantFrom("sid", " sid ", "SID", "sid.1", "__Host-sid", ""), fc.string({ maxLength: 8 })),
            fc.oneof(
              nearTicket,
              nearTicket.map((ticket) => `"${ticket}"`),
              fc.string({ unit: "binary-ascii", maxLength: 120 }),
            ),
          ),
          { maxLength: 6 },
        ),
        fc.constantFrom("; ", ";", " ; ", ","),
      )
      .map(([pairs, separator]) => pairs.map(([name, value]) => `${name}=${value}`).join(separator)),
  );

  it("never throws, gives a new session, and costs no store read", async () => {
    const store = countingStore(memoryStore());
    const handler = reader(store);
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(header, async (value) => {
        const request = requestWithCookie(value);
        if (!request) return;
        tried++;
        store.reset();
        const response = await handler(request);
        expect(await response.json()).toEqual({ isNew: true, data: {} });
        expect(store.calls.get).toBe(0);
        expect(store.writes()).toBe(0);
      }),
      { numRuns: 300 },
    );
    expect(tried).toBeGreaterThan(100);
  });
});

describe("any change to a valid ticket", () => {
  async function issued(secrets: string[], cookieName = "sid") {
    const memory = memoryStore();
    const handler = withSession(
      async (_request, ctx) => {
        (await ctx.session()).set("user", "ada");
        return new Response("ok");
      },
      { secrets, store: memory, cookie: { name: cookieName } },
    );
    const jar = new CookieJar();
    jar.apply(await handler(jar.request()));
    return { memory, value: jar.cookies.get(cookieName)! };
  }

  /**
   * Sends `sid=<value>` and checks it opened nothing and read nothing. False, checking nothing, when
   * `value` cannot even be sent in a header (a fetch client refuses it before any server sees it).
   */
  async function expectRejected(store: SessionStore, secrets: string[], value: string): Promise<boolean> {
    const counted = countingStore(store);
    const events: SessionEvent[] = [];
    const request = requestWithCookie(`sid=${value}`);
    if (!request) return false;
    const response = await reader(counted, secrets, events)(request);
    expect(await response.json()).toEqual({ isNew: true, data: {} });
    expect(counted.calls.get).toBe(0);
    return true;
  }

  const letters = /[A-Za-z]/;
  type Mutation = (value: string) => string;
  const mutation: fc.Arbitrary<[string, Mutation]> = fc.oneof(
    fc
      .tuple(fc.nat(), fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }))
      .map(([at, char]): [string, Mutation] => [
        `character ${at} replaced by ${JSON.stringify(char)}`,
        (value) => value.slice(0, at % value.length) + char + value.slice((at % value.length) + 1),
      ]),
    fc
      .string({ unit: fc.constantFrom(..."ABCxyz019-_.=!~%\"'/"), minLength: 1, maxLength: 20 })
      .map((tail): [string, Mutation] => [`${JSON.stringify(tail)} appended`, (value) => value + tail]),
    fc
      .nat()
      .map((at): [string, Mutation] => [
        `character ${at} removed`,
        (value) => value.slice(0, at % value.length) + value.slice((at % value.length) + 1),
      ]),
    fc.nat().map((at): [string, Mutation] => [
      `the case of letter ${at} flipped`,
      (value) => {
        const positions = [...value].flatMap((char, index) => (letters.test(char) ? [index] : []));
        const index = positions[at % positions.length]!;
        const char = value[index]!;
        const flipped = char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase();
        return value.slice(0, index) + flipped + value.slice(index + 1);
      },
    ]),
  );

  it("a changed character, trailing bytes, a removed character or a flipped case: rejected before the store", async () => {
    const { memory, value } = await issued([SECRET]);
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(mutation, async ([, mutate]) => {
        const changed = mutate(value);
        // Whitespace around a value and one pair of DQUOTEs are not part of it (RFC 6265bis §5.6).
        fc.pre(changed.trim() !== value && changed !== value);
        if (await expectRejected(memory, [SECRET], changed)) sent++;
      }),
      { numRuns: 300 },
    );
    expect(sent).toBeGreaterThan(150); // most mutations reached the server: the property was not vacuous
    // The untouched ticket still opens the session: the rejections were not for another reason.
    const response = await reader(memory)(requestWithCookie(`sid=${value}`)!);
    expect(await response.json()).toEqual({ isNew: false, data: { user: "ada" } });
  });

  it("a ticket signed for another cookie name is rejected", async () => {
    const { memory, value } = await issued([SECRET], "other");
    expect(await expectRejected(memory, [SECRET], value)).toBe(true);
  });

  it("a ticket signed by a secret since removed is rejected (and accepted while it was listed)", async () => {
    const { memory, value } = await issued([OLD_SECRET]);
    const whileListed = await reader(memory, [SECRET, OLD_SECRET])(requestWithCookie(`sid=${value}`)!);
    expect(await whileListed.json()).toEqual({ isNew: false, data: { user: "ada" } });
    expect(await expectRejected(memory, [SECRET], value)).toBe(true);
  });
});

/** JSON values with unicode (lone surrogates too), awkward keys and nesting. */
const awkwardKey = fc.oneof(
  fc.string({ unit: "binary", maxLength: 10 }),
  fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "__defineGetter__", "", "0", "-1"),
);
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: "small", maxDepth: 6 },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.array(tie("json"), { maxLength: 5 }),
    // Object.fromEntries defines "__proto__" as an own key, as JSON.parse does.
    fc.array(fc.tuple(awkwardKey, tie("json")), { maxLength: 5 }).map((entries) => Object.fromEntries(entries)),
  ),
}));

/**
 * Deep equality for JSON values, written out because a matcher's "same type" check reads
 * `value.constructor`, which is data here (an own "constructor" key).
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length || keysA.some((key, index) => key !== keysB[index])) return false;
  return keysA.every((key) => sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Property runs per store: the networked backends are slower per request. */
const RUNS: Record<string, number> = { memory: 150, "deno-kv": 80, "cloudflare-kv": 40, redis: 80 };
const stores = realBackends().map((backend) => ({ ...backend, runs: RUNS[backend.name]! }));

describe.each(stores)("any JSON value through the $name store", (backend) => {
  const { runs } = backend;
  function app(store: SessionStore) {
    let pending: { key: string; value: unknown } | undefined;
    const handler = withSession(
      async (_request, ctx) => {
        const session = await ctx.session();
        if (pending) {
          session.set(pending.key, pending.value);
          session.flash(`flash:${pending.key}`, pending.value);
        }
        const key = pending?.key;
        return Response.json({
          keys: session.keys(),
          data: session.entries(),
          flash: key === undefined ? null : (session.get(`flash:${key}`) ?? null),
        });
      },
      { secrets: SECRET, store },
    );
    return {
      async roundTrip(key: string, value: unknown) {
        const jar = new CookieJar();
        pending = { key, value };
        jar.apply(await handler(jar.request()));
        pending = undefined;
        const reader = withSession(
          async (_request, ctx) => {
            const session = await ctx.session();
            return Response.json({
              got: session.get(key),
              flashed: session.get(`flash:${key}`),
              has: session.has(key),
              isNew: session.isNew,
            });
          },
          { secrets: SECRET, store },
        );
        // Compare what came back through the store to the value, not to a JSON copy of it.
        const response = await reader(jar.request());
        const text = await response.text();
        return JSON.parse(text) as { got: unknown; flashed: unknown; has: boolean; isNew: boolean };
      },
    };
  }

  it("comes back equal, under any key, set and flashed; Object.prototype is untouched", async () => {
    const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    await onStore(backend, async (store) => {
      const { roundTrip } = app(store);
      await fc.assert(
        fc.asyncProperty(awkwardKey, json, async (key, value) => {
          const back = await roundTrip(key, value);
          expect(back.isNew).toBe(false);
          expect(back.has).toBe(true);
          expect(sameJson(back.got, value)).toBe(true);
          expect(sameJson(back.flashed, value)).toBe(true);
        }),
        { numRuns: runs },
      );
      const deep = (depth: number): unknown =>
        depth === 0 ? "bottom" : depth % 2 ? [deep(depth - 1)] : { __proto__nest: deep(depth - 1) };
      const nested = deep(1000);
      expect(sameJson((await roundTrip("deep", nested)).got, nested)).toBe(true);
    })();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});

/** Every string of an event, its error's message and stack, and its causes', in one text. */
function dump(event: SessionEvent): string {
  const seen = new Set<unknown>();
  return JSON.stringify(event, (_key, value: unknown) => {
    if (value instanceof Error) {
      if (seen.has(value)) return "[seen]";
      seen.add(value);
      return { ...value, name: value.name, message: value.message, stack: value.stack, cause: value.cause };
    }
    return value;
  });
}

describe("events", () => {
  const step = fc.constantFrom("set", "login", "logout", "flash", "read", "forge", "corrupt", "store-down", "conflict");
  it("never carry a session id, a store key's id or a cookie value, over random flows", async () => {
    /** Event types seen over every run, to show the flows reach them. */
    const seenTypes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const memory = memoryStore();
        const store = faultyStore(memory);
        const events: SessionEvent[] = [];
        const handler = withSession(
          async (request, ctx) => {
            const path = new URL(request.url).pathname;
            const session = await ctx.session().catch(() => null);
            if (!session) return new Response("store down", { status: 503 });
            if (path === "/set") session.set("n", (Number(session.get("n")) || 0) + 1);
            if (path === "/login") {
              session.regenerate();
              session.set("user", "ada");
            }
            if (path === "/logout") session.destroy();
            if (path === "/flash") session.flash("note", "hi");
            return new Response("ok");
          },
          { secrets: [SECRET, OLD_SECRET], store, onEvent: (event) => events.push(event) },
        );
        const jar = new CookieJar();
        /** Every cookie value and id the client ever held or sent. */
        const secrets = new Set<string>();
        for (const name of steps) {
          let path = `/${name}`;
          if (name === "forge") jar.cookies.set("sid", `${"A".repeat(43)}.${"B".repeat(43)}`);
          if (name === "corrupt") store.fail("get", { type: "garbage", value: { value: "{corrupt" } });
          if (name === "store-down") store.fail("get", { type: "throw", error: new Error("connection reset") });
          if (name === "conflict") {
            store.fail("compareAndSet", { type: "refuse" });
            path = "/set";
          }
          for (const value of jar.cookies.values()) secrets.add(value);
          const response = await handler(jar.request(`http://shop.test${path}`)).catch(() => null);
          store.heal();
          if (response) jar.apply(response);
          for (const value of jar.cookies.values()) secrets.add(value);
        }
        for (const event of events) seenTypes.add(event.type);
        const text = events.map(dump).join("\n");
        for (const value of secrets) {
          if (value.length < 20) continue;
          const [id, mac] = value.split(".");
          expect(text).not.toContain(value);
          expect(text).not.toContain(id);
          if (mac) expect(text).not.toContain(mac);
        }
      }),
      { numRuns: 60 },
    );
    expect([...seenTypes].sort()).toEqual(["conflict", "created", "destroyed", "regenerated", "store-error", "tampered"]);
  });
});
