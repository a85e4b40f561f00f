// The SQL store when its PostgreSQL server goes away: the real server (postgres-server.ts) stopped
// by PID between requests and in the middle of one, through `pg` and postgres.js. A request then
// fails with ERR_SESSION_STORE (the driver's error as cause); the visitor never gets a new, empty
// session, no Set-Cookie is sent, and once the server is back the session is there as it was.
import pg from "pg";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SqlClient, sqlStore } from "../../adapters/sql.js";
import { SessionError, type SessionEvent, withSession } from "../../src/index.js";
import { type PostgresServer, skipWithoutPostgres, startPostgres } from "../adapters/postgres-server.js";
import { CookieJar, SECRET } from "../helpers.js";

const skip = skipWithoutPostgres("the PostgreSQL fault tests of the sql store");
let server: PostgresServer;
let pool: pg.Pool;
let sql: postgres.Sql;

beforeAll(async () => {
  if (skip) return;
  server = await startPostgres();
  pool = new pg.Pool({ connectionString: server.url, max: 2 });
  pool.on("error", () => {}); // an idle client losing its server is reported by the next query
  sql = postgres(server.url, { max: 2, onnotice: () => {} });
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await sql?.end({ timeout: 1 });
  await server?.dispose();
});

function app(client: SqlClient, table: string, midRequest?: () => Promise<void>) {
  const events: SessionEvent[] = [];
  const ran: string[] = [];
  const handler = withSession<{ cart?: string[] }>(
    async (request, ctx) => {
      const url = new URL(request.url);
      const session = await ctx.session();
      ran.push(url.pathname);
      if (url.pathname === "/add") session.set("cart", [...(session.get("cart") ?? []), url.searchParams.get("item")!]);
      if (url.pathname === "/add-after-outage") {
        await midRequest?.();
        session.set("cart", [...(session.get("cart") ?? []), "late"]);
      }
      return Response.json({ isNew: session.isNew, cart: session.get("cart") ?? [] });
    },
    {
      secrets: SECRET,
      store: sqlStore(client, { table, createTable: true }),
      storeTimeout: 20_000,
      onEvent: (event) => events.push(event),
    },
  );
  return { handler, events, ran };
}

async function failure(promise: Promise<unknown>): Promise<SessionError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SessionError);
  return error as SessionError;
}

const clients: [string, () => SqlClient][] = [
  ["pg Pool", () => pool],
  ["postgres.js", () => sql],
];

describe.skipIf(skip).each(clients)("sql store through %s, its PostgreSQL server stopped", (name, client) => {
  const table = name === "pg Pool" ? "faults_pg" : "faults_postgresjs";

  it("between requests: the read fails with ERR_SESSION_STORE, not a new session, and the session is back with the server", async () => {
    const { handler, events, ran } = app(client(), table);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add?item=apple")));
    const cookie = jar.header();
    ran.length = 0;
    await server.stop();
    try {
      const error = await failure(handler(jar.request("http://shop.test/add?item=pear")));
      expect(error.code).toBe("ERR_SESSION_STORE");
      expect(error.message).toBe("coatcheck: sql store: get failed.");
      expect(error.cause).toBeInstanceOf(Error);
      expect(ran).toEqual([]);
      expect(events.filter((event) => event.type === "created")).toHaveLength(1);
      expect(events.at(-1)).toEqual({ type: "store-error", store: "sql", error });
      expect(jar.header()).toBe(cookie);
    } finally {
      await server.start();
    }
    const back = await handler(jar.request("http://shop.test/"));
    expect(await back.json()).toEqual({ isNew: false, cart: ["apple"] });
  });

  it("in the middle of a request: the save fails with ERR_SESSION_STORE, no cookie is set, nothing half-written", async () => {
    let outage = false;
    const { handler } = app(client(), table, async () => {
      if (!outage) return;
      await server.stop();
    });
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add?item=apple")));
    const cookie = jar.header();
    outage = true;
    try {
      const error = await failure(handler(jar.request("http://shop.test/add-after-outage")));
      expect(error.code).toBe("ERR_SESSION_STORE");
      expect(error.message).toBe("coatcheck: sql store: compareAndSet failed.");
      expect(jar.header()).toBe(cookie);
    } finally {
      outage = false;
      await server.start();
    }
    const back = await handler(jar.request("http://shop.test/"));
    expect(await back.json()).toEqual({ isNew: false, cart: ["apple"] });
  });
});
