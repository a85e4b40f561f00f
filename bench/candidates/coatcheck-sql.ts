// The coatcheck (sql) candidates: `withSession` over `sqlStore`, on PostgreSQL through a `pg` Pool
// and on SQLite through better-sqlite3. Counted are the SQL statements the store sends.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type SqliteDatabaseLike, sqlStore } from "../../adapters/sql.js";
import { withSession } from "../../src/index.js";
import { zeroCounts } from "../harness.js";
import { coatcheckApp } from "./coatcheck-app.js";
import type { Candidate } from "./shared.js";
import { countingPool, countStatement, sharedPostgres } from "./sql-shared.js";

export const coatcheckPostgres: Candidate = {
  name: "coatcheck (sql, PostgreSQL)",
  floor: "fetch",
  store: "server",
  note: "`withSession` + `sqlStore(pool, { createTable: true })` on a `pg` Pool (max 10) to a local PostgreSQL server shared with connect-pg-simple; reads / writes / deletes are the SQL statements sent (SELECT / INSERT or UPDATE / DELETE, pruning included)",
  async create() {
    const postgres = await sharedPostgres();
    const { pool, counts } = countingPool(postgres.url);
    const fetch = coatcheckApp({ withSession }, sqlStore(pool, { table: "coatcheck_bench", createTable: true }));
    return {
      fetch,
      counts,
      async close() {
        await pool.end();
        await postgres.release();
      },
    };
  },
};

export const coatcheckSqlite: Candidate = {
  name: "coatcheck (sql, SQLite)",
  floor: "fetch",
  store: "server",
  note: "`withSession` + `sqlStore(db, { createTable: true })` on a better-sqlite3 database in a temporary file (WAL, `synchronous = NORMAL`); reads / writes / deletes are the SQL statements run",
  async create() {
    const folder = mkdtempSync(join(tmpdir(), "coatcheck-bench-sqlite-"));
    const db = new Database(join(folder, "sessions.db"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const counts = zeroCounts();
    // The store prepares each statement once; each run of one is counted.
    const counting: SqliteDatabaseLike = {
      prepare(sql) {
        const statement = db.prepare(sql);
        return {
          get: (...values) => (countStatement(counts, sql), statement.get(...values)),
          run: (...values) => (countStatement(counts, sql), statement.run(...values)),
        };
      },
    };
    const fetch = coatcheckApp({ withSession }, sqlStore(counting, { createTable: true }));
    return {
      fetch,
      counts,
      close() {
        db.close();
        rmSync(folder, { recursive: true, force: true });
      },
    };
  },
};
