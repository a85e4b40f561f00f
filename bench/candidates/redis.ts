// The Redis candidates, side by side on one local redis-server that the bench starts (127.0.0.1, a
// free port, no persistence) and stops once both are closed: coatcheck's Redis store, and
// express-session with connect-redis, each through its own node-redis client. Every command either
// sends is counted around its client (one command, one round trip), beside the store calls.
// Node only: the bench under Bun and Deno lists them as not measured.
import { RedisStore } from "connect-redis";
import type session from "express-session";
import { createClient } from "redis";
import { redisStore } from "../../adapters/redis.js";
import { withSession } from "../../src/index.js";
import { type RedisServer, redisServerAvailable, startRedisServer } from "../../test/adapters/redis-server.js";
import { type StoreCounts, zeroCounts } from "../harness.js";
import { coatcheckApp, countingStore } from "./coatcheck-app.js";
import { expressSessionApp } from "./express-session.js";
import { type Candidate, type Instance, MAX_AGE } from "./shared.js";

declare const Bun: unknown;
declare const Deno: unknown;

/** The node-redis methods that send one command each: the one coatcheck uses and the ones connect-redis uses. */
const COMMANDS = new Set(["sendCommand", "get", "set", "expire", "del", "mGet"]);

let server: Promise<RedisServer> | undefined;
let clients = 0;

/** A node-redis client on the shared server, with every command it sends counted in `counts.roundTrips`. */
async function countedClient(counts: StoreCounts) {
  server ??= startRedisServer();
  const { url } = await server;
  const client = await createClient({ url }).connect();
  clients++;
  counts.roundTrips = 0;
  const counted = new Proxy(client, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function" || !COMMANDS.has(String(name))) return value;
      return (...args: unknown[]) => {
        counts.roundTrips!++;
        return value.apply(target, args);
      };
    },
  });
  const close = async () => {
    await client.close();
    if (--clients === 0) await (await server!).stop();
  };
  return { client: counted, close };
}

export const coatcheckRedis: Candidate = {
  name: "coatcheck (redis)",
  floor: "fetch",
  store: "server",
  note: "`withSession` + `redisStore(client)` with a node-redis client, on a local redis-server the bench starts; store wrapped by a counter",
  async create(): Promise<Instance> {
    const counts = zeroCounts();
    const { client, close } = await countedClient(counts);
    const { store } = countingStore(redisStore(client), counts);
    return { fetch: coatcheckApp({ withSession }, store), counts, close };
  },
};

class CountingRedisStore extends RedisStore {
  constructor(
    options: ConstructorParameters<typeof RedisStore>[0],
    readonly counts: StoreCounts,
  ) {
    super(options);
  }
  override get(sid: string, callback: (error: unknown, data?: session.SessionData | null) => void) {
    this.counts.reads++;
    return super.get(sid, callback);
  }
  override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void) {
    this.counts.writes++;
    return super.set(sid, data, callback);
  }
  override touch(sid: string, data: session.SessionData, callback?: () => void) {
    this.counts.writes++;
    return super.touch(sid, data, callback);
  }
  override destroy(sid: string, callback?: (error?: unknown) => void) {
    this.counts.deletes++;
    return super.destroy(sid, callback);
  }
}

export const connectRedis: Candidate = {
  name: "express-session + connect-redis",
  floor: "express",
  store: "server",
  note: "express 5 + `express-session` (`resave: false`, `saveUninitialized: false`) + `connect-redis` 9 with a node-redis client, on the same redis-server, through light-my-request",
  async create(): Promise<Instance> {
    const counts = zeroCounts();
    const { client, close } = await countedClient(counts);
    const store = new CountingRedisStore({ client, ttl: MAX_AGE }, counts);
    return { fetch: expressSessionApp({ store }), counts, close };
  },
};

/** The Redis candidates, or why they cannot run here. */
export function redisCandidates(): (Candidate | string)[] {
  const names = [coatcheckRedis.name, connectRedis.name].join(" and ");
  if (typeof Bun !== "undefined" || typeof Deno !== "undefined") return [`${names}: measured under Node only`];
  if (!redisServerAvailable()) return [`${names}: redis-server is not installed`];
  return [coatcheckRedis, connectRedis];
}
