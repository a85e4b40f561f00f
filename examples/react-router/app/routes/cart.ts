/** `/cart`: read it (GET) or add an item (POST `item=apple`). A resource route: no component. */
import type { ActionFunctionArgs, LoaderFunctionArgs } from "react-router";
import { sessionContext } from "../sessions.server.ts";

export async function loader({ context }: LoaderFunctionArgs) {
  const session = await context.get(sessionContext)();
  return Response.json({ cart: session.get("cart") ?? {}, user: session.get("user") ?? null, notice: session.get("notice") ?? null });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const item = String((await request.formData()).get("item"));
  const session = await context.get(sessionContext)();
  // update(), not get-then-set: two tabs adding at once both count on a compare-and-set store.
  const cart = session.update("cart", (cart) => ({ ...cart, [item]: (cart?.[item] ?? 0) + 1 }));
  session.flash("notice", `added ${item}`);
  return Response.json({ cart });
}
