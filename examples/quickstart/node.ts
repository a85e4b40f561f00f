// The README's Node quick start: `npm run build && node --experimental-strip-types` is not needed;
// `npm run start:quickstart` runs it through the built package.
import { serve } from "@hono/node-server";
import { withSession } from "coatcheck";
import { memoryStore } from "coatcheck/adapters/memory";

type Data = { visits: number };

// In production, set SESSION_SECRET to at least 32 random characters (`openssl rand -base64 32`).
const secret = process.env.SESSION_SECRET ?? "dev-only-secret-dev-only-secret-dev-only";

export const fetch = withSession<Data>(
  async (_request, ctx) => {
    const session = await ctx.session();
    const visits = (session.get("visits") ?? 0) + 1;
    session.set("visits", visits);
    return new Response(`You have visited ${visits} time${visits === 1 ? "" : "s"}.\n`);
  },
  { secrets: [secret], store: memoryStore() },
);

export function start(port = Number(process.env.PORT ?? 3000)) {
  return serve({ fetch, port });
}
