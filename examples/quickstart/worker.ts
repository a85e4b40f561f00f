import { withSession } from "coatcheck";
import { cloudflareKVStore } from "coatcheck/adapters/cloudflare-kv";

interface Env {
  SESSIONS: KVNamespace;
  /** One or more secrets separated by spaces, newest first. */
  SESSION_SECRETS: string;
}

export default {
  fetch: withSession<{ visits: number }, Env>(
    async (_request, ctx) => {
      const session = await ctx.session(); // read from the store on the first call only
      const visits = session.update("visits", (visits = 0) => visits + 1);
      return new Response(`Visits: ${visits}\n`);
    },
    (env) => ({ secrets: env.SESSION_SECRETS.split(" "), store: cloudflareKVStore(env.SESSIONS), cookie: { name: "__Host-sid" } }),
  ),
};
