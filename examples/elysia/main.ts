/**
 * The shopping cart on Elysia (Bun): the `coatcheck/elysia` plugin with the memory store (one
 * process; lost on restart). `bun examples/elysia/main.ts`; `PORT`, `HOST` and `SESSION_SECRETS`
 * come from the environment.
 *
 * @module
 */
import { memoryStore } from "coatcheck/adapters/memory";
import { session } from "coatcheck/elysia";
import { Elysia, status, t } from "elysia";

type Data = { cart: Record<string, number> };

const secrets = (Bun.env.SESSION_SECRETS ?? "").split(" ").filter(Boolean);
if (secrets.length === 0) throw new Error("Set SESSION_SECRETS: one or more secrets of 32+ characters, space-separated.");

const app = new Elysia()
  .use(session<Data>({ secrets, store: memoryStore() }))
  // Never asks for the session: no store read, no cookie.
  .get("/", () => "coatcheck shop on Elysia")
  .get("/cart", async ({ session }) => {
    const current = await session();
    return { cart: current.get("cart") ?? {}, user: current.user ?? null };
  })
  .post("/cart/:item", async ({ session, params, set }) => {
    const current = await session();
    const cart = current.update("cart", (cart = {}) => ({ ...cart, [params.item]: (cart[params.item] ?? 0) + 1 }));
    set.status = 201;
    return { cart, user: current.user ?? null };
  })
  .post(
    "/login",
    async ({ session, body, redirect }) => {
      const current = await session();
      current.regenerate(); // a new id on every change of privilege (session fixation)
      current.setUser(body.name);
      return redirect("/cart", 303);
    },
    { body: t.Object({ name: t.String({ minLength: 1 }) }) },
  )
  .post("/logout", async ({ session, redirect }) => {
    (await session()).destroy();
    return redirect("/", 303);
  })
  .get("/devices", async ({ session, sessions }) => {
    const { user } = await session();
    if (!user) return status(401, "Log in first");
    return sessions.list(user);
  })
  // Empties the cart, then fails: an error saves nothing, so the cart is still there.
  .post("/checkout", async ({ session }) => {
    (await session()).delete("cart");
    throw new Error("the payment service is down");
  })
  .listen({ port: Number(Bun.env.PORT ?? 3000), hostname: Bun.env.HOST ?? "127.0.0.1" });

console.log(`coatcheck shop (Elysia, memory store) at ${app.server?.url}`);
