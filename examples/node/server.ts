/**
 * The shopping cart on Node: `@hono/node-server` turns Node's HTTP server into a fetch handler
 * host; sessions live in the memory store (one process; lost on restart).
 *
 * @module
 */
import { type ServerType, serve } from "@hono/node-server";
import { withSession } from "coatcheck";
import { memoryStore } from "coatcheck/adapters/memory";
import { type CartData, createCartApp, sessionSecrets } from "../app/cart.ts";

/** Where the server listens; both default to the `PORT` and `HOST` environment variables. */
export interface CartServerOptions {
  /** [PORT or 3000] 0 picks a free port. */
  port?: number;
  /** [HOST or "127.0.0.1"] */
  hostname?: string;
}

/**
 * Starts the cart app and resolves once it listens.
 *
 * @example
 * ```ts
 * const { url, close } = await startCartServer({ port: 0 });
 * console.log(`the shop is open at ${url}`);
 * await close();
 * ```
 */
export async function startCartServer(
  options: CartServerOptions = {},
): Promise<{ url: string; server: ServerType; close(): Promise<void> }> {
  const port = options.port ?? Number(process.env.PORT ?? 3000);
  const hostname = options.hostname ?? process.env.HOST ?? "127.0.0.1";
  const fetch = withSession<CartData>(createCartApp(), { secrets: sessionSecrets(process.env.SESSION_SECRETS), store: memoryStore() });
  return new Promise((resolve) => {
    const server = serve({ fetch, port, hostname }, (info) => {
      const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        server,
        close: () => new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done()))),
      });
    });
  });
}
