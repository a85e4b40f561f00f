// The shared fixture of the core suites: a memory store counted and on a fake clock, events
// collected, and a small cart app over withSession.
import { memoryStore } from "../../adapters/memory.js";
import { type SessionEvent, type SessionOptions, withSession } from "../../src/index.js";
import { countingStore, fakeClock, SECRET } from "../helpers.js";

export type Data = { cart?: Record<string, number>; user?: string; note?: string; n?: number; a?: number; b?: number };

export function setup(extra: Partial<SessionOptions> = {}, memoryOptions: Parameters<typeof memoryStore>[0] = {}) {
  const clock = fakeClock();
  const memory = memoryStore({ clock, ...memoryOptions });
  const store = countingStore(memory);
  const events: SessionEvent[] = [];
  const options: SessionOptions = { secrets: [SECRET], store, clock, onEvent: (event) => events.push(event), ...extra };
  return { clock, memory, store, events, options };
}

/** A small app: GET / reads, POST /add sets, /login regenerates, /logout destroys. */
export function app(options: SessionOptions) {
  return withSession<Data>(async (request, ctx) => {
    const url = new URL(request.url);
    if (url.pathname === "/static") return new Response("no session here");
    const session = await ctx.session();
    switch (url.pathname) {
      case "/add": {
        const cart = session.get("cart") ?? {};
        const item = url.searchParams.get("item") ?? "apple";
        cart[item] = (cart[item] ?? 0) + 1;
        session.set("cart", cart);
        session.flash("note", `Added ${item}`);
        break;
      }
      case "/login":
        session.regenerate();
        session.set("user", url.searchParams.get("name") ?? "ada");
        break;
      case "/logout":
        session.destroy();
        break;
      case "/forget":
        session.delete("cart");
        session.delete("user");
        break;
      case "/remember":
        session.setExpiry(url.searchParams.has("seconds") ? Number(url.searchParams.get("seconds")) : null);
        break;
      case "/boom":
        session.set("n", 1);
        return new Response("down", { status: 503 });
    }
    return Response.json({
      cart: session.get("cart") ?? {},
      user: session.get("user") ?? null,
      note: session.get("note") ?? null,
      isNew: session.isNew,
    });
  }, options);
}

/** A new ticket's Set-Cookie line, capturing `id.signature`. */
export const VALUE = /^sid=([A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43});/;
/** A Set-Cookie line with its value blanked, to compare against a golden string. */
export const golden = (line: string) => line.replace(/^([^=]+)=[^;]*/, "$1=<value>");
