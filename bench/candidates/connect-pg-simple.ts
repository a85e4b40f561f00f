// The connect-pg-simple candidate: express 5 + `express-session` with `connect-pg-simple` on the
// same PostgreSQL server as coatcheck (sql), through light-my-request. Counted are the SQL
// statements its `pg` Pool is sent.
import connectPgSimple from "connect-pg-simple";
import session from "express-session";
import { expressSessionApp } from "./express-session.js";
import type { Candidate } from "./shared.js";
import { countingPool, sharedPostgres } from "./sql-shared.js";

declare module "express-session" {
  interface SessionData {
    count: number;
  }
}

export const connectPgSimpleCandidate: Candidate = {
  name: "express-session (connect-pg-simple)",
  floor: "express",
  store: "server",
  note: "express 5 + `express-session` (`resave: false`, `saveUninitialized: false`) + `connect-pg-simple` (`createTableIfMissing`, its timed full-table prune turned off for the run) on a `pg` Pool (max 10) to the same PostgreSQL server, through light-my-request; reads / writes / deletes are the SQL statements sent",
  async create() {
    const postgres = await sharedPostgres();
    const { pool, counts } = countingPool(postgres.url);
    const PgStore = connectPgSimple(session);
    const store = new PgStore({ pool, tableName: "connect_pg_simple_bench", createTableIfMissing: true, pruneSessionInterval: false });
    return {
      fetch: expressSessionApp({ store }),
      counts,
      async close() {
        store.close();
        await pool.end();
        await postgres.release();
      },
    };
  },
};
