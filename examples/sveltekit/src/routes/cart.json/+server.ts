/** `GET /cart.json`: the session as JSON, for scripts (and the test). */
import { json } from "@sveltejs/kit";
import type { RequestHandler } from "./$types";

export const GET: RequestHandler = async ({ locals }) => {
  const session = await locals.session();
  return json({ cart: session.get("cart") ?? {}, user: session.user ?? null });
};
