import { describe, expect, it } from "vitest";
import { memoryStore } from "../../adapters/memory.js";
import { defineStoreConformance } from "./conformance.js";

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
});
