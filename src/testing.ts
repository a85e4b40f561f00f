/**
 * `coatcheck/testing`: the store conformance suite every coatcheck adapter passes, published for
 * anyone writing a store for another backend (DynamoDB, MongoDB, Firestore, a file, …). Run it on
 * yours and it checks the {@link SessionStore} contract (get, set with expiry, delete, and
 * compare-and-set when offered), then whole sessions through the public API: create, regenerate,
 * destroy, flash, idle expiry, concurrent requests merged key by key, and users (`setUser`, `list`,
 * `revoke`, `revokeAll`, `userVersion`), 50 concurrent logins of one user and revocations racing
 * requests in flight included.
 *
 * It depends on no test runner: pass `describe` and `it` from vitest, `node:test`, `bun:test` or
 * jest to {@link defineStoreConformance}, or take the flat list of cases from
 * {@link collectStoreConformance} (`Deno.test`, a Worker, a plain loop). Its assertions are its
 * own, so it imports nothing beyond coatcheck itself. Capabilities are flags that skip cases,
 * never a fork of the suite.
 *
 * @example
 * ```ts
 * // my-store.test.ts, under vitest (bun:test and node:test export the same two names)
 * import { describe, it } from "vitest";
 * import { defineStoreConformance } from "coatcheck/testing";
 * import { myStore } from "./my-store.js";
 *
 * defineStoreConformance(
 *   { describe, it },
 *   {
 *     name: "my-store",
 *     create: async (clock) => {
 *       const backend = new Map();
 *       return { store: myStore(backend, { clock }), cleanup: () => backend.clear() };
 *     },
 *     capabilities: { compareAndSet: true, largeValueBytes: 64 * 1024 },
 *   },
 * );
 * ```
 *
 * @module
 */
import type { AnySessionStore, SessionStore } from "./store.js";
import { conformanceClock, registerConformanceCases } from "./testing-cases.js";

export { ConformanceAssertionError } from "./testing-assert.js";

/**
 * The clock a store under test must read time from: milliseconds since the epoch, moved forward by
 * the suite's expiry cases. It starts at 2026-01-01T00:00:00Z.
 *
 * @example
 * ```ts
 * create: async (clock) => ({ store: myStore(backend, { clock }) }) // myStore calls clock() where it would call Date.now()
 * ```
 */
export interface ConformanceClock {
  (): number;
  /** Moves the clock forward by `seconds`. */
  advance(seconds: number): void;
}

/**
 * A store under test, as {@link ConformanceTarget.create} returns it, with the clock it was built with.
 *
 * @example
 * ```ts
 * const fixture: Omit<ConformanceFixture, "clock"> = { store: myStore(backend, { clock }), cleanup: () => backend.close() };
 * ```
 */
export interface ConformanceFixture<Store extends AnySessionStore = SessionStore> {
  /** The store under test. */
  store: Store;
  /** The clock the store was built with, moved by the expiry cases. */
  clock: ConformanceClock;
  /** Called after each case, passed or failed: close a connection, drop a table. */
  cleanup?(): Promise<void> | void;
}

/**
 * What to run the suite on: a name, a factory of fresh stores, and what the store can do.
 *
 * @example
 * ```ts
 * const target: ConformanceTarget = {
 *   name: "dynamodb",
 *   create: async (clock) => {
 *     const table = await createScratchTable();
 *     return { store: dynamoStore(client, { table, clock }), cleanup: () => dropTable(table) };
 *   },
 *   capabilities: { compareAndSet: true, largeValueBytes: 350 * 1024 },
 * };
 * ```
 */
export interface ConformanceTarget {
  /** Names the suite: "`<name>` store conformance". */
  name: string;
  /**
   * A fresh store over an empty backend, built with the given clock; called once per case. Give
   * each case its own backend (or key prefix) so that cases never see each other's keys.
   */
  create(clock: ConformanceClock): Promise<Omit<ConformanceFixture<AnySessionStore>, "clock">>;
  /** What the store can do, which picks the cases that run. */
  capabilities: KeyValueCapabilities | SealedCapabilities;
}

/**
 * An id-backed store ({@link SessionStore}): every case applies.
 *
 * @example
 * ```ts
 * const capabilities: KeyValueCapabilities = { compareAndSet: false, largeValueBytes: 25 * 1024 }; // last write wins
 * ```
 */
export interface KeyValueCapabilities {
  /** Absent or false for an id-backed store. */
  sealed?: false;
  /**
   * True when the store implements `compareAndSet`: the compare-and-set, concurrency and users
   * (`list`, `revoke`, `revokeAll`) cases run. The `userVersion` case runs on every store.
   */
  compareAndSet: boolean;
  /** Largest value the store must round-trip, in bytes. */
  largeValueBytes: number;
}

/**
 * A sealed-cookie store (`SealedCookieStore`): only the session-level cases apply.
 *
 * @example
 * ```ts
 * defineStoreConformance({ describe, it }, { name: "my-sealed", create: async () => ({ store: mySealedStore() }), capabilities: { sealed: true } });
 * ```
 */
export interface SealedCapabilities {
  /** A sealed-cookie store. */
  sealed: true;
}

/**
 * The two functions the suite registers its cases with. vitest, `node:test`, `bun:test` and jest
 * all export them under these names.
 *
 * @example
 * ```ts
 * import { describe, it } from "node:test";
 * const runner: ConformanceRunner = { describe, it };
 * ```
 */
export interface ConformanceRunner {
  /** Registers a group of cases. */
  describe(name: string, body: () => void): unknown;
  /** Registers one case. */
  it(name: string, body: () => Promise<void>): unknown;
}

/**
 * One case of the suite, named "`<describe>` > `<it>`".
 *
 * @example
 * ```ts
 * for (const { name, body } of collectStoreConformance(target)) Deno.test(name, body);
 * ```
 */
export interface ConformanceCase {
  /** "`<describe>` > `<it>`". */
  name: string;
  /** Runs the case; rejects with a `ConformanceAssertionError` when a check fails. */
  body: () => Promise<void>;
}

/**
 * Registers the suite with a test runner's `describe` and `it`: one `describe` named after the
 * target, one `it` per case that applies to its capabilities. Each case builds a fresh store with
 * `target.create` and calls its `cleanup` afterwards.
 *
 * @example
 * ```ts
 * import { describe, it } from "node:test"; // or "vitest", or "bun:test"
 * import { defineStoreConformance } from "coatcheck/testing";
 * import { fileStore } from "./file-store.js";
 *
 * defineStoreConformance({ describe, it }, {
 *   name: "file",
 *   create: async (clock) => {
 *     const dir = await mkdtemp(join(tmpdir(), "sessions-"));
 *     return { store: fileStore(dir, { clock }), cleanup: () => rm(dir, { recursive: true }) };
 *   },
 *   capabilities: { compareAndSet: false, largeValueBytes: 1 << 20 },
 * });
 * ```
 */
export function defineStoreConformance({ describe, it }: ConformanceRunner, target: ConformanceTarget): void {
  const capabilities = target.capabilities;
  const withFixture = <Store extends AnySessionStore>(name: string, body: (fixture: ConformanceFixture<Store>) => Promise<void>) =>
    it(name, async () => {
      const clock = conformanceClock();
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

  describe(`${target.name} store conformance`, () => registerConformanceCases({ test, sessionTest }, { compareAndSet, largeValueBytes }));
}

/**
 * The suite as a flat list of cases, for runners with no `describe`/`it` of their own (`Deno.test`,
 * a Worker's fetch handler, a plain loop). The same cases, in the same order, as
 * {@link defineStoreConformance} registers.
 *
 * @example
 * ```ts
 * // my-store.test.ts, under `deno test`
 * import { collectStoreConformance } from "coatcheck/testing";
 * import { myStore } from "./my-store.ts";
 *
 * const target = { name: "my-store", create: async (clock) => ({ store: myStore(new Map(), { clock }) }), capabilities: { compareAndSet: true, largeValueBytes: 1 << 16 } };
 * for (const { name, body } of collectStoreConformance(target)) Deno.test(name, body);
 * ```
 */
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
