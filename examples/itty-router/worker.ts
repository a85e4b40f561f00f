/**
 * The shopping cart on itty-router: an `AutoRouter` whose `fetch` is wrapped by `withSession`, so
 * every route gets the session context as its second argument. A Workers `fetch` export; the same
 * `fetch` serves under `Bun.serve`, `Deno.serve` or a Node adapter.
 *
 * @module
 */
import { type SessionContext, withSession } from "coatcheck";
import { memoryStore } from "coatcheck/adapters/memory";
import { AutoRouter, error, type IRequest } from "itty-router";

type Data = { cart: Record<string, number> };
type Env = { SESSION_SECRETS: string };

const router = AutoRouter<IRequest, [SessionContext<Data, Env>]>();

router
  // Never asks for the session: no store read, no cookie.
  .get("/", () => "coatcheck shop on itty-router")
  .get("/cart", async (_request, { session }) => {
    const current = await session();
    return { cart: current.get("cart") ?? {}, user: current.user ?? null };
  })
  .post("/cart/:item", async ({ params }, { session }) => {
    const current = await session();
    const item = params.item!;
    const cart = current.update("cart", (cart = {}) => ({ ...cart, [item]: (cart[item] ?? 0) + 1 }));
    return { cart, user: current.user ?? null };
  })
  .post("/login", async (request, { session }) => {
    const name = (await request.formData()).get("name");
    if (typeof name !== "string" || name === "") return error(400, "A name, please");
    const current = await session();
    current.regenerate(); // a new id on every change of privilege (session fixation)
    current.setUser(name);
    return Response.redirect(new URL("/cart", request.url), 303);
  })
  .post("/logout", async (request, { session }) => {
    (await session()).destroy();
    return Response.redirect(new URL("/", request.url), 303);
  })
  .get("/devices", async (_request, { session, sessions }) => {
    const { user } = await session();
    if (!user) return error(401, "Log in first");
    return sessions.list(user);
  })
  // Empties the cart, then fails: AutoRouter answers 500, and a 5xx saves nothing.
  .post("/checkout", async (_request, { session }) => {
    (await session()).delete("cart");
    throw new Error("the payment service is down");
  });

// One store for the isolate, made once: options are resolved once per env object.
const store = memoryStore();

export default {
  fetch: withSession<Data, Env>(router.fetch, (env) => ({ secrets: env.SESSION_SECRETS.split(" "), store })),
};
