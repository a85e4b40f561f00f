import { type SessionContext, withSession } from "coatcheck";
import { memoryStore } from "coatcheck/adapters/memory";

type Data = { visits: number };

// Written apart from withSession, the handler takes its types from SessionContext<Data>.
async function countVisits(_request: Request, ctx: SessionContext<Data>): Promise<Response> {
  const session = await ctx.session(); // read from the store on the first call only
  const visits = session.update("visits", (visits = 0) => visits + 1);
  return new Response(`Visits: ${visits}\n`);
}

// One or more secrets separated by spaces, newest first.
const SESSION_SECRETS = Bun.env.SESSION_SECRETS ?? "";

// Bun.serve listens on PORT, or 3000.
const server = Bun.serve({
  fetch: withSession(countVisits, { secrets: SESSION_SECRETS.split(" "), store: memoryStore(), cookie: { name: "__Host-sid" } }),
});
console.log(`Listening on ${server.url}`);
