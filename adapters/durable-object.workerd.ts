/**
 * `coatcheck/adapters/durable-object` as workerd loads it (the `workerd` export condition): the
 * store of `./durable-object.ts` and the real `CoatcheckSessionObject`, a Durable Object that holds
 * one session in its SQLite storage.
 *
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import type { SessionObjectExpiry, SessionObjectRecord } from "./durable-object.js";

export {
  type DurableObjectStoreOptions,
  durableObjectStore,
  type SessionObjectExpiry,
  type SessionObjectNamespace,
  type SessionObjectRecord,
  type SessionObjectStub,
} from "./durable-object.js";

/** One row, the only one: `deleteAt` is the expiry in the object's own clock, for the alarm. */
type Row = { value: string; version: string; expiresAt: number; deleteAt: number };

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS session (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  value TEXT NOT NULL, version TEXT NOT NULL, expiresAt INTEGER NOT NULL, deleteAt INTEGER NOT NULL)`;

/**
 * A Durable Object holding one session: `durableObjectStore` names one after each session's store
 * key and calls it by RPC. Every method reads and writes with the synchronous SQLite API and never
 * awaits between the read and the write, so calls to one object cannot interleave; writes are
 * confirmed before the answer leaves. An alarm deletes the record at its expiry (and with it the
 * object's storage), and every read checks the expiry as well.
 *
 * @example
 * ```ts
 * // The Worker's main module re-exports the class; wrangler.toml binds it:
 * //   [[durable_objects.bindings]]  name = "SESSIONS"  class_name = "CoatcheckSessionObject"
 * //   [[migrations]]  tag = "v1"  new_sqlite_classes = ["CoatcheckSessionObject"]
 * export { CoatcheckSessionObject } from "coatcheck/adapters/durable-object";
 * ```
 */
export class CoatcheckSessionObject<Env = unknown> extends DurableObject<Env> {
  /** Whether the table exists; unknown until asked, false again after `deleteAll()`. */
  #hasTable: boolean | undefined;

  /** The record, or null when there is none or it expired by either clock. */
  readSession(now: number): SessionObjectRecord | null {
    const row = this.#liveRow(now);
    return row && { value: row.value, version: row.version };
  }

  /** Writes the record whatever is there. */
  async writeSession(value: string, expiry: SessionObjectExpiry): Promise<void> {
    await this.#write(value, expiry);
  }

  /** Writes only over the version `expected` (null: only where no live record is): the new version, or false. */
  async swapSession(value: string, expected: string | null, expiry: SessionObjectExpiry): Promise<string | false> {
    const current = this.#liveRow(expiry.now);
    if ((current?.version ?? null) !== expected) return false;
    const version = crypto.randomUUID();
    await this.#write(value, expiry, version);
    return version;
  }

  /** Deletes the record, its alarm and the object's storage. */
  async deleteSession(): Promise<void> {
    await this.#deleteAll();
  }

  /** Runs at the record's expiry; a write since then moved it, so it checks before deleting. */
  override async alarm(): Promise<void> {
    const row = this.#row();
    if (row && row.deleteAt > Date.now()) return this.ctx.storage.setAlarm(row.deleteAt);
    await this.#deleteAll();
  }

  #row(): Row | null {
    this.#hasTable ??=
      this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session'").toArray().length > 0;
    if (!this.#hasTable) return null;
    return this.ctx.storage.sql.exec<Row>("SELECT value, version, expiresAt, deleteAt FROM session").toArray()[0] ?? null;
  }

  #liveRow(now: number): Row | null {
    const row = this.#row();
    return row && row.expiresAt > now && row.deleteAt > Date.now() ? row : null;
  }

  /** The write itself is synchronous; only the alarm is awaited, after it. */
  #write(value: string, { expiresAt, now }: SessionObjectExpiry, version: string = crypto.randomUUID()): Promise<void> {
    const deleteAt = Date.now() + Math.max(expiresAt - now, 0);
    if (!this.#hasTable) this.ctx.storage.sql.exec(CREATE_TABLE);
    this.#hasTable = true;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO session VALUES (0, ?, ?, ?, ?)", value, version, expiresAt, deleteAt);
    return this.ctx.storage.setAlarm(deleteAt);
  }

  /** `deleteAll()` takes the table and the alarm with it, and frees the object's storage. */
  #deleteAll(): Promise<void> {
    this.#hasTable = false;
    return this.ctx.storage.deleteAll();
  }
}
