import { type SessionContext, withSession } from "npm:coatcheck";
import { denoKVStore } from "npm:coatcheck/adapters/deno-kv";

type Data = { visits: number };

// Written apart from withSession, the handler takes its types from SessionContext<Data>.
async function countVisits(_request: Request, ctx: SessionContext<Data>): Promise<Response> {
  const session = await ctx.session(); // read from the store on the first call only
  const visits = session.update("visits", (visits = 0) => visits + 1);
  return new Response(`Visits: ${visits}\n`);
}

// One or more secrets separated by spaces, newest first.
const SESSION_SECRETS = Deno.env.get("SESSION_SECRETS") ?? "";
const kv = await Deno.openKv();

Deno.serve(
  { port: Number(Deno.env.get("PORT") ?? 8000) },
  withSession(countVisits, { secrets: SESSION_SECRETS.split(" "), store: denoKVStore(kv), cookie: { name: "__Host-sid" } }),
);
