/**
 * `coatcheck/adapters/durable-object`: sessions in Durable Objects, one object per session, with
 * compare-and-set. The strongly consistent store on Cloudflare Workers: concurrent requests are
 * merged key by key, and a logout (or a login's new id) is final everywhere as soon as it returns.
 *
 * Two parts: {@link durableObjectStore}, the store the Worker passes to `withSession`, and the
 * class `CoatcheckSessionObject`, which the Worker re-exports and binds in `wrangler.toml` with a
 * SQLite-class migration. The store reaches the object named after the session's store key (a hash
 * of the id, never the id) by RPC: one call per read, one per write. The object reads and writes
 * its record with the synchronous SQLite API, with no `await` between the read and the write of a
 * compare-and-set, so requests to one object cannot interleave there; its writes are confirmed
 * before its answer leaves (no `allowUnconfirmed`). An alarm deletes the record at its expiry, and
 * every read checks the expiry too.
 *
 * The class needs `cloudflare:workers`, which only workerd has, so the package gives this subpath
 * two builds: the `workerd` export condition (wrangler, Miniflare, the Cloudflare Vite plugin)
 * loads the real class; any other runtime loads this file, whose class refuses to be constructed
 * with a message that says why. The store itself is the same code in both.
 *
 * @module
 */
import { utf8 } from "../src/encoding.js";
import { SessionError } from "../src/errors.js";
import type { SessionStore, StoredValue, StoreWriteOptions } from "../src/store.js";

/** A session's record as the object hands it out: the value and its opaque version. */
export interface SessionObjectRecord {
  /** The serialised record. */
  value: string;
  /** An opaque version, for compare-and-set. */
  version: string;
}

/** The expiry of a write: absolute in the store's clock, and that clock's `now`. */
export interface SessionObjectExpiry {
  /** When the record expires, in milliseconds since the epoch of the store's clock. */
  expiresAt: number;
  /** The store's clock at the write. */
  now: number;
}

/**
 * The RPC methods of `CoatcheckSessionObject` this store calls. A stub of the class (what
 * `namespace.get(id)` returns for a `DurableObjectNamespace<CoatcheckSessionObject>`) satisfies it.
 */
export interface SessionObjectStub {
  /** The record, or null when absent or expired by `now` (or by the object's own clock). */
  readSession(now: number): Promise<SessionObjectRecord | null>;
  /** Writes the record and sets the alarm that deletes it at its expiry. */
  writeSession(value: string, expiry: SessionObjectExpiry): Promise<void>;
  /**
   * Writes only over version `expected` (`null`: only where no live record is): the version written,
   * or false, writing nothing, otherwise (true from objects deployed before versions were told).
   */
  swapSession(value: string, expected: string | null, expiry: SessionObjectExpiry): Promise<string | boolean>;
  /** Deletes the record and the object's storage. */
  deleteSession(): Promise<void>;
}

/** The part of a `DurableObjectNamespace` binding this store uses. */
export interface SessionObjectNamespace<Id = unknown> {
  /** The object id for a name: the store's prefix and the hash of the session id. */
  idFromName(name: string): Id;
  /** A stub to call the object by RPC. */
  get(id: Id): SessionObjectStub;
}

/** Options of {@link durableObjectStore}. */
export interface DurableObjectStoreOptions {
  /** [`"coatcheck:"`] Put before every store key to name its object, so several apps can share a namespace. */
  prefix?: string;
  /** [Date.now] Clock in ms since the epoch, for tests; the object also checks expiry against its own. */
  clock?: () => number;
}

// SQLite-backed Durable Objects: "Maximum string, BLOB or table row size: 2 MB"
// (https://developers.cloudflare.com/durable-objects/platform/limits/). The record's row also holds
// its version and two times; 1,000 bytes leaves them room.
const MAX_ROW_BYTES = 2_000_000;
const MAX_VALUE_BYTES = MAX_ROW_BYTES - 1000;

const isFunction = (value: unknown): boolean => typeof value === "function";

/**
 * A session store on a Durable Object namespace bound to `CoatcheckSessionObject`, with
 * compare-and-set; one object per session, one RPC per read and one per write.
 *
 * @example
 * ```ts
 * import { withSession } from "coatcheck";
 * import { CoatcheckSessionObject, durableObjectStore } from "coatcheck/adapters/durable-object";
 *
 * // wrangler.toml binds SESSIONS to the class (see the README for the whole file).
 * export { CoatcheckSessionObject };
 * interface Env { SESSIONS: DurableObjectNamespace<CoatcheckSessionObject>; SESSION_SECRETS: string }
 *
 * export default {
 *   fetch: withSession(app, (env: Env) => ({ secrets: env.SESSION_SECRETS.split(" "), store: durableObjectStore(env.SESSIONS) })),
 * };
 * ```
 */
export function durableObjectStore<Id>(namespace: SessionObjectNamespace<Id>, options: DurableObjectStoreOptions = {}): SessionStore {
  const { prefix = "coatcheck:", clock = Date.now } = options;
  if (!isFunction(namespace?.idFromName) || !isFunction(namespace?.get)) {
    throw new SessionError(
      "ERR_SESSION_OPTIONS",
      "durable-object store: expected a Durable Object namespace binding (`env.SESSIONS`, bound to `CoatcheckSessionObject` in wrangler.toml).",
    );
  }
  if (typeof prefix !== "string") {
    throw new SessionError("ERR_SESSION_OPTIONS", "durable-object store: `prefix` must be a string.");
  }

  // A stub is cheap, and one that saw an error stays broken: a new one per call.
  const objectOf = (key: string): SessionObjectStub => namespace.get(namespace.idFromName(prefix + key));

  /** The expiry to send, after refusing a value the object could not store. */
  const expiryOf = (value: string, { expiresAt }: StoreWriteOptions): SessionObjectExpiry => {
    // A fast upper bound first: most sessions are far below the limit and need no encoding.
    const bytes = value.length * 3 <= MAX_VALUE_BYTES ? 0 : utf8.encode(value).length;
    if (bytes > MAX_VALUE_BYTES) {
      throw new SessionError(
        "ERR_SESSION_TOO_LARGE",
        `durable-object store: the session is ${bytes} bytes; a Durable Object's SQLite row holds at most ${MAX_ROW_BYTES} (2 MB), so sessions are limited to ${MAX_VALUE_BYTES}. Keep less in the session.`,
      );
    }
    return { expiresAt, now: clock() };
  };

  return {
    name: "durable-object",
    async get(key): Promise<StoredValue | null> {
      const record = await objectOf(key).readSession(clock());
      return record && { value: record.value, version: record.version };
    },
    async set(key, value, options) {
      const expiry = expiryOf(value, options);
      await objectOf(key).writeSession(value, expiry);
    },
    async compareAndSet(key, value, expected, options) {
      const expiry = expiryOf(value, options);
      const written = await objectOf(key).swapSession(value, expected === null ? null : String(expected), expiry);
      return typeof written === "string" ? { version: written } : written;
    },
    async delete(key) {
      await objectOf(key).deleteSession();
    },
  };
}

/**
 * The Durable Object class that holds one session; re-export it from the Worker's main module and
 * bind it in `wrangler.toml` under `new_sqlite_classes`. This build is the one runtimes other than
 * workerd load: it cannot run there, and constructing it throws `ERR_SESSION_OPTIONS` saying so.
 * The real class comes with the `workerd` export condition, which wrangler uses.
 *
 * @example
 * ```ts
 * // src/index.ts, the Worker's main module
 * export { CoatcheckSessionObject } from "coatcheck/adapters/durable-object";
 * ```
 */
export class CoatcheckSessionObject {
  constructor() {
    throw new SessionError(
      "ERR_SESSION_OPTIONS",
      "durable-object store: `CoatcheckSessionObject` runs only inside workerd (Cloudflare Workers, `wrangler dev`, Miniflare). This is the build for other runtimes; bundle the Worker with the `workerd` export condition, as wrangler does.",
    );
  }
}
