// What the SQL candidates share: one PostgreSQL server for coatcheck and connect-pg-simple alike
// (Debian's binaries, started in a temporary folder on 127.0.0.1 and stopped by PID when the last
// candidate using it closes), and SQL statements counted by kind at the client.
import pg from "pg";
import { type PostgresServer, postgresMissing, startPostgres } from "../../test/adapters/postgres-server.js";
import { type StoreCounts, zeroCounts } from "../harness.js";

let server: Promise<PostgresServer> | undefined;
let users = 0;

/** The shared server, started on first use; `release()` once per call, and the last one stops it. */
export async function sharedPostgres(): Promise<{ url: string; release(): Promise<void> }> {
  const missing = postgresMissing();
  if (missing) throw new Error(missing);
  server ??= startPostgres();
  const { url } = await server;
  users++;
  return {
    url,
    async release() {
      if (--users > 0 || !server) return;
      const stopping = server;
      server = undefined;
      await (await stopping).dispose();
    },
  };
}

/** SELECT is a read, INSERT and UPDATE a write, DELETE a delete (pruning included); DDL is not counted. */
export function countStatement(counts: StoreCounts, text: string): void {
  const verb = text.trimStart().slice(0, 6).toUpperCase();
  if (verb === "SELECT") counts.reads++;
  else if (verb === "INSERT" || verb === "UPDATE") counts.writes++;
  else if (verb === "DELETE") counts.deletes++;
}

/** A `pg` Pool that counts every statement it is sent, whichever way it is called. */
export function countingPool(url: string): { pool: pg.Pool; counts: StoreCounts } {
  const counts = zeroCounts();
  class CountingPool extends pg.Pool {
    // biome-ignore lint/suspicious/noExplicitAny: pg's query has a dozen overloads; this forwards them all.
    override query(...args: any[]): any {
      const text = typeof args[0] === "string" ? args[0] : (args[0]?.text ?? "");
      countStatement(counts, text);
      return (super.query as (...forwarded: unknown[]) => unknown)(...args);
    }
  }
  // The pool size the pg documentation starts from; idle clients closed so the process can end.
  const pool = new CountingPool({ connectionString: url, max: 10, idleTimeoutMillis: 1000 });
  pool.on("error", () => {});
  return { pool, counts };
}
