import { describe, expect, it } from "vitest";
import { memoryStore } from "../../adapters/memory.js";
import { withSession } from "../../src/index.js";
import { defineStoreConformance } from "../../src/testing.js";
import { CookieJar, fakeClock, SECRET } from "../helpers.js";

defineStoreConformance(
  { describe, it },
  {
    name: "memory",
    create: async (clock) => ({ store: memoryStore({ clock }) }),
    capabilities: { compareAndSet: true, largeValueBytes: 1 << 20 },
  },
);

describe("memory store", () => {
  const far = { expiresAt: Date.UTC(2100, 0), ttlSeconds: 1e6, touchOnly: false };

  it("holds at most maxEntries, evicting the least recently used", async () => {
    const store = memoryStore({ maxEntries: 3 });
    for (const key of ["a", "b", "c"]) await store.set(key, key, far);
    await store.get("a"); // a is now the most recently used
    await store.set("d", "d", far);
    expect(store.size).toBe(3);
    expect(await store.get("b")).toBeNull();
    expect((await store.get("a"))?.value).toBe("a");
    expect((await store.get("d"))?.value).toBe("d");
  });

  it("stays bounded under a flood of new keys", async () => {
    const store = memoryStore({ maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) await store.set(`k${i}`, "v", far);
    expect(store.size).toBe(100);
  });

  it("rejects a bad maxEntries with a clear error", () => {
    expect(() => memoryStore({ maxEntries: 0 })).toThrowError(/memory store: `maxEntries` must be a positive integer/);
  });

  it("keeps every session that came back through exactly maxEntries, then twice as many, one-request visitors", async () => {
    for (const visitors of [10_000, 20_000]) {
      const store = memoryStore(); // the default maxEntries, 10,000
      for (let i = 0; i < 50; i++) await store.set(`user${i}`, `u${i}`, far);
      for (let i = 0; i < 50; i++) await store.get(`user${i}`);
      for (let i = 0; i < visitors; i++) await store.compareAndSet!(`visitor${i}`, "v", null, far);
      expect(store.size).toBe(10_000);
      for (let i = 0; i < 50; i++) expect((await store.get(`user${i}`))?.value).toBe(`u${i}`);
    }
  });

  it("keeps a returning user logged in through a flood of one-request visitors, through the session API", async () => {
    type Data = { user?: string };
    const handler = withSession<Data>(
      async (request, ctx) => {
        const session = await ctx.session();
        if (new URL(request.url).pathname === "/login") session.set("user", "ada");
        return new Response(session.get("user") ?? "anonymous");
      },
      { secrets: [SECRET], store: memoryStore({ maxEntries: 100 }) },
    );
    const ada = new CookieJar();
    ada.apply(await handler(ada.request("http://shop.test/login")));
    expect(await (await handler(ada.request())).text()).toBe("ada"); // she comes back once
    for (let i = 0; i < 200; i++) await handler(new Request("http://shop.test/login"));
    expect(await (await handler(ada.request())).text()).toBe("ada");
  });

  it("leaves new sessions room to come back beside returning ones: 80% of maxEntries at most are protected", async () => {
    const store = memoryStore({ maxEntries: 10 });
    const users = Array.from({ length: 10 }, (_, i) => `user${i}`);
    for (const key of users) await store.set(key, key, far);
    for (const key of users) await store.get(key); // all came back; user0 and user1 are demoted again
    await store.set("newcomer", "newcomer", far);
    await store.compareAndSet!("visitor", "v", null, far);
    expect((await store.get("newcomer"))?.value).toBe("newcomer"); // came back: protected, demoting user2
    for (let i = 0; i < 100; i++) await store.compareAndSet!(`visitor${i}`, "v", null, far);
    for (const key of users.slice(0, 3)) expect(await store.get(key)).toBeNull();
    for (const key of [...users.slice(3), "newcomer"]) expect((await store.get(key))?.value).toBe(key);
  });

  it("evicts an expired session before a live new one", async () => {
    const clock = fakeClock();
    const store = memoryStore({ maxEntries: 3, clock });
    await store.set("new1", "new1", far);
    await store.set("new2", "new2", far);
    await store.set("short", "short", { ...far, expiresAt: clock() + 1000 });
    await store.get("short"); // protected and the most recently used, but it will have expired
    clock.advance(2);
    await store.set("new3", "new3", far);
    expect(store.size).toBe(3);
    for (const key of ["new1", "new2", "new3"]) expect((await store.get(key))?.value).toBe(key);
  });

  it("stays under maxBytes, keeping the most recent sessions", async () => {
    const MiB = 1024 * 1024;
    const store = memoryStore({ maxBytes: 8 * MiB });
    const value = "x".repeat(MiB / 2 - 8); // with its key, 1 MiB counted as two bytes per UTF-16 code unit
    for (let i = 0; i < 40; i++) await store.set(`k${i}`.padEnd(8, "."), value, far);
    expect(store.bytes).toBeLessThanOrEqual(8 * MiB);
    expect(store.bytes).toBe(8 * MiB);
    expect(store.size).toBe(8);
    for (let i = 32; i < 40; i++) expect((await store.get(`k${i}`.padEnd(8, ".")))?.value).toBe(value);
    expect(await store.get("k31".padEnd(8, "."))).toBeNull();
  });

  it("counts bytes down as sessions are deleted, overwritten and expire", async () => {
    const store = memoryStore();
    await store.set("ab", "1234", far);
    expect(store.bytes).toBe(12);
    await store.set("ab", "12", far);
    expect(store.bytes).toBe(8);
    await store.delete("ab");
    expect(store.bytes).toBe(0);
    await store.set("ab", "12", { ...far, expiresAt: 0 });
    expect(await store.get("ab")).toBeNull();
    expect(store.bytes).toBe(0);
  });

  it("refuses a session larger than maxBytes, saying what to change, and keeps the old one", async () => {
    const store = memoryStore({ maxBytes: 1024 });
    await store.set("k", "small", far);
    const tooLarge = { code: "ERR_SESSION_TOO_LARGE", message: expect.stringMatching(/^coatcheck: memory store: .*Raise `maxBytes`/) };
    await expect(store.set("k", "x".repeat(600), far)).rejects.toMatchObject(tooLarge);
    const { version } = (await store.get("k"))!;
    await expect(store.compareAndSet!("k", "x".repeat(600), version!, far)).rejects.toMatchObject(tooLarge);
    expect((await store.get("k"))?.value).toBe("small");
    expect(store.size).toBe(1);
  });

  it("rejects a bad maxBytes with a clear error", () => {
    for (const maxBytes of [0, -1, 1.5, Number.NaN]) {
      expect(() => memoryStore({ maxBytes })).toThrowError(
        expect.objectContaining({
          code: "ERR_SESSION_OPTIONS",
          message: expect.stringMatching(/memory store: `maxBytes` must be a positive integer/),
        }),
      );
    }
  });
});
