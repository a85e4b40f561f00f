/** `/api/account`: behind the proxy's guard, and checked again here: the proxy is a filter, not the lock. */
import { route } from "../../../lib/sessions";

export const GET = route(async (_request, session) => {
  const user = (await session()).get("user");
  if (user === undefined) return Response.json({ error: "sign in first" }, { status: 401 });
  return Response.json({ user });
});
