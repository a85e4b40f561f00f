// The habits docs/coming-from.md says differ from express-session, iron-session, React Router and
// Django, each checked here through the public API: flash is read in the next request, `set` of an
// unchanged value saves, mutating a value from `get` does not, an empty new session is never
// stored, secrets need 32+ characters, and `resave`/`saveUninitialized` are not options.
import { describe, expect, it } from "vitest";
import { memoryStore } from "../adapters/memory.js";
import { type Session, SessionError, withSession } from "../src/index.js";
import { CookieJar, countingStore, SECRET } from "./helpers.js";

type Data = { cart?: Record<string, number>; notice?: string; visits?: number };

function app(act: (session: Session<Data>, path: string) => unknown) {
  const store = countingStore(memoryStore());
  const fetch = withSession<Data>(
    async (request, ctx) => {
      const session = await ctx.session();
      return Response.json(act(session, new URL(request.url).pathname) ?? null);
    },
    { secrets: [SECRET], store },
  );
  return { store, fetch };
}

describe("the habits that differ", () => {
  it("a flash is read in the next request that loads the session, not in the one that set it", async () => {
    const { fetch } = app((session, path) => {
      if (path === "/add") {
        session.flash("notice", "Added apple");
        return session.get("notice") ?? "nothing yet";
      }
      return session.get("notice") ?? "gone";
    });
    const jar = new CookieJar();
    const answers = [];
    for (const path of ["/add", "/cart", "/cart"]) {
      const response = await fetch(jar.request(`http://shop.test${path}`));
      jar.apply(response);
      answers.push(await response.json());
    }
    expect(answers).toEqual(["nothing yet", "Added apple", "gone"]);
  });

  it("`set` of an unchanged value saves; mutating a value from `get` without `set` does not", async () => {
    const { store, fetch } = app((session, path) => {
      if (path === "/same") session.set("visits", session.get("visits") ?? 1);
      if (path === "/mutate") {
        const cart = session.get("cart") ?? {};
        cart.apple = (cart.apple ?? 0) + 1;
      }
      if (path === "/start") session.set("cart", {});
      return session.get("cart") ?? null;
    });
    const jar = new CookieJar();
    jar.apply(await fetch(jar.request("http://shop.test/start")));
    store.reset();
    jar.apply(await fetch(jar.request("http://shop.test/same")));
    expect(store.writes()).toBe(1);
    store.reset();
    await fetch(jar.request("http://shop.test/mutate"));
    expect(store.writes()).toBe(0);
    expect(await (await fetch(jar.request("http://shop.test/cart"))).json()).toEqual({});
  });

  it("a new session that holds nothing is never stored and sets no cookie (no `saveUninitialized`)", async () => {
    const { store, fetch } = app(() => "read only");
    const response = await fetch(new Request("http://shop.test/"));
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(store.writes()).toBe(0);
  });

  it("a secret shorter than 32 characters is refused at construction", () => {
    expect(() => withSession(() => new Response(), { secrets: ["s3cr3t"], store: memoryStore() })).toThrow(SessionError);
    expect(() => withSession(() => new Response(), { secrets: ["x".repeat(32)], store: memoryStore() })).not.toThrow();
  });

  it.each(["resave", "saveUninitialized"])("`%s` is not an option: an error, never silently ignored", (name) => {
    const options = { secrets: [SECRET], store: memoryStore(), [name]: false };
    expect(() => withSession(() => new Response(), options as never)).toThrow(/is not an option/);
  });

  it("`rolling` (express-session) and `secret` (one string, express-session's name) point to coatcheck's names", () => {
    expect(() => withSession(() => new Response(), { secrets: [SECRET], store: memoryStore(), rolling: true } as never)).toThrow(
      /touchAfter/,
    );
    expect(() => withSession(() => new Response(), { secret: SECRET, store: memoryStore() } as never)).toThrow(/`secrets`/);
  });
});
