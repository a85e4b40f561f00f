// The Durable Object store inside workerd (Miniflare), against the real Durable Object binding: the
// Worker in test/runtimes/entries/durable-object-worker.ts runs the shared conformance suite there
// and answers the cases below. Expiry is checked both ways: the alarm deleting the record, and the
// read-time check with the alarm switched off. The outside-workerd build of the class is checked
// here in Node.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoatcheckSessionObject, durableObjectStore } from "../../adapters/durable-object.js";
import { storeKeyFor } from "../../src/id.js";
import { collectStoreConformance } from "../../src/testing.js";
import { startDurableObjectWorkers } from "../runtimes/durable-object-miniflare.js";
import { DURABLE_OBJECT_CAPABILITIES } from "../runtimes/entries/durable-object-capabilities.js";

let workers: Awaited<ReturnType<typeof startDurableObjectWorkers>>;

beforeAll(async () => {
  workers = await startDurableObjectWorkers();
}, 60_000);

afterAll(async () => {
  await workers?.mf.dispose();
});

type StoreAnswer = { result?: unknown; error?: { code: string; message: string }; names: string[] };
type Inspection = { rows: { value: string; expiresAt: number; deleteAt: number }[]; alarm: number | null };

async function storeCall(op: "get" | "set" | "delete", body: Record<string, unknown>): Promise<StoreAnswer> {
  const response = await workers.fetchA(`/store/${op}`, { method: "POST", body: JSON.stringify(body) });
  return (await response.json()) as StoreAnswer;
}

async function inspect(key: string, namespace = "INSPECTABLE"): Promise<Inspection> {
  return (await (await workers.fetchA(`/inspect?key=${key}&namespace=${namespace}`)).json()) as Inspection;
}

/** Polls until `done` holds; a generous deadline, since workerd shares the machine with other suites. */
async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, seconds = 30): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("durable-object store conformance, inside workerd", () => {
  it("passes every case of the shared suite against the real Durable Object binding", async () => {
    const response = await workers.fetchA("/conformance");
    const results = (await response.json()) as { case: string; ok: boolean; error?: string }[];
    expect(results.filter((result) => !result.ok)).toEqual([]);
    const expected = collectStoreConformance({
      name: "durable-object (workerd)",
      create: async () => Promise.reject(new Error("not run")),
      capabilities: DURABLE_OBJECT_CAPABILITIES,
    }).map((testCase) => testCase.name);
    expect(results.map((result) => result.case)).toEqual(expected);
    console.log(`[durable-object] conformance in workerd: ${results.length} cases passed`);
  }, 60_000);
});

describe("durable-object store in workerd", () => {
  it("names each object after the session's store key (prefix + hash), never after the raw id", async () => {
    const { names, setCookie } = (await (await workers.fetchA("/names")).json()) as { names: string[]; setCookie: string };
    const rawId = setCookie.split(";")[0]!.split("=")[1]!.split(".")[0]!;
    expect(rawId.length).toBeGreaterThan(20);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).not.toContain(rawId);
    expect(names).toContain(`coatcheck:${await storeKeyFor(rawId)}`);
  });

  it("an alarm deletes the record at its expiry, and with it the object's storage", async () => {
    const key = "alarm-expiry";
    await storeCall("set", { namespace: "INSPECTABLE", key, ttlSeconds: 1 });
    const written = await inspect(key);
    expect(written.rows).toHaveLength(1);
    expect(written.alarm).toBe(written.rows[0]!.deleteAt);
    const after = await eventually(
      () => inspect(key),
      (state) => state.rows.length === 0,
    );
    expect(after).toEqual({ rows: [], alarm: null });
  }, 40_000);

  it("a read past the expiry finds nothing even while the record is still stored (alarm off)", async () => {
    const key = "read-time-expiry";
    await storeCall("set", { namespace: "LAZY", key, ttlSeconds: 1 });
    expect((await storeCall("get", { namespace: "LAZY", key })).result).toMatchObject({ value: "x" });
    const hidden = await eventually(
      () => storeCall("get", { namespace: "LAZY", key }),
      (answer) => answer.result === null,
    );
    expect(hidden.result).toBeNull();
    expect((await inspect(key, "LAZY")).rows).toHaveLength(1);
  }, 40_000);

  it("delete removes the record, its alarm and the object's table", async () => {
    const key = "deleted";
    await storeCall("set", { namespace: "INSPECTABLE", key });
    await storeCall("delete", { namespace: "INSPECTABLE", key });
    expect(await inspect(key)).toEqual({ rows: [], alarm: null });
    expect((await storeCall("get", { namespace: "INSPECTABLE", key })).result).toBeNull();
  });

  it("refuses a session over the 2 MB row limit before calling any object", async () => {
    const answer = await storeCall("set", { key: "huge", length: 2_000_000 });
    expect(answer.error).toEqual({
      code: "ERR_SESSION_TOO_LARGE",
      message: expect.stringMatching(/^coatcheck: durable-object store: the session is 2000000 bytes; .* limited to 1999000/),
    });
    expect(answer.names).toEqual([]);
    expect((await storeCall("set", { key: "just-fits", length: 1_999_000 })).error).toBeUndefined();
  });

  it.each([
    ["throws", "throw", "coatcheck test: the object failed"],
    ["resets itself (unreachable)", "abort", "coatcheck test: object reset"],
  ])("an object that %s fails the request with ERR_SESSION_STORE, its error as cause", async (_name, mode, cause) => {
    const answer = await (await workers.fetchA(`/fail/${mode}`)).json();
    expect(answer).toEqual({
      failed: true,
      code: "ERR_SESSION_STORE",
      message: "coatcheck: durable-object store: compareAndSet failed.",
      cause: expect.stringContaining(cause),
    });
  });
});

describe("durable-object store outside workerd (the package's default build)", () => {
  it("the class refuses to be constructed, saying where it runs", () => {
    expect(() => new CoatcheckSessionObject()).toThrowError(
      expect.objectContaining({ code: "ERR_SESSION_OPTIONS", message: expect.stringMatching(/runs only inside workerd/) }),
    );
  });

  it("the store refuses what is not a Durable Object namespace, naming what to pass", () => {
    for (const wrong of [undefined, {}, new Map()]) {
      expect(() => durableObjectStore(wrong as never)).toThrowError(
        expect.objectContaining({ code: "ERR_SESSION_OPTIONS", message: expect.stringMatching(/Durable Object namespace binding/) }),
      );
    }
    expect(() => durableObjectStore({ idFromName: () => 1, get: () => ({}) as never }, { prefix: 1 as never })).toThrowError(/`prefix`/);
  });
});
