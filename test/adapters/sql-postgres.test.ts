// The SQL store on a real PostgreSQL server (Debian's package, started by postgres-server.ts on
// 127.0.0.1 in a temporary folder), through both Postgres clients the store takes: node-postgres
// (`pg`, a Pool and a Client) and postgres.js. Each runs the shared conformance suite.
import pg from "pg";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { type PgClientLike, type PostgresJsLike, sqlStore, sqlStoreSchema } from "../../adapters/sql.js";
import { withSession } from "../../src/index.js";
import { defineStoreConformance } from "../../src/testing.js";
import { CookieJar, fakeClock, SECRET } from "../helpers.js";
import { SQL_CAPABILITIES } from "../runtimes/entries/sql-capabilities.js";
import { type PostgresServer, skipWithoutPostgres, startPostgres } from "./postgres-server.js";

const skip = skipWithoutPostgres("the PostgreSQL tests of the sql store");
let server: PostgresServer;
let pool: pg.Pool;
let sql: postgres.Sql;
let tables = 0;
/** A table no other test uses. */
const freshTable = () => `t${++tables}`;

beforeAll(async () => {
  if (skip) return;
  server = await startPostgres();
  pool = new pg.Pool({ connectionString: server.url, max: 4 });
  pool.on("error", () => {}); // an idle client losing its server is reported by the next query
  sql = postgres(server.url, { max: 4, onnotice: () => {} });
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await sql?.end();
  await server?.dispose();
});

describe.skipIf(skip)("sql store on PostgreSQL", () => {
  defineStoreConformance(
    { describe, it },
    {
      name: "sql (pg Pool)",
      create: async (clock) => ({ store: sqlStore(pool, { clock, table: freshTable(), createTable: true }) }),
      capabilities: SQL_CAPABILITIES,
    },
  );

  defineStoreConformance(
    { describe, it },
    {
      name: "sql (pg Client)",
      async create(clock) {
        const client = new pg.Client({ connectionString: server.url });
        await client.connect();
        return { store: sqlStore(client, { clock, table: freshTable(), createTable: true }), cleanup: () => client.end() };
      },
      capabilities: SQL_CAPABILITIES,
    },
  );

  defineStoreConformance(
    { describe, it },
    {
      name: "sql (postgres.js)",
      create: async (clock) => ({ store: sqlStore(sql, { clock, table: freshTable(), createTable: true }) }),
      capabilities: SQL_CAPABILITIES,
    },
  );

  const far = (clock: () => number, seconds = 3600) => ({ expiresAt: clock() + seconds * 1000, ttlSeconds: seconds, touchOnly: false });

  it("takes a pg Pool, a pg Client and a postgres.js sql as typed by their packages (checked by tsc)", () => {
    expectTypeOf<pg.Pool>().toExtend<PgClientLike>();
    expectTypeOf<pg.Client>().toExtend<PgClientLike>();
    expectTypeOf<postgres.Sql>().toExtend<PostgresJsLike>();
    expect(sqlStore(pool).dialect).toBe("postgres");
    expect(sqlStore(sql).dialect).toBe("postgres");
  });

  it("creates nothing by default: a missing table is ERR_SESSION_STORE naming the DDL to run, which then works", async () => {
    const table = freshTable();
    const clock = fakeClock();
    const store = sqlStore(pool, { table, clock });
    const error = await store.get("k").catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ERR_SESSION_STORE", cause: expect.objectContaining({ code: "42P01" }) });
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^coatcheck: sql store: the table "${table}" does not exist`));
    for (const statement of sqlStoreSchema("postgres", table)) {
      expect(message).toContain(statement);
      await pool.query(statement);
    }
    await store.set("k", "v", far(clock));
    expect((await store.get("k"))?.value).toBe("v");
  });

  it("keeps the table the DDL describes: key, value, version, expires_at, and an index on expires_at", async () => {
    const table = freshTable();
    for (const statement of sqlStoreSchema("postgres", table)) await sql.unsafe(statement);
    const columns =
      await sql`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ${table} ORDER BY ordinal_position`;
    expect(columns.map((column) => `${column.column_name} ${column.data_type}`)).toEqual([
      "key text",
      "value text",
      "version bigint",
      "expires_at bigint",
    ]);
    const indexes = await sql`SELECT indexdef FROM pg_indexes WHERE tablename = ${table} ORDER BY indexname`;
    expect(indexes.map((index) => index.indexdef)).toContainEqual(expect.stringContaining("(expires_at)"));
  });

  it("stores rows with the expiry in ms, and writes a session with one statement: what a session's life looks like in the table", async () => {
    const table = freshTable();
    const clock = fakeClock();
    const counted = { queries: 0 };
    const counting: PgClientLike = { query: (text, values) => (counted.queries++, pool.query(text, values)) };
    const store = sqlStore(counting, { table, clock, createTable: true });
    const handler = withSession<{ n?: number }>(
      async (request, ctx) => {
        const session = await ctx.session();
        if (new URL(request.url).pathname === "/add") session.set("n", (session.get("n") ?? 0) + 1);
        return Response.json(session.get("n") ?? 0);
      },
      { secrets: SECRET, store, clock },
    );
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("https://shop.test/add"))); // the table created, a first prune, one insert
    counted.queries = 0;
    jar.apply(await handler(jar.request("https://shop.test/add")));
    expect(counted.queries).toBe(2); // one read, one write
    counted.queries = 0;
    expect(await (await handler(jar.request("https://shop.test/"))).json()).toBe(2);
    expect(counted.queries).toBe(1);
    const { rows } = await pool.query(`SELECT key, version, expires_at FROM "${table}"`);
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].expires_at)).toBe(clock() + 14 * 24 * 3600 * 1000);
  });

  it("prunes expired rows a bounded few at a time as writes go by, never the live ones", async () => {
    const table = freshTable();
    const clock = fakeClock();
    const store = sqlStore(pool, { table, clock, createTable: true });
    await store.set("live", "L", far(clock, 7200)); // the first write also prunes (nothing yet)
    const values = Array.from({ length: 450 }, (_, index) => `('old${index}', 'v', 1, ${clock() + 1000})`);
    await pool.query(`INSERT INTO "${table}" (key, value, version, expires_at) VALUES ${values.join(", ")}`);
    clock.advance(60);
    const remaining = async () => Number((await pool.query(`SELECT count(*) AS n FROM "${table}"`)).rows[0].n);
    for (let write = 1; write < 100; write++) await store.set("live", `L${write}`, far(clock, 7200));
    expect(await remaining()).toBe(451);
    await store.set("live", "L100", far(clock, 7200)); // the 101st write prunes at most 200
    expect(await remaining()).toBe(251);
    for (let write = 0; write < 200; write++) await store.set("live", "L", far(clock, 7200));
    expect(await remaining()).toBe(1);
    expect((await store.get("live"))?.value).toBe("L");
  });

  it("servers starting at once with createTable: every first write lands, though PostgreSQL refuses some of the racing CREATEs", async () => {
    const clock = fakeClock();
    const clients = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const client = new pg.Client({ connectionString: server.url });
        await client.connect();
        return client;
      }),
    );
    try {
      // Each round a new table that 12 connections create at the same instant.
      for (let round = 0; round < 5; round++) {
        const table = freshTable();
        const stores = clients.map((client) => sqlStore(client, { table, clock, createTable: true }));
        await Promise.all(stores.map((store, index) => store.set(`k${index}`, "v", far(clock))));
        for (const [index, store] of stores.entries()) expect((await store.get(`k${index}`))?.value).toBe("v");
      }
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });

  it("keeps stores on different tables of one database apart", async () => {
    const clock = fakeClock();
    const left = sqlStore(pool, { table: freshTable(), clock, createTable: true });
    const right = sqlStore(sql, { table: freshTable(), clock, createTable: true });
    await left.set("k", "L", far(clock));
    await right.set("k", "R", far(clock));
    await left.delete("k");
    expect(await left.get("k")).toBeNull();
    expect((await right.get("k"))?.value).toBe("R");
  });
});
