/**
 * The shopping cart on Cloudflare Workers, with sessions in Workers KV (binding `SESSIONS`, see
 * the root `wrangler.toml`). `npm start` serves it locally through `wrangler dev` and a local KV.
 *
 * Secrets: `wrangler secret put SESSION_SECRETS` (several separated by spaces, newest first). Left
 * unset, the public development-only secret is used, and only for requests to localhost.
 *
 * @module
 */
import { withSession } from "coatcheck";
import { cloudflareKVStore } from "coatcheck/adapters/cloudflare-kv";
import { type CartData, createCartApp, isLoopbackRequest, sessionSecrets } from "../app/cart.ts";

/** The bindings this Worker expects. */
export interface Env {
  SESSIONS: KVNamespace;
  SESSION_SECRETS?: string;
}

const cart = withSession<CartData, Env>(createCartApp(), (env) => ({
  secrets: sessionSecrets(env.SESSION_SECRETS),
  store: cloudflareKVStore(env.SESSIONS),
}));

export default {
  fetch(request, env, executionCtx) {
    if (!env.SESSION_SECRETS && !isLoopbackRequest(request)) {
      return new Response("SESSION_SECRETS is not set: run `wrangler secret put SESSION_SECRETS`.\n", { status: 500 });
    }
    return cart(request, env, executionCtx);
  },
} satisfies ExportedHandler<Env>;
