// The SQL store on Cloudflare D1, a D1 database inside workerd (Miniflare), through the binding a
// Worker gets as `env.DB`.
import type { D1Database } from "@cloudflare/workers-types/experimental/index.js";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { type D1DatabaseLike, sqlStore } from "../../adapters/sql.js";
import { defineStoreConformance } from "../../src/testing.js";
import { CookieJar, countingHandler, fakeClock, SECRET } from "../helpers.js";
import { SQL_CAPABILITIES } from "../runtimes/entries/sql-capabilities.js";

let mf: Miniflare;
let db: D1DatabaseLike;
let tables = 0;
const freshTable = () => `t${++tables}`;

beforeAll(async () => {
  mf = new Miniflare({ modules: true, script: "export default { fetch() { return new Response(); } }", d1Databases: { DB: "sessions" } });
  db = (await mf.getD1Database("DB")) as unknown as D1DatabaseLike;
});
afterAll(async () => {
  await mf?.dispose();
});

/**
 * The binding as the tests reach it: through Miniflare's proxy from Node, which fails an internal
 * assertion when dozens of calls are in flight at once (the 50-login case), so calls pass through
 * it one at a time. A Worker calls D1 directly; the store's statements are the same either way.
 */
function oneCallAtATime(target: D1DatabaseLike): D1DatabaseLike {
  let last: Promise<unknown> = Promise.resolve();
  const queued = <T>(call: () => Promise<T>): Promise<T> => {
    const next = last.then(call, call);
    last = next.catch(() => {});
    return next;
  };
  return {
    prepare: (query) => ({
      bind: (...values) => ({
        first: <T>() =>
          queued(() =>
            target
              .prepare(query)
              .bind(...values)
              .first<T>(),
          ),
        run: () =>
          queued(() =>
            target
              .prepare(query)
              .bind(...values)
              .run(),
          ),
      }),
    }),
    batch: (statements) => queued(() => target.batch(statements)),
    withSession: (constraint) => oneCallAtATime(target.withSession!(constraint)),
  };
}

defineStoreConformance(
  { describe, it },
  {
    name: "sql (D1)",
    create: async (clock) => ({ store: sqlStore(oneCallAtATime(db), { clock, table: freshTable(), createTable: true }) }),
    capabilities: SQL_CAPABILITIES,
  },
);

const far = (clock: () => number, seconds = 3600) => ({ expiresAt: clock() + seconds * 1000, ttlSeconds: seconds, touchOnly: false });

describe("sql store on D1", () => {
  it("takes a D1Database binding as typed by @cloudflare/workers-types (checked by tsc), as the SQLite dialect", () => {
    expectTypeOf<D1Database>().toExtend<D1DatabaseLike>();
    expect(sqlStore(db).dialect).toBe("sqlite");
  });

  it("reads every session from the primary (withSession('first-primary')), writes through the binding", async () => {
    const used: string[] = [];
    const recording: D1DatabaseLike = {
      prepare: (sql) => (used.push(`binding: ${sql.split(" ")[0]}`), db.prepare(sql)),
      batch: (statements) => db.batch(statements),
      withSession(constraint) {
        const session = db.withSession!(constraint);
        return { prepare: (sql) => (used.push(`${constraint}: ${sql.split(" ")[0]}`), session.prepare(sql)), batch: session.batch };
      },
    };
    const clock = fakeClock();
    const handler = countingHandler({
      secrets: SECRET,
      store: sqlStore(recording, { clock, table: freshTable(), createTable: true }),
      clock,
    });
    const jar = new CookieJar();
    jar.apply(await handler(jar.request()));
    used.length = 0;
    expect(await (await handler(jar.request())).json()).toBe(2);
    expect(used).toEqual(["first-primary: SELECT", "binding: UPDATE"]);
  });

  it("refuses a session over D1's 2,000,000-byte row before sending it, and keeps the old one", async () => {
    const clock = fakeClock();
    const store = sqlStore(db, { clock, table: freshTable(), createTable: true });
    await store.set("k", "small", far(clock));
    const fits = "x".repeat(2_000_000 - 1024);
    await store.set("fits", fits, far(clock));
    expect((await store.get("fits"))?.value.length).toBe(fits.length);
    await expect(store.set("k", "é".repeat(1_000_000), far(clock))).rejects.toMatchObject({
      code: "ERR_SESSION_TOO_LARGE",
      message: "coatcheck: sql store: the session is 2000000 bytes; D1 takes at most 1998976 in a row's value. Keep less in the session.",
    });
    expect((await store.get("k"))?.value).toBe("small");
  });

  it("a missing table is ERR_SESSION_STORE naming the DDL, as D1 words it", async () => {
    const store = sqlStore(db, { table: freshTable() });
    await expect(store.get("k")).rejects.toMatchObject({
      code: "ERR_SESSION_STORE",
      message: expect.stringMatching(/^coatcheck: sql store: the table "t\d+" does not exist. Create it with `CREATE TABLE IF NOT EXISTS/),
      cause: expect.objectContaining({ message: expect.stringMatching(/^D1_ERROR: no such table/) }),
    });
  });
});
