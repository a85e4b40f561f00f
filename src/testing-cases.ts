// The cases of the store conformance suite that `coatcheck/testing` registers: the store contract
// (get, set with expiry, delete, compare-and-set), the users cases (testing-users.ts), then whole
// sessions through the public API.
import type { AnySessionStore, StoreWriteOptions } from "./store.js";
import type { ConformanceClock, ConformanceFixture } from "./testing.js";
import * as assert from "./testing-assert.js";
import { CookieJar, SECRET } from "./testing-helpers.js";
import { registerUserCases } from "./testing-users.js";
import { createSessions, withSession } from "./with-session.js";

/** How the entry registers a case: `test` for id-backed stores only, `sessionTest` for every store. */
export interface CaseRegistry {
  test(name: string, body: (fixture: ConformanceFixture) => Promise<void>): void;
  sessionTest(name: string, body: (fixture: ConformanceFixture<AnySessionStore>) => Promise<void>): void;
}

/** Where the suite's clock starts: 2026-01-01T00:00:00Z. */
const CLOCK_START = Date.UTC(2026, 0, 1);

export function conformanceClock(): ConformanceClock {
  let now = CLOCK_START;
  const clock = () => now;
  clock.advance = (seconds: number) => {
    now += seconds * 1000;
  };
  return clock;
}

function writeOptions(clock: () => number, seconds = 3600, touchOnly = false): StoreWriteOptions {
  return { expiresAt: clock() + seconds * 1000, ttlSeconds: seconds, touchOnly };
}

/** Registers every case that applies to a store with these capabilities, in the suite's order. */
export function registerConformanceCases(
  { test, sessionTest }: CaseRegistry,
  { compareAndSet, largeValueBytes }: { compareAndSet: boolean; largeValueBytes: number },
): void {
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
      const created = await store.compareAndSet!("cas", "first", null, writeOptions(clock));
      assert.ok(created, "the create was refused");
      assert.equal(await store.compareAndSet!("cas", "second", null, writeOptions(clock)), false);
      const found = await store.get("cas");
      assert.equal(found?.value, "first");
      if (created !== true) assert.equal(created.version, found?.version, "the version told is not the one a read returns");
    });

    test("compareAndSet writes only over the version it read, and every write changes the version", async ({ store, clock }) => {
      await store.set("cas", "v1", writeOptions(clock));
      const read = (await store.get("cas"))!;
      assert.notEqual(read.version, undefined);
      assert.ok(await store.compareAndSet!("cas", "v2", read.version!, writeOptions(clock)), "the write over the version read was refused");
      const after = (await store.get("cas"))!;
      assert.notEqual(after.version, read.version);
      assert.equal(await store.compareAndSet!("cas", "stale", read.version!, writeOptions(clock)), false);
      assert.equal((await store.get("cas"))?.value, "v2");
    });

    test("compareAndSet answers true, or the version it wrote: the one a read returns, and one a compareAndSet accepts", async ({
      store,
      clock,
    }) => {
      await store.set("told", "v0", writeOptions(clock));
      const read = (await store.get("told"))!;
      const first = await store.compareAndSet!("told", "v1", read.version!, writeOptions(clock));
      assert.ok(first, "the write over the version read was refused");
      if (first === true) return;
      const { version } = first;
      assert.ok(
        typeof version === "string" || typeof version === "number",
        `compareAndSet answered ${JSON.stringify(first)}, not true or { version }`,
      );
      assert.equal(version, (await store.get("told"))?.version, "the version told is not the one a read returns");
      const second = await store.compareAndSet!("told", "v2", version, writeOptions(clock));
      assert.ok(second, "a compareAndSet with the version told was refused");
      if (second !== true) {
        assert.notEqual(second.version, version, "the second write told the first one's version");
        assert.equal(second.version, (await store.get("told"))?.version, "the version told is not the one a read returns");
      }
      assert.equal(await store.compareAndSet!("told", "stale", version, writeOptions(clock)), false);
      assert.equal((await store.get("told"))?.value, "v2");
    });

    test("compareAndSet never recreates a deleted key", async ({ store, clock }) => {
      await store.set("gone", "v1", writeOptions(clock));
      const read = (await store.get("gone"))!;
      await store.delete("gone");
      assert.equal(await store.compareAndSet!("gone", "zombie", read.version!, writeOptions(clock)), false);
      assert.equal(await store.get("gone"), null);
    });
  }

  registerUserCases({ test, sessionTest }, { compareAndSet });

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
}
