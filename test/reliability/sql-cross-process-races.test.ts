// The cross-process races on the SQL store: several Node processes, each with its own client, on one
// PostgreSQL server (through `pg`, and through postgres.js) and on one SQLite file (better-sqlite3).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, it } from "vitest";
import { sqlStoreSchema } from "../../adapters/sql.js";
import { type PostgresServer, skipWithoutPostgres, startPostgres } from "../adapters/postgres-server.js";
import { defineCrossProcessRaces } from "./cross-process.js";

const folder = mkdtempSync(join(tmpdir(), "coatcheck-sql-races-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let files = 0;
defineCrossProcessRaces(
  { describe, it },
  // A new database file per test, so the tests share nothing.
  {
    name: "sql (better-sqlite3, one SQLite file)",
    kind: "sqlite-file",
    env: () => ({ SQLITE_PATH: join(folder, `sessions-${++files}.db`) }),
  },
);

const skip = skipWithoutPostgres("the PostgreSQL races of the sql store");
/** Tables made before the racers start (so no two processes create one at once), one per test. */
const TABLES = 12;
let server: PostgresServer;
let tables = 0;

beforeAll(async () => {
  if (skip) return;
  server = await startPostgres();
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  for (let table = 1; table <= TABLES; table++)
    for (const statement of sqlStoreSchema("postgres", `race_${table}`)) await client.query(statement);
  await client.end();
}, 60_000);
afterAll(async () => {
  await server?.dispose();
});

describe.skipIf(skip)("on PostgreSQL", () => {
  for (const client of ["pg", "postgres.js"]) {
    defineCrossProcessRaces(
      { describe, it },
      {
        name: `sql (${client}, one PostgreSQL server)`,
        kind: "postgres",
        env: () => ({ POSTGRES_URL: server.url, SQL_TABLE: `race_${++tables}`, SQL_CLIENT: client }),
      },
    );
  }
});
