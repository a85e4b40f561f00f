/**
 * The shopping cart on Bun: `Bun.serve` with the memory store (one process; lost on restart).
 * `npm run start:bun`; `PORT`, `HOST` and `SESSION_SECRETS` come from the environment.
 *
 * @module
 */
import { withSession } from "coatcheck";
import { memoryStore } from "coatcheck/adapters/memory";
import { type CartData, createCartApp, sessionSecrets } from "../app/cart.ts";

const fetch = withSession<CartData>(createCartApp(), { secrets: sessionSecrets(Bun.env.SESSION_SECRETS), store: memoryStore() });

const server = Bun.serve({
  port: Number(Bun.env.PORT ?? 3000),
  hostname: Bun.env.HOST ?? "127.0.0.1",
  fetch: (request) => fetch(request),
});
console.log(`coatcheck shop (Bun, memory store) at ${server.url}`);
