/** `/api/edge/cart`: the same handlers on the Edge runtime, with the cookie store. */
import { addToCart, readCart } from "../../../../lib/cart";
import { edgeRoute } from "../../../../lib/edge-sessions";

export const runtime = "edge";

export const GET = edgeRoute(readCart);
export const POST = edgeRoute(addToCart);
