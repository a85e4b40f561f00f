// Store faults: a store that throws, hangs, is slow, answers garbage or another key's record.
// Whatever it does, the request fails loudly with a stable code (cause kept), the handler never runs
// on a silently empty session, and no Set-Cookie names data that was not stored.
import { describe, expect, it } from "vitest";
import { memoryStore } from "../../adapters/memory.js";
import { SessionError, type SessionErrorCode, type SessionEvent, withSession } from "../../src/index.js";
import { CookieJar, SECRET } from "../helpers.js";
import { type Fault, faultyStore, type StoreOperation, withoutCompareAndSet } from "./faulty-store.js";
import { storeKeyOf } from "./util.js";

type Kind = "compare-and-set" | "last-write-wins";
const TIMEOUT_MS = 40;

function setup(kind: Kind = "compare-and-set", storeTimeout = TIMEOUT_MS) {
  const memory = memoryStore();
  const store = faultyStore(kind === "compare-and-set" ? memory : withoutCompareAndSet(memory));
  const events: SessionEvent[] = [];
  /** Paths whose handler got past `ctx.session()`. */
  const ran: string[] = [];
  const handler = withSession(
    async (request, ctx) => {
      const url = new URL(request.url);
      const session = await ctx.session();
      ran.push(url.pathname);
      if (url.pathname === "/set") for (const [key, value] of url.searchParams) session.set(key, value);
      if (url.pathname === "/login") {
        session.regenerate();
        session.set("user", url.searchParams.get("user"));
      }
      if (url.pathname === "/logout") session.destroy();
      return Response.json({ isNew: session.isNew, data: Object.fromEntries(session.entries()) });
    },
    { secrets: SECRET, store, storeTimeout, onEvent: (event) => events.push(event) },
  );
  const visit = async (jar: CookieJar, path: string) => {
    const response = await handler(jar.request(`http://shop.test${path}`));
    const setCookie = jar.apply(response);
    return { setCookie, ...((await response.json()) as { isNew: boolean; data: Record<string, unknown> }) };
  };
  const writeOperation: StoreOperation = kind === "compare-and-set" ? "compareAndSet" : "set";
  return { memory, store, events, ran, visit, writeOperation };
}

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

function expectSessionError(error: unknown, code: SessionErrorCode, cause?: unknown): SessionError {
  expect(error).toBeInstanceOf(SessionError);
  const sessionError = error as SessionError;
  expect(sessionError.code).toBe(code);
  expect(sessionError.message).toMatch(/^coatcheck: memory store: /);
  if (cause !== undefined) expect(sessionError.cause).toBe(cause);
  return sessionError;
}

const boom = new Error("the store is down");
/** Each failing fault and the code it must surface as. */
const failures: [string, Fault, SessionErrorCode][] = [
  ["rejects", { type: "throw", error: boom }, "ERR_SESSION_STORE"],
  ["throws synchronously", { type: "throw-sync", error: boom }, "ERR_SESSION_STORE"],
  ["hangs", { type: "hang" }, "ERR_SESSION_STORE_TIMEOUT"],
];

describe.each(["compare-and-set", "last-write-wins"] as Kind[])("a %s store that fails", (kind) => {
  describe.each(failures)("a call that %s", (_, fault, code) => {
    const cause = fault.type === "hang" ? undefined : boom;

    it("on read: the request fails with its code, the handler never sees an empty session, nothing is lost", async () => {
      const { store, events, ran, visit } = setup(kind);
      const jar = new CookieJar();
      await visit(jar, "/set?user=ada");
      const cookie = jar.header();
      ran.length = 0;
      store.fail("get", fault);
      const error = expectSessionError(await rejection(visit(jar, "/set?user=eve")), code, cause);
      expect(ran).toEqual([]);
      expect(events).toContainEqual({ type: "store-error", store: "memory", error });
      expect(jar.header()).toBe(cookie);
      expect((await visit(jar, "/")).data).toEqual({ user: "ada" });
    });

    it("on read: a handler that catches the error and answers anyway sets no cookie", async () => {
      const { store, visit } = setup(kind);
      const jar = new CookieJar();
      await visit(jar, "/set?user=ada");
      store.fail("get", fault);
      const sessions = withSession(
        async (_request, ctx) => {
          const failed = await ctx.session().then(
            () => false,
            () => true,
          );
          return new Response(failed ? "sorry" : "ok", { status: failed ? 503 : 200 });
        },
        { secrets: SECRET, store, storeTimeout: TIMEOUT_MS },
      );
      const response = await sessions(jar.request());
      expect(await response.text()).toBe("sorry");
      expect(response.headers.getSetCookie()).toEqual([]);
    });

    it("on the first write: the request fails and no cookie is set", async () => {
      const { store, memory, events, visit, writeOperation } = setup(kind);
      const jar = new CookieJar();
      store.fail(writeOperation, fault);
      const error = expectSessionError(await rejection(visit(jar, "/set?user=ada")), code, cause);
      expect(jar.header()).toBeUndefined();
      expect(memory.size).toBe(0);
      expect(events.map((event) => event.type)).toEqual(["store-error"]);
      expect(events[0]).toEqual({ type: "store-error", store: "memory", error });
    });

    it("on an update: the request fails, and the stored session is the one before it", async () => {
      const { store, visit, writeOperation } = setup(kind);
      const jar = new CookieJar();
      await visit(jar, "/set?user=ada");
      const cookie = jar.header();
      store.fail(writeOperation, fault);
      expectSessionError(await rejection(visit(jar, "/set?user=eve")), code, cause);
      expect(jar.header()).toBe(cookie);
      expect((await visit(jar, "/")).data).toEqual({ user: "ada" });
    });

    it("on logout: the request fails and the session is still there (a failed logout is visible)", async () => {
      const { store, visit } = setup(kind);
      const jar = new CookieJar();
      await visit(jar, "/set?user=ada");
      store.fail("delete", fault);
      expectSessionError(await rejection(visit(jar, "/logout")), code, cause);
      expect((await visit(jar, "/")).data).toEqual({ user: "ada" });
    });

    it("on login, closing the old id: the request fails, the old session still works", async () => {
      const { store, visit } = setup(kind);
      const jar = new CookieJar();
      await visit(jar, "/set?cart=apple");
      const cookie = jar.header();
      const oldKey = await storeKeyOf(jar);
      const isOld = (key: string) => key === oldKey;
      for (const operation of ["compareAndSet", "set", "delete"] as const) store.fail(operation, fault, Infinity, isOld);
      expectSessionError(await rejection(visit(jar, "/login?user=ada")), code, cause);
      store.heal();
      expect(jar.header()).toBe(cookie);
      expect((await visit(jar, "/")).data).toEqual({ cart: "apple" });
    });

    it("on login, writing the new id: the request fails, the old session still works (nobody is logged out)", async () => {
      const { store, visit } = setup(kind);
      const jar = new CookieJar();
      await visit(jar, "/set?cart=apple");
      const cookie = jar.header();
      // Every write a login makes that is not about the old id is about the new one.
      const oldKey = await storeKeyOf(jar);
      const isNew = (key: string) => key !== oldKey;
      for (const operation of ["compareAndSet", "set"] as const) store.fail(operation, fault, Infinity, isNew);
      expectSessionError(await rejection(visit(jar, "/login?user=ada")), code, cause);
      store.heal();
      expect(jar.header()).toBe(cookie);
      const after = await visit(jar, "/");
      expect(after.isNew).toBe(false);
      expect(after.data).toEqual({ cart: "apple" });
    });
  });

  it("a slow store (under the timeout) changes nothing", async () => {
    const { store, visit } = setup(kind, 2000);
    for (const operation of ["get", "set", "delete", "compareAndSet"] as const) store.fail(operation, { type: "slow", ms: 3 }, Infinity);
    const jar = new CookieJar();
    await visit(jar, "/set?cart=apple");
    await visit(jar, "/set?user=ada");
    expect((await visit(jar, "/")).data).toEqual({ cart: "apple", user: "ada" });
    await visit(jar, "/login?user=bob");
    expect((await visit(jar, "/")).data).toEqual({ cart: "apple", user: "bob" });
    await visit(jar, "/logout");
    expect(jar.header()).toBeUndefined();
  });

  it("a write that lands after the timeout fails the request, and no cookie names it", async () => {
    const { store, memory, visit, writeOperation } = setup(kind);
    const jar = new CookieJar();
    store.fail(writeOperation, { type: "late", ms: TIMEOUT_MS * 3 });
    expectSessionError(await rejection(visit(jar, "/set?user=ada")), "ERR_SESSION_STORE_TIMEOUT");
    expect(jar.header()).toBeUndefined();
    // The record did land, under a key no cookie was ever issued for: unreachable, and it expires.
    expect(memory.size).toBe(1);
  });
});

describe("a store that answers garbage or another key's record", () => {
  const garbage: [string, unknown][] = [
    ["text that is not JSON", { value: "not json {" }],
    ["JSON that is not a record", { value: "[1,2,3]" }],
    ["null as JSON", { value: "null" }],
    ["a record of another version", { value: JSON.stringify({ v: 2, c: 0, t: 0, e: null, d: {} }) }],
    ["a record with a bad timestamp", { value: JSON.stringify({ v: 1, c: "yesterday", t: 0, e: null, d: {} }) }],
    ["a record whose data is an array", { value: JSON.stringify({ v: 1, c: 0, t: 0, e: null, d: [] }) }],
    ["a value that is not a string", { value: 42 }],
    ["a stored value without its value", {}],
    ["a bare string instead of a stored value", "sid=oops"],
  ];

  it.each(garbage)("%s: no session, a `tampered` event, and the old data never shows", async (_, value) => {
    const { store, events, visit } = setup();
    const jar = new CookieJar();
    await visit(jar, "/set?user=ada");
    store.fail("get", { type: "garbage", value });
    const seen = await visit(jar, "/");
    expect(seen).toMatchObject({ isNew: true, data: {} });
    expect(events.filter((event) => event.type === "tampered")).toEqual([{ type: "tampered", store: "memory", reason: "corrupt-record" }]);
    // The empty session expires the cookie: the client holds no ticket to unreadable data.
    expect(jar.header()).toBeUndefined();
  });

  it("another key's record: no session, a `foreign-record` event, none of its data", async () => {
    const { store, events, visit } = setup();
    const bob = new CookieJar();
    await visit(bob, "/set?user=bob&role=admin");
    const alice = new CookieJar();
    await visit(alice, "/set?user=alice");
    store.fail("get", { type: "foreign", key: await storeKeyOf(bob) });
    const seen = await visit(alice, "/set?note=hi");
    expect(seen).toMatchObject({ isNew: true, data: { note: "hi" } });
    expect(events).toContainEqual({ type: "tampered", store: "memory", reason: "foreign-record" });
    expect((await visit(alice, "/")).data).toEqual({ note: "hi" });
    expect((await visit(bob, "/")).data).toEqual({ user: "bob", role: "admin" });
  });

  it("another key's record on the re-read after a conflict: never merged in, the request is interrupted", async () => {
    const { store, events, visit } = setup();
    const bob = new CookieJar();
    await visit(bob, "/set?user=bob&role=admin");
    const alice = new CookieJar();
    await visit(alice, "/set?user=alice");
    // Load normally, lose the compare-and-set, then re-read bob's record under alice's key.
    store.fail("get", { type: "pass" }).fail("get", { type: "foreign", key: await storeKeyOf(bob) });
    store.fail("compareAndSet", { type: "refuse" });
    expectSessionError(await rejection(visit(alice, "/set?note=hi")), "ERR_SESSION_INTERRUPTED");
    expect(events).toContainEqual({ type: "tampered", store: "memory", reason: "foreign-record" });
    expect((await visit(alice, "/")).data).toEqual({ user: "alice" });
  });

  it("a corrupt record on the re-read after a conflict: the request is interrupted, with a `tampered` event", async () => {
    const { store, events, visit } = setup();
    const jar = new CookieJar();
    await visit(jar, "/set?user=ada");
    store.fail("get", { type: "pass" }).fail("get", { type: "garbage", value: { value: "{oops", version: 1 } });
    store.fail("compareAndSet", { type: "refuse" });
    expectSessionError(await rejection(visit(jar, "/set?note=hi")), "ERR_SESSION_INTERRUPTED");
    expect(events).toContainEqual({ type: "tampered", store: "memory", reason: "corrupt-record" });
    expect((await visit(jar, "/")).data).toEqual({ user: "ada" });
  });
});
