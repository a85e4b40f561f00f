/** `/cart`: GET the session as JSON; POST a form with `item` to add one, then back to `/`. */
import type { APIRoute } from "astro";

export const GET: APIRoute = async ({ locals }) => {
  const session = await locals.session();
  return Response.json({ cart: session.get("cart") ?? {}, user: session.user ?? null });
};

export const POST: APIRoute = async ({ request, locals, redirect }) => {
  const item = String((await request.formData()).get("item"));
  const session = await locals.session();
  // `update`, not get-then-set: on a store with compare-and-set, two tabs adding at once both count.
  session.update("cart", (cart = {}) => ({ ...cart, [item]: (cart[item] ?? 0) + 1 }));
  return redirect("/", 303);
};
