import { memoryStore } from "coatcheck/adapters/memory";
import { type SessionEnv, session } from "coatcheck/hono";
import { Hono } from "hono";

type Data = { cart: Record<string, number> };

const app = new Hono<SessionEnv<Data>>(); // types c.var.session in every route
app.use(session<Data>({ secrets: process.env.SESSION_SECRETS!.split(" "), store: memoryStore() }));

app.post("/cart/:item", async (c) => {
  const session = await c.var.session();
  const item = c.req.param("item");
  const cart = session.update("cart", (cart = {}) => ({ ...cart, [item]: (cart[item] ?? 0) + 1 }));
  return c.json(cart);
});

export default app;
