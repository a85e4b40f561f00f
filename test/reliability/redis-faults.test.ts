// Faults of a real redis-server under the Redis store, each on a server of its own: killed with
// SIGKILL while requests wait for it (they fail with ERR_SESSION_STORE, never as a silent new
// session, and the store works again once a server is back on the port), and hung with SIGSTOP (a
// call fails with ERR_SESSION_STORE_TIMEOUT after `storeTimeout`, and works again on SIGCONT).
import { Redis as IORedis } from "ioredis";
import { createClient } from "redis";
import { afterEach, describe, expect, it } from "vitest";
import { type RedisClientLike, redisStore } from "../../adapters/redis.js";
import { SessionError, withSession } from "../../src/index.js";
import { type RedisServer, redisServerAvailable, startRedisServer } from "../adapters/redis-server.js";
import { CookieJar, SECRET } from "../helpers.js";

const available = redisServerAvailable();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Connect = (server: RedisServer) => Promise<RedisClientLike & { close(): unknown }>;
const clients: [string, Connect][] = [
  // node-redis reports a lost connection as an 'error' event, which an app listens to (unheard, it throws).
  [
    "node-redis",
    async (server) =>
      createClient({ url: server.url })
        .on("error", () => {})
        .connect(),
  ],
  [
    // ioredis resends unanswered commands after reconnecting, so a dead server would hold a
    // request until the timeout; `maxRetriesPerRequest: 0` makes it fail them at once instead.
    "ioredis with maxRetriesPerRequest: 0",
    async (server) => {
      const client = new IORedis(server.port, "127.0.0.1", { maxRetriesPerRequest: 0 }).on("error", () => {});
      return Object.assign(client, { close: () => client.disconnect() });
    },
  ],
];

async function setup(connect: Connect, storeTimeout = 10_000) {
  const server = await startRedisServer();
  cleanups.push(() => server.stop());
  const client = await connect(server);
  cleanups.push(async () => void (await client.close()));
  /** Commands the store has handed to the client. */
  const sent = { count: 0 };
  const counting = new Proxy(client, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== "function" || !["call", "sendCommand"].includes(String(name))) return value;
      return (...args: unknown[]) => (sent.count++, value.apply(target, args));
    },
  });
  /** Paths whose handler got past `ctx.session()`, with whether the session was new. */
  const ran: { path: string; isNew: boolean }[] = [];
  const handler = withSession<{ n?: number }>(
    async (request, ctx) => {
      const session = await ctx.session();
      const path = new URL(request.url).pathname;
      ran.push({ path, isNew: session.isNew });
      if (path === "/add") session.set("n", (session.get("n") ?? 0) + 1);
      return Response.json(session.get("n") ?? 0);
    },
    { secrets: SECRET, store: redisStore(counting), storeTimeout },
  );
  return { server, handler, ran, sent };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!available)("redis store faults", () => {
  describe.each(clients)("through %s", (_, connect) => {
    it("SIGKILL with requests in flight: each fails with ERR_SESSION_STORE, none runs on a new session; after a restart the store works again", async () => {
      const { server, handler, ran, sent } = await setup(connect);
      const jar = new CookieJar();
      jar.apply(await handler(jar.request("http://shop.test/add")));
      ran.length = 0;
      sent.count = 0;
      // Paused, the server leaves the commands unanswered: they are in flight when it dies.
      server.signal("SIGSTOP");
      const inFlight = ["/", "/add", "/add"].map((path) =>
        handler(jar.request(`http://shop.test${path}`)).then(
          () => "answered",
          (error) => error,
        ),
      );
      // A new visitor reads nothing: its handler runs, and its first write fails.
      const fresh = handler(new Request("http://shop.test/add")).then(
        () => "answered",
        (error) => error,
      );
      // Three reads and the new visitor's write handed to the client, and a moment to reach the socket.
      while (sent.count < 4) await settle(10);
      await settle(50);
      await server.kill();
      for (const outcome of await Promise.all([...inFlight, fresh])) {
        expect(outcome).toBeInstanceOf(SessionError);
        expect(outcome).toMatchObject({
          code: "ERR_SESSION_STORE",
          message: expect.stringMatching(/^coatcheck: redis store: \w+ failed\.$/),
        });
        expect((outcome as Error).cause).toBeInstanceOf(Error);
      }
      expect(ran).toEqual([{ path: "/add", isNew: true }]);

      // A fresh server on the same port holds nothing (no persistence): the client reconnects, the
      // script is loaded again (EVAL after NOSCRIPT) and sessions work.
      await server.restart();
      const again = new CookieJar();
      const first = await handler(again.request("http://shop.test/add"));
      again.apply(first);
      expect(await first.json()).toBe(1);
      expect(await (await handler(again.request("http://shop.test/add"))).json()).toBe(2);
    });

    it("SIGSTOP (a hung server): a call fails with ERR_SESSION_STORE_TIMEOUT after storeTimeout; on SIGCONT it works again", async () => {
      const { server, handler, ran } = await setup(connect, 300);
      const jar = new CookieJar();
      jar.apply(await handler(jar.request("http://shop.test/add")));
      ran.length = 0;
      server.signal("SIGSTOP");
      await expect(handler(jar.request("http://shop.test/add"))).rejects.toMatchObject({
        code: "ERR_SESSION_STORE_TIMEOUT",
        message: "coatcheck: redis store: get took longer than 300 ms (`storeTimeout`).",
      });
      expect(ran).toEqual([]);
      server.signal("SIGCONT");
      expect(await (await handler(jar.request("http://shop.test/add"))).json()).toBe(2);
    });
  });
});
