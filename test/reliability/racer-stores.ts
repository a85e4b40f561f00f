// The stores a racer child process can build, by kind, each from environment variables only (so
// every process gets its own client). A store's test registers its kind here and passes the
// variables to `defineCrossProcessRaces`.
import type { SessionStore } from "../../src/store.js";

export interface RacerStore {
  store: SessionStore;
  close(): Promise<void> | void;
}

export type RacerStoreFactory = (env: Record<string, string | undefined>) => Promise<RacerStore>;

export const racerStores: Record<string, RacerStoreFactory> = {
  /** Deno KV through `@deno/kv` on one SQLite file that every process opens (DENO_KV_PATH). */
  async "deno-kv-file"(env) {
    const { openKv } = await import("@deno/kv");
    const { denoKVStore } = await import("../../adapters/deno-kv.js");
    const kv = await openKv(required(env, "DENO_KV_PATH"));
    return { store: denoKVStore(kv), close: () => kv.close() };
  },
  /** Redis through node-redis, at REDIS_URL, under REDIS_PREFIX. */
  async "redis-node-redis"(env) {
    const { createClient } = await import("redis");
    const { redisStore } = await import("../../adapters/redis.js");
    const client = await createClient({ url: required(env, "REDIS_URL") }).connect();
    return { store: redisStore(client, { prefix: required(env, "REDIS_PREFIX") }), close: () => client.close() };
  },
  /** Redis through ioredis, at REDIS_URL, under REDIS_PREFIX. */
  async "redis-ioredis"(env) {
    const { Redis } = await import("ioredis");
    const { redisStore } = await import("../../adapters/redis.js");
    const client = new Redis(required(env, "REDIS_URL"));
    return { store: redisStore(client, { prefix: required(env, "REDIS_PREFIX") }), close: () => client.disconnect() };
  },
  /** Redis through `@upstash/redis` over HTTP, at UPSTASH_URL with UPSTASH_TOKEN, under REDIS_PREFIX. */
  async "redis-upstash"(env) {
    const { Redis } = await import("@upstash/redis");
    const { redisStore } = await import("../../adapters/redis.js");
    const client = new Redis({ url: required(env, "UPSTASH_URL"), token: required(env, "UPSTASH_TOKEN"), enableTelemetry: false });
    return { store: redisStore(client, { prefix: required(env, "REDIS_PREFIX") }), close() {} };
  },
  /** The SQL store on PostgreSQL (POSTGRES_URL, a table SQL_TABLE that exists), through `pg` or postgres.js (SQL_CLIENT). */
  async postgres(env) {
    const { sqlStore } = await import("../../adapters/sql.js");
    const url = required(env, "POSTGRES_URL");
    const table = required(env, "SQL_TABLE");
    if (required(env, "SQL_CLIENT") === "postgres.js") {
      const { default: postgres } = await import("postgres");
      const sql = postgres(url, { max: 2 });
      return { store: sqlStore(sql, { table }), close: () => sql.end() };
    }
    const { default: pg } = await import("pg");
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    return { store: sqlStore(pool, { table }), close: () => pool.end() };
  },
  /** The SQL store on one SQLite file that every process opens with better-sqlite3 (SQLITE_PATH), in WAL mode. */
  async "sqlite-file"(env) {
    const { sqlStore } = await import("../../adapters/sql.js");
    const { default: Database } = await import("better-sqlite3");
    // better-sqlite3 waits up to 5 s for another process's write lock (its `timeout` option).
    const db = new Database(required(env, "SQLITE_PATH"));
    // Switching to WAL takes the file's lock without the busy timeout: racers opening together retry.
    for (let attempt = 1; ; attempt++) {
      try {
        db.pragma("journal_mode = WAL");
        break;
      } catch (error) {
        if (attempt === 50 || (error as { code?: string }).code !== "SQLITE_BUSY") throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    return { store: sqlStore(db, { createTable: true }), close: () => void db.close() };
  },
};

export function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`racer: ${name} is not set`);
  return value;
}
