/** The shop's handlers, written once: the same code runs on the Node.js and the Edge runtime. */
import type { Session } from "coatcheck";

export type Data = { cart?: Record<string, number>; user?: string };

type Load = () => Promise<Session<Data>>;

/** GET: the cart and who is signed in. Reads only: no write, no cookie. */
export async function readCart(_request: Request, session: Load): Promise<Response> {
  const current = await session();
  return Response.json({ cart: current.get("cart") ?? {}, user: current.get("user") ?? null });
}

/** POST `item=apple`: one more of it. */
export async function addToCart(request: Request, session: Load): Promise<Response> {
  const item = String((await request.formData()).get("item"));
  const current = await session();
  // update(), not get-then-set: two tabs adding at once both count on a compare-and-set store.
  const cart = current.update("cart", (cart) => ({ ...cart, [item]: (cart?.[item] ?? 0) + 1 }));
  return Response.json({ cart });
}
