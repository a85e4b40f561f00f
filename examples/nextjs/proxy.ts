/**
 * Next's proxy (the file was `middleware.ts` before Next 16): turns away requests to /api/account
 * that carry no signed-in session, before any route runs. It runs on the Node.js runtime, in the
 * same process as the routes under `next start`, so it reads the same store. It only reads: it
 * never commits, so it saves nothing, refreshes no expiry and sets no cookie.
 */
import { sessions } from "./lib/sessions";

export async function proxy(request: Request): Promise<Response | undefined> {
  const handle = await sessions.open(request);
  const session = await handle.session(); // one store read, and the route reads again
  if (session.get("user") === undefined) return Response.json({ error: "sign in first", from: "proxy" }, { status: 401 });
  return undefined; // go on to the route
}

export const config = { matcher: "/api/account" };
