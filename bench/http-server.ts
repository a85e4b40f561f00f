// The server half of `npm run bench:http`: the README's Node quick start (@hono/node-server, a
// read-modify-write of `visits` per request) or the same server without sessions, on 127.0.0.1.
// Usage: node http-server.mjs plain|plain-headers|session|session-read; prints {"port":…} when listening.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { memoryStore } from "../adapters/memory.js";
import { withSession } from "../src/index.js";

const secret = "bench-http-secret-bench-http-secret-0001";
const mode = process.argv[2] ?? "plain";

const plain = async (_request: Request) => new Response("You have visited 1 time.\n");

/**
 * The floor a fetch-API session layer cannot go under on @hono/node-server: it must read the Cookie
 * header and touch the response's headers, and either makes the adapter build the real Request and
 * Response objects it otherwise skips.
 */
const plainHeaders = async (request: Request) => {
  request.headers.get("cookie");
  const response = new Response("You have visited 1 time.\n");
  response.headers.append("vary", "Cookie");
  return response;
};

const session = withSession<{ visits: number }>(
  async (request, ctx) => {
    const current = await ctx.session();
    if (mode === "session-read" && new URL(request.url).pathname !== "/login") {
      return new Response(`You have visited ${current.get("visits") ?? 0} times.\n`);
    }
    const visits = (current.get("visits") ?? 0) + 1;
    current.set("visits", visits);
    return new Response(`You have visited ${visits} time${visits === 1 ? "" : "s"}.\n`);
  },
  { secrets: [secret], store: memoryStore() },
);

const handlers: Record<string, (request: Request) => Promise<Response>> = {
  plain,
  "plain-headers": plainHeaders,
  session,
  "session-read": session,
};

const server = serve({ fetch: handlers[mode]!, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) => {
  console.log(JSON.stringify({ port: info.port }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
