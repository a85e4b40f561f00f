/**
 * `coatcheck/adapters/sql`: sessions in one table of the SQL database the app already has, through
 * the client it already holds: node-postgres (`pg` Pool or Client), postgres.js, Cloudflare D1,
 * `better-sqlite3`, `node:sqlite` or `bun:sqlite`. The client is recognised by its shape and the
 * dialect follows; none is a dependency of coatcheck or in its bundle.
 *
 * Compare-and-set through a version column: a create is an insert that writes only where no live
 * row is, an update is `UPDATE … WHERE key = $1 AND version = $2` (no row changed: a conflict),
 * so concurrent requests are merged key by key and a destroyed session is never brought back by a
 * racing save. A logout deletes the row and the next read anywhere misses it (on D1, reads go to
 * the primary, never to a replica that may not have seen it yet). D1 refuses a row over 2,000,000
 * bytes, so a larger session is refused with `ERR_SESSION_TOO_LARGE` before it is sent.
 * One statement per read and one per write; `expires_at` is checked by every read.
 * Expired rows are deleted a bounded few at a time (every 100th write of a store removes at most
 * 200, through the index on `expires_at`), never by a scan of the table on the request path.
 *
 * @module
 */
import { utf8 } from "../src/encoding.js";
import { SessionError } from "../src/errors.js";
import type { SessionStore, StoredValue, StoreVersion } from "../src/store.js";

/** node-postgres: a `pg` `Pool`, `Client` or `PoolClient`. */
export interface PgClientLike {
  /** Runs one parameterised statement. */
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** postgres.js: the `sql` function `postgres(url)` returns. */
export interface PostgresJsLike {
  /** Runs one parameterised statement. */
  // biome-ignore lint/suspicious/noExplicitAny: postgres.js types its parameters per connection.
  unsafe(query: string, parameters?: any[], options?: { prepare?: boolean }): PromiseLike<ArrayLike<unknown> & { count: number }>;
}

/** A Cloudflare D1 binding (`env.DB`) or a session of one (`env.DB.withSession(…)`). */
export interface D1DatabaseLike {
  /** Prepares one statement, bound and run by the store. */
  prepare(query: string): {
    bind(...values: unknown[]): {
      first<T = Record<string, unknown>>(): Promise<T | null>;
      run(): Promise<{ meta: { changes?: number } }>;
    };
  };
  /** Runs statements in one batch (recognises a D1 binding by shape). */
  batch(statements: never[]): Promise<unknown>;
  /** A D1 session whose first query runs on the primary: reads never see a lagging replica. */
  withSession?(constraint: "first-primary"): D1DatabaseLike;
}

/** A synchronous SQLite database: `better-sqlite3`, `node:sqlite`'s `DatabaseSync` or `bun:sqlite`. */
export interface SqliteDatabaseLike {
  /** Prepares one statement, run synchronously by the store. */
  prepare(query: string): {
    // biome-ignore lint/suspicious/noExplicitAny: each driver types its bindable values its own way.
    get(...values: any[]): unknown;
    // biome-ignore lint/suspicious/noExplicitAny: as above.
    run(...values: any[]): { changes: number | bigint };
  };
}

/** Any client {@link sqlStore} takes. */
export type SqlClient = PgClientLike | PostgresJsLike | D1DatabaseLike | SqliteDatabaseLike;

/** The two dialects: Postgres, and SQLite (which D1 speaks). */
export type SqlDialect = "postgres" | "sqlite";

/** Options of {@link sqlStore}. */
export interface SqlStoreOptions {
  /** [`"coatcheck_sessions"`] The table: a plain identifier (letters, digits, `_`), at most 52 characters. */
  table?: string;
  /**
   * [false] Create the table and its index (`CREATE … IF NOT EXISTS`) before the first query. Off by
   * default: schemas belong to migrations, the app's database user often may not create tables,
   * and a mistyped `table` must fail loudly instead of starting an empty table that logs everyone out.
   */
  createTable?: boolean;
  /** [Date.now] Clock in ms since the epoch, for tests. */
  clock?: () => number;
}

const DEFAULT_TABLE = "coatcheck_sessions";
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,51}$/;
const PRUNE_EVERY_WRITES = 100;
const PRUNE_AT_MOST = 200;
// "Maximum string, BLOB or table row size: 2,000,000 bytes" (https://developers.cloudflare.com/d1/platform/limits/),
// less room for the row's key and numbers.
const D1_MAX_VALUE_BYTES = 2_000_000 - 1024;

/**
 * The DDL of the session table and of its index on `expires_at`, one statement an entry, for a
 * migration (or what `createTable: true` runs). Times are milliseconds since the epoch.
 *
 * @example
 * ```ts
 * import { sqlStoreSchema } from "coatcheck/adapters/sql";
 * for (const statement of sqlStoreSchema("postgres")) await pool.query(statement);
 * ```
 */
export function sqlStoreSchema(dialect: SqlDialect, table: string = DEFAULT_TABLE): string[] {
  const name = checkedTable(table);
  const [text, integer] = dialect === "postgres" ? ["text", "bigint"] : ["TEXT", "INTEGER"];
  return [
    `CREATE TABLE IF NOT EXISTS "${name}" (key ${text} PRIMARY KEY, value ${text} NOT NULL, version ${integer} NOT NULL, expires_at ${integer} NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS "${name}_expires_at" ON "${name}" (expires_at)`,
  ];
}

function checkedTable(table: unknown): string {
  if (typeof table === "string" && IDENTIFIER.test(table)) return table;
  throw new SessionError(
    "ERR_SESSION_OPTIONS",
    `sql store: \`table\` must be a plain identifier (a letter or _, then letters, digits or _; at most 52 characters); got ${JSON.stringify(table)}.`,
  );
}

type Row = Record<string, unknown>;

/** One client reduced to what the store needs: the first row of a query, or the rows it changed. */
interface Driver {
  dialect: SqlDialect;
  first(sql: string, values: unknown[]): Promise<Row | undefined>;
  changes(sql: string, values: unknown[]): Promise<number>;
}

const isFunction = (value: unknown): boolean => typeof value === "function";

/** `$1`…`$n` as SQLite's anonymous `?`, with the values in the order they now appear. */
function positional(sql: string, values: unknown[]): [string, unknown[]] {
  const ordered: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, index: string) => (ordered.push(values[Number(index) - 1]), "?"));
  return [text, ordered];
}

function driverOf(client: SqlClient): Driver {
  const shape = client as unknown as Record<string, unknown>;
  if (isFunction(client) && isFunction(shape.unsafe)) {
    const sql = client as PostgresJsLike;
    return {
      dialect: "postgres",
      first: async (text, values) => (await sql.unsafe(text, values, { prepare: true }))[0] as Row | undefined,
      changes: async (text, values) => (await sql.unsafe(text, values, { prepare: true })).count,
    };
  }
  if (isFunction(shape.prepare) && isFunction(shape.batch)) return d1Driver(client as D1DatabaseLike);
  if (isFunction(shape.prepare)) return sqliteDriver(client as SqliteDatabaseLike);
  if (isFunction(shape.query)) {
    const pg = client as PgClientLike;
    return {
      dialect: "postgres",
      first: async (text, values) => (await pg.query(text, values)).rows[0] as Row | undefined,
      changes: async (text, values) => (await pg.query(text, values)).rowCount ?? 0,
    };
  }
  throw new SessionError(
    "ERR_SESSION_OPTIONS",
    "sql store: the client is none of those it takes: a `pg` Pool or Client, a postgres.js `sql`, a D1 binding, or a better-sqlite3, node:sqlite or bun:sqlite database.",
  );
}

function d1Driver(db: D1DatabaseLike): Driver {
  const bound = (target: D1DatabaseLike, sql: string, values: unknown[]) => {
    for (const value of values) if (typeof value === "string") checkD1Size(value);
    const [text, ordered] = positional(sql, values);
    return target.prepare(text).bind(...ordered);
  };
  return {
    dialect: "sqlite",
    // A read starts a session at the primary, so a replica never answers with a row from before a
    // logout: https://developers.cloudflare.com/d1/best-practices/read-replication/
    first: async (sql, values) => (await bound(db.withSession?.("first-primary") ?? db, sql, values).first<Row>()) ?? undefined,
    changes: async (sql, values) => (await bound(db, sql, values).run()).meta.changes ?? 0,
  };
}

/** Refuses a value D1 would refuse, before it is sent. */
function checkD1Size(value: string): void {
  const bytes = value.length * 3 <= D1_MAX_VALUE_BYTES ? 0 : utf8.encode(value).length;
  if (bytes <= D1_MAX_VALUE_BYTES) return;
  const message = `sql store: the session is ${bytes} bytes; D1 takes at most ${D1_MAX_VALUE_BYTES} in a row's value. Keep less in the session.`;
  throw new SessionError("ERR_SESSION_TOO_LARGE", message);
}

function sqliteDriver(db: SqliteDatabaseLike): Driver {
  const prepared = new Map<string, ReturnType<SqliteDatabaseLike["prepare"]>>();
  const statement = (sql: string) => {
    let found = prepared.get(sql);
    if (!found) prepared.set(sql, (found = db.prepare(sql)));
    return found;
  };
  return {
    dialect: "sqlite",
    first: async (sql, values) => {
      const [text, ordered] = positional(sql, values);
      return (statement(text).get(...ordered) ?? undefined) as Row | undefined; // bun:sqlite answers null
    },
    changes: async (sql, values) => {
      const [text, ordered] = positional(sql, values);
      return Number(statement(text).run(...ordered).changes);
    },
  };
}

/** The statements on one table; `$n` are the values' positions. */
function statementsOn(table: string, dialect: SqlDialect) {
  const t = `"${table}"`;
  const upsert = `INSERT INTO ${t} (key, value, version, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = ${t}.version + 1, expires_at = excluded.expires_at`;
  // Postgres: concurrent prunes from several processes skip each other's rows instead of waiting.
  const skipLocked = dialect === "postgres" ? " FOR UPDATE SKIP LOCKED" : "";
  return {
    get: `SELECT value, version FROM ${t} WHERE key = $1 AND expires_at > $2`,
    upsert,
    // A row past its expiry that is not yet pruned counts as absent.
    insertIfAbsent: `${upsert} WHERE ${t}.expires_at <= $5`,
    update: `UPDATE ${t} SET value = $3, version = version + 1, expires_at = $4 WHERE key = $1 AND version = $2`,
    delete: `DELETE FROM ${t} WHERE key = $1`,
    prune: `DELETE FROM ${t} WHERE key IN (SELECT key FROM ${t} WHERE expires_at <= $1 ORDER BY expires_at LIMIT ${PRUNE_AT_MOST}${skipLocked})`,
  };
}

const isMissingTable = (error: unknown): boolean =>
  (error as { code?: unknown })?.code === "42P01" || /no such table/i.test(String((error as Error)?.message));

/** The driver's calls on the table: after creating it once when asked; a missing table explained. */
function onTable(driver: Driver, table: string, createTable: boolean): Pick<Driver, "first" | "changes"> {
  const schema = sqlStoreSchema(driver.dialect, table);
  let created: Promise<void> | undefined;
  const runSchema = async () => {
    for (const statement of schema) await driver.changes(statement, []);
  };
  const createOnce = async () => {
    try {
      // PostgreSQL may refuse one of two `CREATE … IF NOT EXISTS` run at the same instant by two
      // servers (a unique violation in its catalog); by then the table exists and a second try passes.
      await runSchema().catch(runSchema);
    } catch (error) {
      created = undefined; // the next call tries again
      throw error;
    }
  };
  const call = async <T>(run: (sql: string, values: unknown[]) => Promise<T>, sql: string, values: unknown[]): Promise<T> => {
    if (createTable) await (created ??= createOnce());
    try {
      return await run(sql, values);
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      const message = `sql store: the table "${table}" does not exist. Create it with ${schema.map((line) => `\`${line};\``).join(" ")} (\`sqlStoreSchema("${driver.dialect}", "${table}")\` returns these), or pass \`createTable: true\`.`;
      throw new SessionError("ERR_SESSION_STORE", message, { cause: error });
    }
  };
  return { first: (sql, values) => call(driver.first, sql, values), changes: (sql, values) => call(driver.changes, sql, values) };
}

/**
 * A session store on one SQL table, with compare-and-set.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { withSession } from "coatcheck";
 * import { sqlStore } from "coatcheck/adapters/sql";
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const handler = withSession(app, { secrets: [process.env.SESSION_SECRET!], store: sqlStore(pool) });
 * ```
 */
export function sqlStore(client: SqlClient, options: SqlStoreOptions = {}): SessionStore & { readonly dialect: SqlDialect } {
  const { table = DEFAULT_TABLE, createTable = false, clock = Date.now } = options;
  checkedTable(table);
  const driver = driverOf(client);
  const sql = statementsOn(table, driver.dialect);
  const { first, changes } = onTable(driver, table, createTable);
  let writes = 0;
  /** Every so many writes, expired rows go first: a bounded delete whose failure the write itself will show. */
  const pruneNowAndThen = async () => {
    if (writes++ % PRUNE_EVERY_WRITES === 0) await changes(sql.prune, [clock()]).catch(() => {});
  };
  // A key deleted and later created again must not take back a version a racing save still holds.
  const firstVersion = () => 1 + Math.floor(Math.random() * 2 ** 48);
  // As a read returns it: the Postgres drivers give a bigint column as a string, SQLite's as a number.
  const asRead = (version: number): StoreVersion => (driver.dialect === "postgres" ? String(version) : version);

  return {
    name: "sql",
    dialect: driver.dialect,
    async get(key): Promise<StoredValue | null> {
      const row = await first(sql.get, [key, clock()]);
      return row ? { value: String(row.value), version: row.version as StoreVersion } : null;
    },
    async set(key, value, { expiresAt }) {
      await pruneNowAndThen();
      await changes(sql.upsert, [key, value, firstVersion(), expiresAt]);
    },
    async delete(key) {
      await changes(sql.delete, [key]);
    },
    async compareAndSet(key, value, expected, { expiresAt }) {
      await pruneNowAndThen();
      // A create may take over an expired row, whose version then goes on from that row's: not told.
      if (expected === null) return (await changes(sql.insertIfAbsent, [key, value, firstVersion(), expiresAt, clock()])) === 1;
      const changed = await changes(sql.update, [key, expected, value, expiresAt]);
      // The update sets `version = version + 1` on the row whose version was `expected`.
      return changed === 1 && { version: asRead(Number(expected) + 1) };
    },
  };
}
