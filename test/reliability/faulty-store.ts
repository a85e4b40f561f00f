// A store that fails on purpose, wrapped around a real one. The only fake in the reliability
// suites: failing is the point. Faults are queued per operation and consumed call by call; a call
// with no fault queued goes straight to the real store.
import type { SessionStore, StoredValue, StoreVersion, StoreWriteOptions } from "../../src/index.js";

export type StoreOperation = "get" | "set" | "delete" | "compareAndSet";

/** What one faulty call does instead of, or around, the real call. */
export type Fault =
  /** Makes the real call untouched (to let earlier calls through). */
  | { type: "pass" }
  /** Rejects with `error`. */
  | { type: "throw"; error: unknown }
  /** Throws `error` synchronously, before any promise exists (a buggy adapter). */
  | { type: "throw-sync"; error: unknown }
  /** Never settles. */
  | { type: "hang" }
  /** Waits `ms`, then makes the real call. */
  | { type: "slow"; ms: number }
  /** Makes the real call at once (a write lands), but answers only after `ms`. */
  | { type: "late"; ms: number }
  /** get: answers `value` as is, whatever it is (a StoredValue or not). */
  | { type: "garbage"; value: unknown }
  /** get: answers the value stored under `key` instead, with this key's own version (a mixed-up index). */
  | { type: "foreign"; key: string }
  /** compareAndSet: answers false without writing (as if another request had just written). */
  | { type: "refuse" };

interface Rule {
  fault: Fault;
  remaining: number;
  /** Only calls on keys it accepts are faulty. */
  keys: (key: string) => boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface FaultyStore extends SessionStore {
  /**
   * Queues `fault` for the next `times` calls of `operation` (Infinity: until `heal`), counting only
   * calls on keys that `keys` accepts.
   */
  fail(operation: StoreOperation, fault: Fault, times?: number, keys?: (key: string) => boolean): FaultyStore;
  /** Drops every queued fault. */
  heal(): void;
  /** Calls made, by operation, faulty or not. */
  readonly calls: Record<StoreOperation, number>;
}

/** Wraps `inner`; `compareAndSet` exists only when `inner` has it. */
export function faultyStore(inner: SessionStore): FaultyStore {
  const rules: Record<StoreOperation, Rule[]> = { get: [], set: [], delete: [], compareAndSet: [] };
  const calls: Record<StoreOperation, number> = { get: 0, set: 0, delete: 0, compareAndSet: 0 };

  const next = (operation: StoreOperation, key: string): Fault | undefined => {
    calls[operation]++;
    const queue = rules[operation];
    const index = queue.findIndex((rule) => rule.keys(key));
    const rule = queue[index];
    if (!rule) return undefined;
    if (--rule.remaining <= 0) queue.splice(index, 1);
    return rule.fault;
  };

  /** Runs `real` under the next fault queued for `operation`. */
  const run = <T>(operation: StoreOperation, key: string, real: () => Promise<T>): Promise<T> => {
    const fault = next(operation, key);
    if (!fault) return real();
    switch (fault.type) {
      case "pass":
        return real();
      case "throw":
        return Promise.reject(fault.error);
      case "throw-sync":
        throw fault.error;
      case "hang":
        return new Promise<T>(() => {});
      case "slow":
        return sleep(fault.ms).then(real);
      case "late": {
        const result = real();
        return result.then(async (value) => (await sleep(fault.ms), value));
      }
      case "garbage":
        return Promise.resolve(fault.value as T);
      case "foreign":
        return Promise.all([inner.get(fault.key), inner.get(key)]).then(([other, own]) =>
          other ? ({ value: other.value, version: own?.version ?? other.version } as T) : (null as T),
        );
      case "refuse":
        return Promise.resolve(false as T);
    }
  };

  const store: FaultyStore = {
    name: inner.name,
    calls,
    fail(operation, fault, times = 1, keys = () => true) {
      rules[operation].push({ fault, remaining: times, keys });
      return store;
    },
    heal() {
      for (const queue of Object.values(rules)) queue.length = 0;
    },
    get: (key): Promise<StoredValue | null> => run("get", key, () => inner.get(key)),
    set: (key, value, options: StoreWriteOptions) => run("set", key, () => inner.set(key, value, options)),
    delete: (key) => run("delete", key, () => inner.delete(key)),
  };
  if (inner.compareAndSet) {
    const compareAndSet = inner.compareAndSet.bind(inner);
    store.compareAndSet = (key, value, expected: StoreVersion | null, options) =>
      run("compareAndSet", key, () => compareAndSet(key, value, expected, options));
  }
  return store;
}

/** `inner` without compare-and-set: a last-write-wins store, like Workers KV. */
export function withoutCompareAndSet(inner: SessionStore): SessionStore {
  return { name: inner.name, get: (key) => inner.get(key), set: (...args) => inner.set(...args), delete: (key) => inner.delete(key) };
}
