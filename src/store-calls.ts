// Guarded I/O on a store: one call under the timeout as a SessionError with its event, the
// per-key save queue, and the backoff between compare-and-set retries.
import { SessionError } from "./errors.js";
import type { SessionEvents } from "./events.js";
import type { SessionStore, StoredValue, StoreVersion } from "./store.js";

/** Settles at once: raced against a store call, it tells whether that call has already answered. */
const PENDING = Symbol("pending");
const NOT_YET = Promise.resolve(PENDING);
const TIMED_OUT = Symbol("timed out");

/** A store's name, its timeout and the request's events: what every guarded call needs. */
export interface StoreGuard {
  storeName: string;
  /** Milliseconds; 0 for no limit. */
  timeout: number;
  events: SessionEvents;
}

/** Runs one store call under the timeout, turning any failure into a SessionError and a `store-error` event. */
export async function guarded<T>(guard: StoreGuard, operation: string, call: () => Promise<T>): Promise<T> {
  const { storeName, timeout, events } = guard;
  let error: SessionError;
  try {
    const answer = await withinTime(call(), timeout);
    if (answer !== TIMED_OUT) return answer;
    error = new SessionError(
      "ERR_SESSION_STORE_TIMEOUT",
      `${storeName} store: ${operation} took longer than ${timeout} ms (\`storeTimeout\`).`,
    );
  } catch (cause) {
    error =
      cause instanceof SessionError ? cause : new SessionError("ERR_SESSION_STORE", `${storeName} store: ${operation} failed.`, { cause });
  }
  events.storeError(error);
  throw error;
}

/**
 * The text a store answered: undefined for a missing key. A malformed answer (not a `StoredValue`)
 * becomes "", which parses as a corrupt record and is reported, instead of passing for a missing one.
 */
export function storedText(found: StoredValue | null): string | undefined {
  if (found == null) return undefined;
  const value = (found as { value?: unknown }).value;
  return typeof value === "string" ? value : "";
}

/** A save's write as the store confirmed it: the version it gave the key, and the text written. */
export interface ConfirmedWrite {
  version: StoreVersion;
  text: string;
}

/** The saves of one key queued in this isolate: the last one queued, and what the last one to finish wrote. */
export interface SaveQueue {
  tail: Promise<void>;
  /** Set by a save whose compare-and-set told its new version; the next save writes over it without a re-read. */
  written: ConfirmedWrite | undefined;
}

/** Per store, the queue of each key this isolate is saving. */
const savingNow = new WeakMap<SessionStore, Map<string, SaveQueue>>();

const ignore = () => {};

/**
 * Runs the saves of one key from this isolate one after another. Requests racing on one session
 * here queue instead of colliding: each then needs one re-read at most, however many there are
 * (optimistic retries alone give up under enough same-key contention), and none at all when the
 * store tells the version it wrote (`queue.written`). Saves from other isolates or processes are
 * still caught by compare-and-set. A save waits for the one before it at most `waitAtMost` ms (0:
 * no limit): a save that never settles (a Workers request cancelled with its I/O) must not block
 * the session; compare-and-set keeps a save that goes ahead correct.
 */
export function oneAtATime<T>(store: SessionStore, key: string, waitAtMost: number, save: (queue: SaveQueue) => Promise<T>): Promise<T> {
  let queues = savingNow.get(store);
  if (!queues) savingNow.set(store, (queues = new Map()));
  const existing = queues.get(key);
  const queue = existing ?? { tail: Promise.resolve(), written: undefined };
  if (!existing) queues.set(key, queue);
  const result = (existing ? withinTime(existing.tail, waitAtMost) : Promise.resolve()).then(() => save(queue));
  const done = result.then(ignore, ignore);
  queue.tail = done;
  done.then(() => {
    if (queues.get(key) === queue && queue.tail === done) queues.delete(key);
  });
  return result;
}

/**
 * `promise`'s value, or TIMED_OUT once `ms` have passed first (0: no limit). A promise that has
 * already settled (an in-process store) arms no timer: a timer costs microseconds per call.
 */
async function withinTime<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  if (ms <= 0) return promise;
  const early = await Promise.race([promise, NOT_YET]);
  if (early !== PENDING) return early as T;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(resolve, ms, TIMED_OUT)))]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Waits before a compare-and-set retry. The first retry is immediate (two tabs rarely collide
 * twice); later ones wait a random, growing while, so requests that collided do not retry in
 * lock-step and collide again (with N of them, lock-step retries land one write per round).
 */
function backoff(attempt: number): Promise<void> | undefined {
  if (attempt < 2) return undefined;
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** Math.min(attempt + 2, 9)));
}

/**
 * After a lost compare-and-set: reports the conflict, gives up with `ERR_SESSION_CONFLICT` after
 * `attempts`, else waits (see `backoff`) before the caller re-reads and tries again.
 */
export async function afterConflict(guard: StoreGuard, attempt: number, attempts: number, what: string): Promise<void> {
  guard.events.conflict(attempt);
  if (attempt >= attempts) {
    throw new SessionError("ERR_SESSION_CONFLICT", `${guard.storeName} store: ${what} kept changing; gave up after ${attempt} attempts.`);
  }
  await backoff(attempt);
}
