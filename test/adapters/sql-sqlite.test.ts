// The SQL store on SQLite in Node: better-sqlite3 on a file and in memory, and node:sqlite where
// this Node has it (22.5 and later). bun:sqlite runs the same suite inside `bun`
// (test/runtimes/sql-bun.test.ts) and D1 inside Miniflare (sql-d1.test.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { build } from "esbuild";
import { afterAll, describe, expect, expectTypeOf, it } from "vitest";
import { type SqliteDatabaseLike, sqlStore, sqlStoreSchema } from "../../adapters/sql.js";
import { createSessions, withSession } from "../../src/index.js";
import { defineStoreConformance } from "../../src/testing.js";
import { CookieJar, fakeClock, SECRET } from "../helpers.js";
import { SQL_CAPABILITIES } from "../runtimes/entries/sql-capabilities.js";

const folder = mkdtempSync(join(tmpdir(), "coatcheck-sqlite-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(folder, `sessions-${++files}.db`);

defineStoreConformance(
  { describe, it },
  {
    name: "sql (better-sqlite3, file)",
    async create(clock) {
      const db = new Database(freshFile());
      db.pragma("journal_mode = WAL");
      return { store: sqlStore(db, { clock, createTable: true }), cleanup: () => void db.close() };
    },
    capabilities: SQL_CAPABILITIES,
  },
);

defineStoreConformance(
  { describe, it },
  {
    name: "sql (better-sqlite3, :memory:)",
    async create(clock) {
      const db = new Database(":memory:");
      return { store: sqlStore(db, { clock, createTable: true }), cleanup: () => void db.close() };
    },
    capabilities: SQL_CAPABILITIES,
  },
);

type NodeSqlite = { DatabaseSync: new (path: string) => SqliteDatabaseLike & { close(): void } };
/** node:sqlite, or why this Node cannot load it. */
const nodeSqlite: NodeSqlite | string = await import("node:sqlite" as string).then(
  (module: NodeSqlite) => module,
  (error: Error) => `node:sqlite is not in Node ${process.version} (it is from 22.5): ${error.message}`,
);
if (typeof nodeSqlite === "string") console.warn(`skipping the node:sqlite conformance run: ${nodeSqlite}`);

describe.skipIf(typeof nodeSqlite === "string")("node:sqlite", () => {
  defineStoreConformance(
    { describe, it },
    {
      name: "sql (node:sqlite)",
      async create(clock) {
        const db = new (nodeSqlite as NodeSqlite).DatabaseSync(":memory:");
        return { store: sqlStore(db, { clock, createTable: true }), cleanup: () => db.close() };
      },
      capabilities: SQL_CAPABILITIES,
    },
  );
});

const far = (clock: () => number, seconds = 3600) => ({ expiresAt: clock() + seconds * 1000, ttlSeconds: seconds, touchOnly: false });

describe("sql store on SQLite", () => {
  it("takes a better-sqlite3 Database as typed by its package (checked by tsc), as the SQLite dialect", () => {
    expectTypeOf<Database.Database>().toExtend<SqliteDatabaseLike>();
    const db = new Database(":memory:");
    expect(sqlStore(db).dialect).toBe("sqlite");
    db.close();
  });

  it("bundles no client: the adapter's own bundle is adapters/sql.ts and the core, importing nothing", async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL("../../adapters/sql.ts", import.meta.url))],
      bundle: true,
      format: "esm",
      platform: "neutral",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((path) => !/^(adapters\/sql|src\/[a-z-]+)\.ts$/.test(path))).toEqual([]);
    expect(result.outputFiles[0]!.text).not.toMatch(/\bimport\b|\brequire\(/);
  });

  it("refuses a client of no known shape and a table name that is not a plain identifier, at construction", () => {
    const db = new Database(":memory:");
    expect(() => sqlStore(new Map() as never)).toThrowError(
      expect.objectContaining({ code: "ERR_SESSION_OPTIONS", message: expect.stringMatching(/^coatcheck: sql store: the client is none/) }),
    );
    for (const table of ['x"; DROP TABLE users; --', "public.sessions", "1st", "", "t".repeat(53), 42]) {
      expect(() => sqlStore(db, { table: table as string })).toThrowError(
        expect.objectContaining({ code: "ERR_SESSION_OPTIONS", message: expect.stringMatching(/^coatcheck: sql store: `table` must be/) }),
      );
    }
    expect(sqlStore(db, { table: `_${"t".repeat(51)}` }).name).toBe("sql");
    db.close();
  });

  it("creates nothing by default: a missing table is ERR_SESSION_STORE naming the SQLite DDL to run", async () => {
    const db = new Database(":memory:");
    const clock = fakeClock();
    const store = sqlStore(db, { clock, table: "sessions" });
    const error = await store.set("k", "v", far(clock)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ERR_SESSION_STORE", cause: expect.objectContaining({ message: "no such table: sessions" }) });
    const [createTable, createIndex] = sqlStoreSchema("sqlite", "sessions");
    expect((error as Error).message).toBe(
      `coatcheck: sql store: the table "sessions" does not exist. Create it with \`${createTable};\` \`${createIndex};\` (\`sqlStoreSchema("sqlite", "sessions")\` returns these), or pass \`createTable: true\`.`,
    );
    db.exec(`${createTable}; ${createIndex};`);
    await store.set("k", "v", far(clock));
    expect((await store.get("k"))?.value).toBe("v");
    db.close();
  });

  it("reads, writes and prunes through the primary key and the expires_at index, never a scan of the table", async () => {
    const db = new Database(":memory:");
    const clock = fakeClock();
    const statements: string[] = [];
    const recording: SqliteDatabaseLike = { prepare: (sql) => (statements.push(sql), db.prepare(sql)) };
    const store = sqlStore(recording, { clock, createTable: true });
    await store.set("k", "v", far(clock));
    const read = (await store.get("k"))!;
    await store.compareAndSet!("k", "v2", read.version!, far(clock));
    await store.compareAndSet!("new", "n", null, far(clock));
    await store.delete("k");
    const queries = statements.filter((sql) => !sql.startsWith("CREATE"));
    expect(queries.map((sql) => sql.split(" ")[0])).toEqual(["DELETE", "INSERT", "SELECT", "UPDATE", "INSERT", "DELETE"]);
    for (const sql of queries) {
      const parameters = new Array(sql.split("?").length - 1).fill(0);
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as { detail: string }[];
      const details = plan.map((step) => step.detail);
      expect(details.join("\n"), sql).not.toMatch(/^SCAN coatcheck_sessions\b/m);
      if (sql.includes("expires_at <=") && sql.startsWith("DELETE")) {
        expect(details, sql).toContainEqual(expect.stringContaining("USING INDEX coatcheck_sessions_expires_at"));
      }
    }
    db.close();
  });

  it("two connections to one file: a write through one makes the other's compare-and-set fail", async () => {
    const file = freshFile();
    const clock = fakeClock();
    const one = new Database(file);
    const two = new Database(file);
    const first = sqlStore(one, { clock, createTable: true });
    const second = sqlStore(two, { clock, createTable: true });
    await first.set("k", "v1", far(clock));
    const readByFirst = (await first.get("k"))!;
    const readBySecond = (await second.get("k"))!;
    expect(readBySecond.version).toBe(readByFirst.version);
    expect(await second.compareAndSet!("k", "from two", readBySecond.version!, far(clock))).toEqual({ version: expect.anything() });
    expect(await first.compareAndSet!("k", "from one", readByFirst.version!, far(clock))).toBe(false);
    expect((await first.get("k"))?.value).toBe("from two");
    one.close();
    two.close();
  });

  it("a deleted key written again starts from a version no earlier read holds", async () => {
    const db = new Database(":memory:");
    const clock = fakeClock();
    const store = sqlStore(db, { clock, createTable: true });
    const versions = new Set<unknown>();
    for (let round = 0; round < 20; round++) {
      expect(await store.compareAndSet!("index", "v", null, far(clock))).toBe(true);
      versions.add((await store.get("index"))!.version);
      await store.delete("index");
    }
    expect(versions.size).toBe(20);
    db.close();
  });

  it("a closed database is a store error with its cause, not a missing session", async () => {
    const db = new Database(":memory:");
    const clock = fakeClock();
    const handler = withSession(async (_request, ctx) => Response.json((await ctx.session()).get("n") ?? 0), {
      secrets: SECRET,
      store: sqlStore(db, { clock, createTable: true }),
      clock,
    });
    const jar = new CookieJar();
    const created = await createSessions({ secrets: SECRET, store: sqlStore(db, { clock, createTable: true }), clock }).open(jar.request());
    (await created.session()).set("n", 1);
    jar.apply(await created.commit(new Response()));
    expect(await (await handler(jar.request())).json()).toBe(1);
    db.close();
    await expect(handler(jar.request())).rejects.toMatchObject({
      code: "ERR_SESSION_STORE",
      message: "coatcheck: sql store: get failed.",
      cause: expect.objectContaining({ message: expect.stringMatching(/not open/) }),
    });
  });
});
