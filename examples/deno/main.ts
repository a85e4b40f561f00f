/**
 * The shopping cart on Deno: `Deno.serve` with Deno KV. `npm run start:deno`; `PORT`, `HOST`,
 * `SESSION_SECRETS` and `DENO_KV_PATH` (a file, or `:memory:`; unset: Deno's default database)
 * come from the environment.
 *
 * @module
 */
import { withSession } from "coatcheck";
import { denoKVStore } from "coatcheck/adapters/deno-kv";
import { type CartData, createCartApp, sessionSecrets } from "../app/cart.ts";

const kv = await Deno.openKv(Deno.env.get("DENO_KV_PATH"));
const fetch = withSession<CartData>(createCartApp(), { secrets: sessionSecrets(Deno.env.get("SESSION_SECRETS")), store: denoKVStore(kv) });

Deno.serve(
  {
    port: Number(Deno.env.get("PORT") ?? 3000),
    hostname: Deno.env.get("HOST") ?? "127.0.0.1",
    onListen: ({ hostname, port }) => console.log(`coatcheck shop (Deno, Deno KV) at http://${hostname}:${port}/`),
  },
  (request) => fetch(request),
);
