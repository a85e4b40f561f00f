import { serve } from "@hono/node-server";
import { withSession } from "coatcheck";
import { memoryStore } from "coatcheck/adapters/memory";

// One or more secrets separated by spaces, newest first.
const SESSION_SECRETS = process.env.SESSION_SECRETS ?? "";

const app = withSession<{ visits: number }>(
  async (_request, ctx) => {
    const session = await ctx.session(); // read from the store on the first call only
    const visits = session.update("visits", (visits = 0) => visits + 1);
    return new Response(`Visits: ${visits}\n`);
  },
  { secrets: SESSION_SECRETS.split(" "), store: memoryStore(), cookie: { name: "__Host-sid" } },
);

serve({ fetch: app, port: Number(process.env.PORT ?? 3000) }, (info) => console.log(`Listening on http://localhost:${info.port}/`));
