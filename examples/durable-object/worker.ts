import { withSession } from "coatcheck";
import { CoatcheckSessionObject, durableObjectStore } from "coatcheck/adapters/durable-object";

// The Worker's main module exports the class that wrangler.toml binds.
export { CoatcheckSessionObject };

interface Env {
  SESSIONS: DurableObjectNamespace<CoatcheckSessionObject>;
  /** One or more secrets separated by spaces, newest first. */
  SESSION_SECRETS: string;
}

export default {
  fetch: withSession<{ visits: number }, Env>(
    async (_request, ctx) => {
      const session = await ctx.session(); // one RPC to this session's object
      const visits = session.update("visits", (visits = 0) => visits + 1);
      return new Response(`Visits: ${visits}\n`);
    },
    (env) => ({ secrets: env.SESSION_SECRETS.split(" "), store: durableObjectStore(env.SESSIONS), cookie: { name: "__Host-sid" } }),
  ),
};
