// coatcheck/testing catches broken stores: each store below breaks one rule of the contract, and
// the suite fails on the cases about that rule, with its own assertion error, and on no other.
import { describe, expect, it } from "vitest";
import { memoryStore } from "../adapters/memory.js";
import type { SessionStore } from "../src/index.js";
import { ConformanceAssertionError, type ConformanceTarget, collectStoreConformance, type KeyValueCapabilities } from "../src/testing.js";

const CAPABILITIES: KeyValueCapabilities = { compareAndSet: true, largeValueBytes: 64 * 1024 };

/** The names of the cases that fail, with the error of the first. */
async function failingCases(name: string, broken: (store: SessionStore) => SessionStore): Promise<string[]> {
  const target: ConformanceTarget = {
    name,
    create: async (clock) => ({ store: broken(memoryStore({ clock })) }),
    capabilities: CAPABILITIES,
  };
  const failed: string[] = [];
  for (const { name, body } of collectStoreConformance(target)) {
    try {
      await body();
    } catch (error) {
      expect(error, name).toBeInstanceOf(Error);
      failed.push(name.slice(name.indexOf(" > ") + 3));
    }
  }
  return failed;
}

describe("coatcheck/testing", () => {
  it("passes the memory store whole", async () => {
    expect(await failingCases("memory", (store) => store)).toEqual([]);
  });

  it("fails a store that ignores the expiry", async () => {
    const forever = new Map<string, string>();
    const failed = await failingCases("forever", (store) => ({
      ...store,
      get: async (key) => (forever.has(key) ? { value: forever.get(key)!, version: forever.get(key)! } : null),
      set: async (key, value) => void forever.set(key, value),
      delete: async (key) => void forever.delete(key),
      compareAndSet: undefined,
    }));
    forever.clear();
    expect(failed).toContain("a value is not returned past its expiry");
  });

  it("fails a store whose compareAndSet always writes", async () => {
    const failed = await failingCases("blind-cas", (store) => ({
      ...store,
      compareAndSet: async (key, value, _expected, options) => (await store.set(key, value, options), true),
    }));
    expect(failed).toEqual(
      expect.arrayContaining(["compareAndSet with null creates only an absent key", "compareAndSet never recreates a deleted key"]),
    );
  });

  it("passes a store whose compareAndSet answers a plain true, as before it could tell its version", async () => {
    const failed = await failingCases("boolean-cas", (store) => ({
      ...store,
      compareAndSet: async (key, value, expected, options) => Boolean(await store.compareAndSet!(key, value, expected, options)),
    }));
    expect(failed).toEqual([]);
  });

  it("fails a store whose compareAndSet tells a version other than the one it wrote", async () => {
    const failed = await failingCases("wrong-version", (store) => ({
      ...store,
      compareAndSet: async (key, value, expected, options) => {
        const written = await store.compareAndSet!(key, value, expected, options);
        return written && { version: -1 };
      },
    }));
    expect(failed).toEqual([
      "compareAndSet with null creates only an absent key",
      "compareAndSet answers true, or the version it wrote: the one a read returns, and one a compareAndSet accepts",
    ]);
  });

  it("fails with its own assertion error, naming what it expected", async () => {
    const [broken] = collectStoreConformance({
      name: "nameless",
      create: async (clock) => ({ store: { ...memoryStore({ clock }), name: "" } }),
      capabilities: CAPABILITIES,
    });
    await expect(broken!.body()).rejects.toThrow(ConformanceAssertionError);
    await expect(broken!.body()).rejects.toThrow(/expected a truthy value, got false/);
  });
});
