// The one store suite every adapter passes, against its real backend. It depends on no
// test runner: pass it `describe`/`it` from vitest, bun:test or the small runner in
// test/runtimes/entries/deno-runner.ts, and it uses node:assert, which Node, Deno, Bun and workerd
// all have, and the shared helpers, which import nothing at run time.
// Capabilities are flags that skip cases, never a fork of the suite: a sealed-cookie store (no
// get/set/delete) runs only the session-level cases, through the same handler code.
import assert from "node:assert/strict";
import {
  type AnySessionStore,
  createSessions,
  type Session,
  type SessionEvent,
  type SessionOptions,
  type SessionStore,
  type Sessions,
  type StoreWriteOptions,
  withSession,
} from "../../src/index.js";
import { userIndexKey } from "../../src/user-index.js";
import { CookieJar, fakeClock, heldWrites, SECRET } from "../helpers.js";

export interface ConformanceFixture<Store extends AnySessionStore = SessionStore> {
  store: Store;
  /** The clock the store was built with, moved by the expiry case. */
  clock: { (): number; advance(seconds: number): void };
  cleanup?(): Promise<void> | void;
}

export interface ConformanceTarget {
  name: string;
  /** A fresh store over an empty backend, built with the given clock. */
  create(clock: ConformanceFixture["clock"]): Promise<Omit<ConformanceFixture<AnySessionStore>, "clock">>;
  capabilities: KeyValueCapabilities | SealedCapabilities;
}

/** An id-backed store (`SessionStore`): every case applies. */
export interface KeyValueCapabilities {
  sealed?: false;
  compareAndSet: boolean;
  /** Largest value the store must round-trip, in bytes. */
  largeValueBytes: number;
}

/** A sealed-cookie store (`SealedCookieStore`): only the session-level cases apply. */
export interface SealedCapabilities {
  sealed: true;
}

type Runner = { describe(name: string, body: () => void): void; it(name: string, body: () => Promise<void>): void };

/** One browser: its cookie jar, and requests through `sessions` that act on the session. */
class Device {
  readonly jar = new CookieJar();
  constructor(private readonly sessions: Sessions) {}

  /** A request in flight: its session loaded; `send()` commits it and keeps the cookies it sets. */
  async begin(): Promise<{ session: Session; send(): Promise<Session> }> {
    const handle = await this.sessions.open(this.jar.request("https://shop.test/"));
    const session = await handle.session();
    return {
      session,
      send: async () => {
        this.jar.apply(await handle.commit(new Response()));
        return session;
      },
    };
  }

  async visit(act: (session: Session) => void = () => {}): Promise<Session> {
    const request = await this.begin();
    act(request.session);
    return request.send();
  }
}

/** Log in, as the README says: a new id, then the user. */
const login =
  (user = "ada") =>
  (session: Session) => {
    session.regenerate();
    session.setUser(user);
  };

const refsOf = (entries: { ref: string }[]) => entries.map((entry) => entry.ref).sort();

function writeOptions(clock: () => number, seconds = 3600, touchOnly = false): StoreWriteOptions {
  return { expiresAt: clock() + seconds * 1000, ttlSeconds: seconds, touchOnly };
}

export function defineStoreConformance({ describe, it }: Runner, target: ConformanceTarget): void {
  const capabilities = target.capabilities;
  const withFixture = <Store extends AnySessionStore>(name: string, body: (fixture: ConformanceFixture<Store>) => Promise<void>) =>
    it(name, async () => {
      const clock = fakeClock();
      const fixture = { ...(await target.create(clock)), clock } as ConformanceFixture<Store>;
      try {
        await body(fixture);
      } finally {
        await fixture.cleanup?.();
      }
    });
  /** A store-level case: registered only for id-backed stores. */
  const test = (name: string, body: (fixture: ConformanceFixture) => Promise<void>) => {
    if (!capabilities.sealed) withFixture(name, body);
  };
  /** A session-level case: runs against every store, through the public API only. */
  const sessionTest = (name: string, body: (fixture: ConformanceFixture<AnySessionStore>) => Promise<void>) => withFixture(name, body);
  const { compareAndSet, largeValueBytes } = capabilities.sealed ? { compareAndSet: false, largeValueBytes: 0 } : capabilities;

  describe(`${target.name} store conformance`, () => {
    test("has a name", async ({ store }) => {
      assert.equal(typeof store.name, "string");
      assert.ok(store.name.length > 0);
    });

    test("get of a missing key is null", async ({ store }) => {
      assert.equal(await store.get("missing"), null);
    });

    test("set then get returns the value; set again overwrites", async ({ store, clock }) => {
      await store.set("k1", '{"a":1}', writeOptions(clock));
      assert.equal((await store.get("k1"))?.value, '{"a":1}');
      await store.set("k1", '{"a":2}', writeOptions(clock));
      assert.equal((await store.get("k1"))?.value, '{"a":2}');
    });

    test("keys are independent, and delete removes only its key", async ({ store, clock }) => {
      await store.set("left", "L", writeOptions(clock));
      await store.set("right", "R", writeOptions(clock));
      await store.delete("left");
      await store.delete("never-there");
      assert.equal(await store.get("left"), null);
      assert.equal((await store.get("right"))?.value, "R");
    });

    test("values round-trip exactly: unicode, quotes, control characters", async ({ store, clock }) => {
      const value = JSON.stringify({ s: "é漢字🧥\"'\\\n\t\u0000\u2028", n: [1.5, -0, 1e300], o: { __proto__: 1 } });
      await store.set("unicode", value, writeOptions(clock));
      assert.equal((await store.get("unicode"))?.value, value);
    });

    test(`a large value (${largeValueBytes} bytes) round-trips whole`, async ({ store, clock }) => {
      const value = JSON.stringify({ blob: "x".repeat(largeValueBytes - 12) });
      await store.set("large", value, writeOptions(clock));
      const found = await store.get("large");
      assert.equal(found?.value.length, value.length);
      assert.equal(found?.value, value);
    });

    test("a value is not returned past its expiry", async ({ store, clock }) => {
      await store.set("short", "S", writeOptions(clock, 120));
      await store.set("long", "L", writeOptions(clock, 7200));
      clock.advance(121);
      assert.equal(await store.get("short"), null);
      assert.equal((await store.get("long"))?.value, "L");
    });

    if (compareAndSet) {
      test("compareAndSet with null creates only an absent key", async ({ store, clock }) => {
        assert.equal(await store.compareAndSet!("cas", "first", null, writeOptions(clock)), true);
        assert.equal(await store.compareAndSet!("cas", "second", null, writeOptions(clock)), false);
        assert.equal((await store.get("cas"))?.value, "first");
      });

      test("compareAndSet writes only over the version it read, and every write changes the version", async ({ store, clock }) => {
        await store.set("cas", "v1", writeOptions(clock));
        const read = (await store.get("cas"))!;
        assert.notEqual(read.version, undefined);
        assert.equal(await store.compareAndSet!("cas", "v2", read.version!, writeOptions(clock)), true);
        const after = (await store.get("cas"))!;
        assert.notEqual(after.version, read.version);
        assert.equal(await store.compareAndSet!("cas", "stale", read.version!, writeOptions(clock)), false);
        assert.equal((await store.get("cas"))?.value, "v2");
      });

      test("compareAndSet never recreates a deleted key", async ({ store, clock }) => {
        await store.set("gone", "v1", writeOptions(clock));
        const read = (await store.get("gone"))!;
        await store.delete("gone");
        assert.equal(await store.compareAndSet!("gone", "zombie", read.version!, writeOptions(clock)), false);
        assert.equal(await store.get("gone"), null);
      });
    }

    if (compareAndSet) {
      test("users: 50 concurrent logins of one user from 5 isolates, all loaded and at their first write before any proceeds, are all listed; revokeAll ends all 50", async ({
        store,
        clock,
      }) => {
        const indexKey = await userIndexKey("ada");
        let armed = false;
        // Gate 1: each login's new session record. Gate 2: the index, where each isolate's first
        // index write (an isolate queues its own) meets the other isolates' at compare-and-set.
        const records = heldWrites(store, (key, operation) => armed && key !== indexKey && operation === "compareAndSet");
        const index = heldWrites(records.store, (key) => key === indexKey);
        // A store object of its own per isolate: nothing in the process is shared but the backend.
        const isolates = Array.from({ length: 5 }, () => createSessions({ secrets: SECRET, store: { ...index.store }, clock }));
        const devices = Array.from({ length: 50 }, (_, at) => new Device(isolates[at % 5]!));
        for (const device of devices) await device.visit((session) => session.set("cart", 1));
        armed = true;
        const logins = devices.map((device) => device.visit(login()));
        await records.arrived(50);
        records.release();
        await index.arrived(5);
        index.release();
        const sessions = isolates[0]!;
        const refs = (await Promise.all(logins)).map((session) => session.ref!);
        assert.equal(new Set(refs).size, 50);
        assert.deepEqual(refsOf(await sessions.list("ada")), [...refs].sort());
        assert.equal(await sessions.revokeAll("ada"), 50);
        // The index itself is emptied, not left for list to clean.
        const stored = await store.get(indexKey);
        assert.deepEqual(stored ? Object.keys(JSON.parse(stored.value)) : [], []);
        assert.deepEqual(await sessions.list("ada"), []);
        for (const device of devices) {
          const session = await device.visit();
          assert.equal(session.user, undefined);
          assert.equal(session.isNew, true);
        }
      });

      test("users (better-auth#11073), a missing index: list and revokeAll find nothing and do not throw; a session found again once it re-registers (login or touch); userVersion ends the rest", async ({
        store,
        clock,
      }) => {
        const versions = new Map([["ada", 1]]);
        const sessions = createSessions({
          secrets: SECRET,
          store,
          clock,
          maxAge: 3600,
          touchAfter: 60,
          userVersion: (user) => versions.get(user) ?? 0,
        });
        const [lost, relogged, touched] = [new Device(sessions), new Device(sessions), new Device(sessions)];
        for (const device of [lost, relogged, touched]) await device.visit(login());
        await store.delete(await userIndexKey("ada"));
        assert.deepEqual(await sessions.list("ada"), []);
        assert.equal(await sessions.revokeAll("ada"), 0);
        // Re-registered: a new login, and an unmodified request once touchAfter has passed.
        const again = await relogged.visit(login());
        clock.advance(61);
        const touch = await touched.visit();
        assert.deepEqual(refsOf(await sessions.list("ada")), [again.ref!, touch.ref!].sort());
        assert.equal(await sessions.revokeAll("ada"), 2);
        for (const device of [relogged, touched]) assert.equal((await device.visit()).user, undefined);
        // The guarantee's limit: a session the lost index held and that has not re-registered since
        // is not found by revokeAll. The app's userVersion, bumped with it, ends it on its next load.
        assert.equal((await lost.visit()).user, "ada");
        versions.set("ada", 2);
        const ended = await lost.visit();
        assert.equal(ended.user, undefined);
        assert.equal(ended.isNew, true);
        assert.deepEqual(await sessions.list("ada"), []);
      });

      test("users (better-auth#11073), a refresh after revoke: a request in flight when its session was revoked fails with ERR_SESSION_INTERRUPTED and brings nothing back (a write, a touch, a re-login)", async ({
        store,
        clock,
      }) => {
        const sessions = createSessions({ secrets: SECRET, store, clock, maxAge: 3600, touchAfter: 60 });
        const [writer, toucher, relogger] = [new Device(sessions), new Device(sessions), new Device(sessions)];
        for (const device of [writer, toucher, relogger]) await device.visit(login());
        clock.advance(61);
        const inFlight = await Promise.all([writer.begin(), toucher.begin(), relogger.begin()]);
        assert.equal(await sessions.revoke(inFlight[1].session.ref!), true);
        assert.equal(await sessions.revokeAll("ada"), 2);
        inFlight[0].session.set("cart", 2);
        login()(inFlight[2].session);
        for (const request of inFlight) await assert.rejects(request.send(), { code: "ERR_SESSION_INTERRUPTED" });
        assert.deepEqual(await sessions.list("ada"), []);
        for (const device of [writer, toucher, relogger]) {
          const session = await device.visit();
          assert.equal(session.user, undefined);
          assert.equal(session.isNew, true);
        }
      });

      test("users (better-auth#11073), a login after revokeAll is listed and works; the revoked sessions stay ended", async ({
        store,
        clock,
      }) => {
        const sessions = createSessions({ secrets: SECRET, store, clock });
        const [first, second] = [new Device(sessions), new Device(sessions)];
        for (const device of [first, second]) await device.visit(login());
        assert.equal(await sessions.revokeAll("ada"), 2);
        const again = await first.visit(login());
        assert.deepEqual(refsOf(await sessions.list("ada")), [again.ref!]);
        assert.equal((await first.visit()).user, "ada");
        assert.equal((await second.visit()).user, undefined);
        assert.equal(await sessions.revokeAll("ada"), 1);
        assert.equal((await first.visit()).user, undefined);
      });

      test("users: a session regenerated while another isolate's revokeAll runs does not survive under its new id, whichever lands first", async ({
        store,
        clock,
      }) => {
        const indexKey = await userIndexKey("ada");
        // (1) The regenerating request is held at its index write while revokeAll runs whole.
        let holdIndex = false;
        const first = heldWrites(store, (key) => key === indexKey && holdIndex && !(holdIndex = false));
        const sessions = createSessions({ secrets: SECRET, store: first.store, clock });
        const early = new Device(sessions);
        await early.visit(login());
        holdIndex = true;
        const regenerating = early.visit((session) => session.regenerate());
        await first.arrived(1);
        // From another isolate: this one's index changes queue behind the held one.
        assert.equal(await createSessions({ secrets: SECRET, store: { ...first.store }, clock }).revokeAll("ada"), 1);
        first.release();
        await assert.rejects(regenerating, { code: "ERR_SESSION_INTERRUPTED" });
        assert.equal((await early.visit()).user, undefined);
        assert.deepEqual(await sessions.list("ada"), []);

        // (2) revokeAll is held at its write that ends the old key (a delete, or a compare-and-set of
        // a tombstone where the store has it) while the regenerating request runs whole.
        let oldRef: string | undefined;
        const second = heldWrites(
          store,
          (key, operation) => (operation === "delete" || operation === "compareAndSet") && key === oldRef && !(oldRef = undefined),
        );
        const late = new Device(createSessions({ secrets: SECRET, store: second.store, clock }));
        oldRef = (await late.visit(login())).ref;
        const revoking = createSessions({ secrets: SECRET, store: { ...second.store }, clock }).revokeAll("ada");
        await second.arrived(1);
        await late.visit((session) => session.regenerate());
        second.release();
        await revoking;
        assert.equal((await late.visit()).user, undefined);
        assert.deepEqual(await sessions.list("ada"), []);
      });

      test("users: revokeAll with except keeps exactly that one session", async ({ store, clock }) => {
        const sessions = createSessions({ secrets: SECRET, store, clock });
        const devices = [new Device(sessions), new Device(sessions), new Device(sessions)];
        const refs = [];
        for (const device of devices) refs.push((await device.visit(login())).ref!);
        assert.equal(await sessions.revokeAll("ada", { except: refs[1] }), 2);
        assert.deepEqual(refsOf(await sessions.list("ada")), [refs[1]]);
        assert.deepEqual(await Promise.all(devices.map(async (device) => (await device.visit()).user)), [undefined, "ada", undefined]);
      });

      test("users: expired sessions are never listed, by the store's expiry or by the policy's", async ({ store, clock }) => {
        const sessions = createSessions({ secrets: SECRET, store, clock, maxAge: 3600 });
        const [older, newer] = [new Device(sessions), new Device(sessions)];
        await older.visit(login());
        clock.advance(1800);
        const kept = await newer.visit(login());
        clock.advance(1801);
        const listed = await sessions.list("ada");
        assert.deepEqual(refsOf(listed), [kept.ref!]);
        assert.equal(listed[0]!.lastSeenAt, clock() - 1801 * 1000);
        // Expired by the policy, though the store still keeps it (maxAge lowered since it was written).
        const shorter = createSessions({ secrets: SECRET, store, clock, maxAge: 1000 });
        assert.deepEqual(await shorter.list("ada"), []);
        clock.advance(1800);
        assert.deepEqual(await sessions.list("ada"), []);
        assert.equal(await sessions.revokeAll("ada"), 0);
      });
    }

    sessionTest(
      "users: a bump of userVersion ends the user's sessions on their next load (a revoked event); another user's stay",
      async ({ store, clock }) => {
        const versions = new Map([
          ["ada", 1],
          ["bob", 1],
        ]);
        const events: SessionEvent["type"][] = [];
        const options: SessionOptions = {
          secrets: SECRET,
          store,
          clock,
          userVersion: (user) => versions.get(user) ?? 0,
          onEvent: (event) => events.push(event.type),
        };
        const sessions = createSessions(options);
        const [ada, bob] = [new Device(sessions), new Device(sessions)];
        await ada.visit(login("ada"));
        await bob.visit(login("bob"));
        versions.set("ada", 2);
        events.length = 0;
        const ended = await ada.visit();
        assert.equal(ended.user, undefined);
        assert.equal(ended.isNew, true);
        assert.ok(events.includes("revoked"));
        assert.equal(ada.jar.header(), undefined);
        assert.equal((await bob.visit()).user, "bob");
        await ada.visit(login("ada"));
        assert.equal((await ada.visit()).user, "ada");
      },
    );

    sessionTest("runs a whole session: create, read, regenerate, destroy", async ({ store, clock }) => {
      type Data = { cart?: Record<string, number>; user?: string };
      const handler = withSession<Data>(
        async (request, ctx) => {
          const session = await ctx.session();
          const path = new URL(request.url).pathname;
          if (path === "/add") session.set("cart", { ...session.get("cart"), apple: (session.get("cart")?.apple ?? 0) + 1 });
          if (path === "/login") {
            session.regenerate();
            session.set("user", "ada");
          }
          if (path === "/logout") session.destroy();
          return Response.json({ cart: session.get("cart") ?? {}, user: session.get("user") ?? null });
        },
        { secrets: SECRET, store, clock },
      );
      const jar = new CookieJar();
      const visit = async (path: string) => {
        const response = await handler(jar.request(`https://shop.test${path}`));
        jar.apply(response);
        return (await response.json()) as { cart: Record<string, number>; user: string | null };
      };
      await visit("/add");
      assert.deepEqual(await visit("/add"), { cart: { apple: 2 }, user: null });
      const before = jar.header();
      assert.deepEqual(await visit("/login"), { cart: { apple: 2 }, user: "ada" });
      assert.notEqual(jar.header(), before);
      assert.deepEqual(await visit("/"), { cart: { apple: 2 }, user: "ada" });
      await visit("/logout");
      assert.equal(jar.header(), undefined);
      assert.deepEqual(await visit("/"), { cart: {}, user: null });
    });

    sessionTest("flash is read once; an idle session expires after maxAge, however the store kept it", async ({ store, clock }) => {
      const handler = withSession<{ n?: number; notice?: string }>(
        async (request, ctx) => {
          const session = await ctx.session();
          if (new URL(request.url).pathname === "/add") {
            session.set("n", (session.get("n") ?? 0) + 1);
            session.flash("notice", "added");
          }
          return Response.json({ n: session.get("n") ?? 0, notice: session.get("notice") ?? null, isNew: session.isNew });
        },
        { secrets: SECRET, store, clock, maxAge: 3600 },
      );
      const jar = new CookieJar();
      const visit = async (path: string) => {
        const response = await handler(jar.request(`https://shop.test${path}`));
        jar.apply(response);
        return (await response.json()) as { n: number; notice: string | null; isNew: boolean };
      };
      assert.deepEqual(await visit("/add"), { n: 1, notice: null, isNew: true });
      assert.deepEqual(await visit("/"), { n: 1, notice: "added", isNew: false });
      assert.deepEqual(await visit("/"), { n: 1, notice: null, isNew: false });
      clock.advance(3601);
      assert.deepEqual(await visit("/"), { n: 0, notice: null, isNew: true });
    });

    if (compareAndSet) {
      test("two concurrent requests changing different keys both persist", async ({ store, clock }) => {
        const sessions = createSessions<Record<string, number>>({ secrets: SECRET, store, clock });
        const first = await sessions.open(new Request("https://shop.test/"));
        (await first.session()).set("base", 1);
        const cookie = (await first.commit(new Response())).headers.get("set-cookie")!.split(";")[0]!;
        const request = () => new Request("https://shop.test/", { headers: { cookie } });
        const tabs = await Promise.all([sessions.open(request()), sessions.open(request())]);
        const [one, two] = await Promise.all(tabs.map((tab) => tab.session()));
        one!.set("a", 1);
        two!.set("b", 2);
        await Promise.all([tabs[0]!.commit(new Response()), tabs[1]!.commit(new Response())]);
        const check = await sessions.open(request());
        assert.deepEqual(Object.fromEntries((await check.session()).entries()), { base: 1, a: 1, b: 2 });
      });

      test("concurrent update() of one key all count: the function runs again on the fresher value", async ({ store, clock }) => {
        const sessions = createSessions<Record<string, number>>({ secrets: SECRET, store, clock });
        const first = await sessions.open(new Request("https://shop.test/"));
        (await first.session()).set("count", 0);
        const cookie = (await first.commit(new Response())).headers.get("set-cookie")!.split(";")[0]!;
        const request = () => new Request("https://shop.test/", { headers: { cookie } });
        const tabs = await Promise.all([1, 2, 3, 4, 5].map(() => sessions.open(request())));
        const loaded = await Promise.all(tabs.map((tab) => tab.session()));
        for (const session of loaded)
          assert.equal(
            session.update("count", (count = 0) => count + 1),
            1,
          );
        await Promise.all(tabs.map((tab) => tab.commit(new Response())));
        const check = await sessions.open(request());
        assert.equal((await check.session()).get("count"), 5);
      });
    }
  });
}

/** One case of the suite, named "describe > it". */
export interface ConformanceCase {
  name: string;
  body: () => Promise<void>;
}

/** The suite as a flat list of cases, for runners with no describe/it of their own (Deno, workerd). */
export function collectStoreConformance(target: ConformanceTarget): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  const path: string[] = [];
  defineStoreConformance(
    {
      describe(name, body) {
        path.push(name);
        body();
        path.pop();
      },
      it(name, body) {
        cases.push({ name: [...path, name].join(" > "), body });
      },
    },
    target,
  );
  return cases;
}
