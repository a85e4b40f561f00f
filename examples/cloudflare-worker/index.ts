/**
 * The shopping cart on Cloudflare Workers. With the root `wrangler.toml` (`npm start`) sessions are
 * in Workers KV (binding `SESSIONS`); with `wrangler.durable-object.toml`
 * (`npm run start:durable-object`) they are in Durable Objects (binding `SESSION_OBJECTS`, the
 * class re-exported below). Both run locally through `wrangler dev`, with no account and no network.
 *
 * Secrets: `wrangler secret put SESSION_SECRETS` (several separated by spaces, newest first). Left
 * unset, the public development-only secret is used, and only for requests to localhost.
 *
 * @module
 */
import { withSession } from "coatcheck";
import { cloudflareKVStore } from "coatcheck/adapters/cloudflare-kv";
import { CoatcheckSessionObject, durableObjectStore } from "coatcheck/adapters/durable-object";
import { type CartData, createCartApp, isLoopbackRequest, sessionSecrets } from "../app/cart.ts";

// The Durable Object class must be exported by the Worker's main module to be bound.
export { CoatcheckSessionObject };

/** The bindings this Worker expects: one of the two session stores, and the secrets. */
export interface Env {
  /** Workers KV, bound by wrangler.toml. */
  SESSIONS?: KVNamespace;
  /** Durable Objects, bound by wrangler.durable-object.toml; used when present. */
  SESSION_OBJECTS?: DurableObjectNamespace<CoatcheckSessionObject>;
  SESSION_SECRETS?: string;
}

const cart = withSession<CartData, Env>(createCartApp(), (env) => ({
  secrets: sessionSecrets(env.SESSION_SECRETS),
  store: env.SESSION_OBJECTS ? durableObjectStore(env.SESSION_OBJECTS) : cloudflareKVStore(env.SESSIONS!),
}));

export default {
  fetch(request, env, executionCtx) {
    if (!env.SESSION_SECRETS && !isLoopbackRequest(request)) {
      return new Response("SESSION_SECRETS is not set: run `wrangler secret put SESSION_SECRETS`.\n", { status: 500 });
    }
    return cart(request, env, executionCtx);
  },
} satisfies ExportedHandler<Env>;
