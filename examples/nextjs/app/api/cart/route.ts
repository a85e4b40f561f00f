/** `/api/cart` on the Node.js runtime: read the cart (GET) or add an item (POST `item=apple`). */
import { addToCart, readCart } from "../../../lib/cart";
import { route } from "../../../lib/sessions";

export const GET = route(readCart);
export const POST = route(addToCart);
