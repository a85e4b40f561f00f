// `npm run load`, a pass/fail reliability check under load: the shopping-cart example
// (examples/app/cart.ts) on a Node HTTP server on 127.0.0.1, under autocannon for a bounded time,
// then checked: no errors, no lost update (each session's stored cart count equals the add requests
// the server answered for it), and memory bounded (the memory store's maxEntries holds under a
// flood of new visitors).
//
//   npm run load -- [--duration 30] [--sessions 100] [--per-session 1] [--flood 10] [--max-entries 10000]
//                   [--store-latency 0] [--store memory|redis]
//
// --store redis runs the app on the Redis store (node-redis) against a redis-server this check
// starts on a free port of 127.0.0.1 and stops afterwards; the maxEntries bound is then the memory
// store's only, and the flood's sessions are counted with DBSIZE.
//
// --per-session N opens N connections per session, so same-session requests race; with
// --store-latency MS (each store call first waits MS, like a networked store) they overlap
// between read and write, and the `conflict` events count the compare-and-set retries. The cart
// keeps every count under one session key ("cart"), and concurrent writes of one key are
// last-commit-wins by contract (the merge is per key), so with N > 1 adds that overlap overwrite
// each other: they are reported as `sameKeyOverwrites`, not as lost updates. The server runs in a child process so its
// memory is its own; the exit code is 1 when any check fails. It imports the built package
// (`npm run load` builds first), and autocannon's types are the bench's, declared once.
/// <reference path="../../bench/autocannon.d.ts" />
import { fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import autocannon, { type Options, type Result } from "autocannon";
import { createSessions, type SessionStore, withSession } from "coatcheck";
import { memoryStore } from "coatcheck/adapters/memory";
import { redisStore } from "coatcheck/adapters/redis";
import { createClient } from "redis";
import { type CartData, createCartApp } from "../../examples/app/cart.js";
import { type RedisServer, startRedisServer } from "../adapters/redis-server.js";

const SECRET = "load-test-secret-load-test-secret-load-test";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

interface Memory {
  rssMiB: number;
  heapUsedMiB: number;
}
type ServerMessage =
  | { type: "listening"; port: number; memory: Memory }
  | {
      type: "stats";
      counts: { stored: number | null; handled: number }[];
      conflicts: number;
      storeErrors: number;
      thrown: number;
      created: number;
      size: number;
      memory: Memory;
    };

function memoryUsage(): Memory {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMiB: Math.round(rss / 2 ** 20), heapUsedMiB: Math.round(heapUsed / 2 ** 20) };
}

/** `store` with every call delayed by `ms`, as if it were across a network. */
function withLatency(store: SessionStore, ms: number): SessionStore {
  if (ms <= 0) return store;
  const delay = () => new Promise((resolve) => setTimeout(resolve, ms));
  return {
    name: store.name,
    get: async (key) => (await delay(), store.get(key)),
    set: async (key, value, options) => (await delay(), store.set(key, value, options)),
    delete: async (key) => (await delay(), store.delete(key)),
    compareAndSet: async (key, value, expected, options) => (await delay(), store.compareAndSet!(key, value, expected, options)),
  };
}

/** The store the app runs on, and how many sessions it holds. */
async function openStore(maxEntries: number, redisUrl: string | undefined): Promise<{ store: SessionStore; size(): Promise<number> }> {
  if (!redisUrl) {
    const memory = memoryStore({ maxEntries });
    return { store: memory, size: async () => memory.size };
  }
  const client = await createClient({ url: redisUrl }).connect();
  return { store: redisStore(client), size: async () => Number(await client.sendCommand(["DBSIZE"])) };
}

/** The child: the cart app on a real Node HTTP server, counting what it answered. */
async function runServer(maxEntries: number, latency: number, redisUrl: string | undefined): Promise<void> {
  const opened = await openStore(maxEntries, redisUrl);
  const store = withLatency(opened.store, latency);
  const stats = { conflicts: 0, storeErrors: 0, thrown: 0, created: 0 };
  const app = withSession<CartData>(createCartApp(), {
    secrets: [SECRET],
    store,
    onEvent(event) {
      if (event.type === "conflict") stats.conflicts++;
      if (event.type === "store-error") stats.storeErrors++;
      if (event.type === "created") stats.created++;
    },
  });
  /** Adds answered (303, saved), by the exact Cookie header they came with. */
  const handled = new Map<string, number>();
  const fetch = async (request: Request): Promise<Response> => {
    const cookie = request.headers.get("cookie");
    try {
      const response = await app(request);
      if (cookie && response.status === 303) handled.set(cookie, (handled.get(cookie) ?? 0) + 1);
      return response;
    } catch {
      stats.thrown++;
      return new Response("session failure\n", { status: 500 });
    }
  };
  const reader = createSessions<CartData>({ secrets: [SECRET], store });
  process.on("message", async (message: { type: "stats"; cookies: string[] }) => {
    const counts = [];
    for (const cookie of message.cookies) {
      const session = await (await reader.open(new Request("http://127.0.0.1/", { headers: { cookie } }))).session();
      counts.push({ stored: session.isNew ? null : (session.get("cart")?.apple ?? 0), handled: handled.get(cookie) ?? 0 });
    }
    process.send!({ type: "stats", counts, ...stats, size: await opened.size(), memory: memoryUsage() } satisfies ServerMessage);
  });
  serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
    process.send!({ type: "listening", port: info.port, memory: memoryUsage() } satisfies ServerMessage);
  });
}

function load(options: Options): Promise<Result> {
  return new Promise((resolve, reject) => autocannon(options, (error, result) => (error ? reject(error) : resolve(result))));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "30" },
      sessions: { type: "string", default: "100" },
      "per-session": { type: "string", default: "1" },
      flood: { type: "string", default: "10" },
      "max-entries": { type: "string", default: "10000" },
      "store-latency": { type: "string", default: "0" },
      store: { type: "string", default: "memory" },
    },
  });
  const duration = Number(values.duration);
  const sessions = Number(values.sessions);
  const perSession = Number(values["per-session"]);
  const floodSeconds = Number(values.flood);
  const maxEntries = Number(values["max-entries"]);
  const latency = Number(values["store-latency"]);
  const storeKind = values.store;
  if (storeKind !== "memory" && storeKind !== "redis") throw new Error(`load: --store must be memory or redis; got ${storeKind}`);
  const redis: RedisServer | undefined = storeKind === "redis" ? await startRedisServer() : undefined;

  const serveArgs = ["serve", String(maxEntries), String(latency), ...(redis ? [redis.url] : [])];
  const child = fork(fileURLToPath(import.meta.url), serveArgs, { execArgv: ["--expose-gc"] });
  const next = async <T extends ServerMessage["type"]>(type: T) => {
    for (;;) {
      const [message] = (await once(child, "message")) as [ServerMessage];
      if (message.type === type) return message as Extract<ServerMessage, { type: T }>;
    }
  };
  try {
    const { port, memory: atStart } = await next("listening");
    const url = `http://127.0.0.1:${port}/cart/add`;
    const addApple = (cookie?: string) =>
      fetch(url, { method: "POST", headers: cookie ? { ...FORM, cookie } : FORM, body: "item=apple", redirect: "manual" });

    // One seeded session per browser: the first add sets the cookie.
    const cookies: string[] = [];
    for (let i = 0; i < sessions; i++) {
      const response = await addApple();
      cookies.push(response.headers.getSetCookie()[0]!.split(";")[0]!);
    }

    console.log(
      `load: ${storeKind} store, ${sessions} sessions x ${perSession} connection(s), ${duration} s, store latency ${latency} ms, POST /cart/add on ${url}`,
    );
    let answered = 0;
    let badStatus = 0;
    let nextClient = 0;
    const result = await load({
      url,
      method: "POST",
      connections: sessions * perSession,
      duration,
      headers: FORM,
      body: "item=apple",
      setupClient(client) {
        const cookie = cookies[nextClient++ % sessions]!;
        client.setHeaders({ ...FORM, cookie });
        client.on("response", (status) => (status === 303 ? answered++ : badStatus++));
      },
    });
    // Requests cut off when the run stopped still finish on the server; let them.
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.send({ type: "stats", cookies });
    const afterLoad = await next("stats");
    let missing = 0;
    let phantom = 0;
    let handledTotal = 0;
    let missingSessions = 0;
    for (const { stored, handled } of afterLoad.counts) {
      handledTotal += handled;
      if (stored === null) missingSessions++;
      // The seeding request added one apple before the cookie existed.
      const expected = handled + 1;
      const actual = stored ?? 0;
      if (actual < expected) missing += expected - actual;
      if (actual > expected) phantom += actual - expected;
    }

    console.log(
      `flood: ${floodSeconds} s of new visitors (no cookie)${redis ? ", sessions in Redis counted with DBSIZE" : `, memory store maxEntries ${maxEntries}`}`,
    );
    let floodAnswered = 0;
    let floodBad = 0;
    const flood =
      floodSeconds > 0
        ? await load({
            url,
            method: "POST",
            connections: 100,
            duration: floodSeconds,
            headers: FORM,
            body: "item=apple",
            setupClient(client) {
              client.on("response", (status) => (status === 303 ? floodAnswered++ : floodBad++));
            },
          })
        : undefined;
    child.send({ type: "stats", cookies: [] });
    const afterFlood = await next("stats");

    // One connection per session: nothing overlaps, so any add missing from the store was lost.
    const lostUpdates = perSession === 1 ? missing : 0;
    const sameKeyOverwrites = perSession === 1 ? 0 : missing;
    const errors = result.errors + result.timeouts + badStatus + afterLoad.thrown + afterLoad.storeErrors;
    const floodErrors = (flood ? flood.errors + flood.timeouts : 0) + floodBad + afterFlood.thrown - afterLoad.thrown;
    const figures = {
      store: storeKind,
      requests: answered,
      requestsPerSecond: Math.round(answered / duration),
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      sessions,
      connections: sessions * perSession,
      storeLatencyMs: latency,
      addsSavedServerSide: handledTotal,
      conflictsRetried: afterLoad.conflicts,
      lostUpdates,
      sameKeyOverwrites,
      phantomUpdates: phantom,
      missingSessions,
      errors,
      floodRequests: floodAnswered,
      floodNewSessions: afterFlood.created - afterLoad.created,
      floodErrors,
      storeSizeAfterFlood: afterFlood.size,
      maxEntries,
      memoryAtStart: atStart,
      memoryAfterLoad: afterLoad.memory,
      memoryAfterFlood: afterFlood.memory,
    };
    console.table(
      Object.entries(figures).map(([figure, value]) => ({ figure, value: typeof value === "object" ? JSON.stringify(value) : value })),
    );
    console.log(`LOAD_RESULT ${JSON.stringify(figures)}`);
    const failures = [
      errors > 0 && `${errors} errors`,
      lostUpdates > 0 && `${lostUpdates} lost updates`,
      phantom > 0 && `${phantom} updates stored that no answered request made`,
      missingSessions > 0 && `${missingSessions} sessions gone`,
      floodErrors > 0 && `${floodErrors} errors during the flood`,
      !redis && afterFlood.size > maxEntries && `the store holds ${afterFlood.size} sessions, more than maxEntries ${maxEntries}`,
    ].filter(Boolean);
    if (sameKeyOverwrites > 0) {
      console.log(
        `load: ${sameKeyOverwrites} of ${handledTotal} adds were overwritten by a concurrent add to the same session key (the later commit wins, by contract)`,
      );
    }
    if (failures.length > 0) {
      console.error(`load: FAILED: ${failures.join("; ")}`);
      process.exitCode = 1;
    } else {
      console.log(`load: OK: 0 errors, 0 lost updates${redis ? "" : ", the store stayed within maxEntries"}`);
    }
  } finally {
    const exited = child.exitCode === null && child.signalCode === null ? once(child, "exit") : undefined;
    child.kill();
    await exited;
    await redis?.stop();
  }
}

if (process.argv[2] === "serve") await runServer(Number(process.argv[3]), Number(process.argv[4]), process.argv[5]);
else await main();
