// The SQL store as backends of the in-process race suites: PostgreSQL through a `pg` Pool (a server
// started for the file, stopped in afterAll) and SQLite through better-sqlite3 on a temporary file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { sqlStore } from "../../adapters/sql.js";
import { type PostgresServer, skipWithoutPostgres, startPostgres } from "../adapters/postgres-server.js";
import type { Backend } from "./util.js";

export function sqlBackends(): Backend[] {
  const folder = mkdtempSync(join(tmpdir(), "coatcheck-sql-backends-"));
  const withoutPostgres = skipWithoutPostgres("the PostgreSQL backend of the race suites");
  let server: PostgresServer | undefined;
  let pool: pg.Pool | undefined;
  let opened = 0;
  beforeAll(async () => {
    if (withoutPostgres) return;
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 10 });
    pool.on("error", () => {});
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await server?.dispose();
    rmSync(folder, { recursive: true, force: true });
  });
  const sqlite: Backend = {
    name: "sql (better-sqlite3, a file)",
    lastWriteWins: false,
    async open() {
      const db = new Database(join(folder, `sessions-${++opened}.db`));
      db.pragma("journal_mode = WAL");
      return { store: sqlStore(db, { createTable: true }), close: () => void db.close() };
    },
  };
  const postgres: Backend = {
    name: "sql (pg, PostgreSQL)",
    lastWriteWins: false,
    open: async () => ({ store: sqlStore(pool!, { table: `races_${++opened}`, createTable: true }), close() {} }),
  };
  return withoutPostgres ? [sqlite] : [postgres, sqlite];
}
