// The itty-router recipe (examples/itty-router/worker.ts): an AutoRouter's `fetch` wrapped by
// `withSession`, driven through itty's real router with a cookie jar, the env passed as Workers
// passes it. And the page that shows it.
import { AutoRouter, type IRequest, StatusError } from "itty-router";
import { describe, expect, it } from "vitest";
import { memoryStore } from "../adapters/memory.js";
import worker from "../examples/itty-router/worker.js";
import { type SessionContext, withSession } from "../src/index.js";
import { CookieJar, SECRET } from "./helpers.js";

type Cart = { cart: Record<string, number>; user: string | null };
const env = { SESSION_SECRETS: SECRET };

async function send(jar: CookieJar, method: string, path: string, body?: BodyInit) {
  const response = await worker.fetch(jar.request(`http://shop.test${path}`, { method, body }), env);
  return { response, lines: jar.apply(response) };
}
const cartOf = async (result: { response: Response }) => (await result.response.json()) as Cart;

describe("examples/itty-router", () => {
  it("keeps a cart; a route that never asks, or only reads, sets no cookie", async () => {
    const jar = new CookieJar();
    const home = await send(jar, "GET", "/");
    expect(home.response.status).toBe(200);
    expect(home.lines).toEqual([]);
    expect(home.response.headers.get("vary")).toBeNull();
    const added = await send(jar, "POST", "/cart/apple");
    expect(added.lines).toEqual([expect.stringMatching(/^sid=[\w-]+\.[\w-]+; Path=\/; Max-Age=1209600; HttpOnly; SameSite=Lax$/)]);
    expect(await cartOf(added)).toEqual({ cart: { apple: 1 }, user: null });
    expect(await cartOf(await send(jar, "POST", "/cart/apple"))).toEqual({ cart: { apple: 2 }, user: null });
    const read = await send(jar, "GET", "/cart");
    expect(await cartOf(read)).toEqual({ cart: { apple: 2 }, user: null });
    expect(read.lines).toEqual([]);
    expect(read.response.headers.get("vary")).toBe("Cookie");
  });

  it("login: a redirect with a new id, the cart kept, the old id dead; logout expires the cookie", async () => {
    const jar = new CookieJar();
    await send(jar, "POST", "/cart/pear");
    const before = jar.header()!;
    const login = await send(jar, "POST", "/login", new URLSearchParams({ name: "ada" }));
    expect(login.response.status).toBe(303);
    expect(login.response.headers.get("location")).toBe("http://shop.test/cart");
    expect(login.lines).toHaveLength(1);
    expect(jar.header()).not.toBe(before);
    expect(await cartOf(await send(jar, "GET", "/cart"))).toEqual({ cart: { pear: 1 }, user: "ada" });
    const stale = new CookieJar();
    stale.cookies.set("sid", before.slice("sid=".length));
    expect(await cartOf(await send(stale, "GET", "/cart"))).toEqual({ cart: {}, user: null });
    expect(await (await send(jar, "GET", "/devices")).response.json()).toEqual([expect.objectContaining({ current: true })]);

    const logout = await send(jar, "POST", "/logout");
    expect(logout.response.status).toBe(303);
    expect(logout.lines).toEqual([expect.stringMatching(/^sid=; Path=\/; Max-Age=0; HttpOnly; SameSite=Lax/)]);
    expect(jar.cookies.size).toBe(0);
    expect((await send(jar, "GET", "/devices")).response.status).toBe(401);
  });

  it("a route that throws: AutoRouter answers 500, and nothing is saved or set", async () => {
    const jar = new CookieJar();
    await send(jar, "POST", "/cart/fig");
    const checkout = await send(jar, "POST", "/checkout");
    expect(checkout.response.status).toBe(500);
    expect(checkout.lines).toEqual([]);
    expect(await cartOf(await send(jar, "GET", "/cart"))).toEqual({ cart: { fig: 1 }, user: null });
  });
});

describe("itty's error handling under withSession", () => {
  type Data = { n?: number };
  const bump = async ({ session }: SessionContext<Data>) => {
    const current = await session();
    current.set("n", (current.get("n") ?? 0) + 1);
  };

  it("AutoRouter turns a thrown StatusError(4xx) into a response, which is committed; a `catch` that rethrows lets withSession see the throw (nothing saved)", async () => {
    const catching = AutoRouter<IRequest, [SessionContext<Data>]>();
    catching.get("/deny", async (_request, ctx) => {
      await bump(ctx);
      throw new StatusError(403, "no");
    });
    catching.get("/n", async (_request, { session }) => (await session()).get("n") ?? 0);
    const options = { secrets: [SECRET], store: memoryStore() };
    const fetchCatching = withSession<Data>(catching.fetch, options);
    const jar = new CookieJar();
    const denied = await fetchCatching(jar.request("http://shop.test/deny"));
    expect(denied.status).toBe(403);
    expect(jar.apply(denied)).toHaveLength(1);
    expect(await (await fetchCatching(jar.request("http://shop.test/n"))).json()).toBe(1);

    const rethrowing = AutoRouter<IRequest, [SessionContext<Data>]>({
      catch: (thrown) => {
        throw thrown;
      },
    });
    rethrowing.get("/deny", async (_request, ctx) => {
      await bump(ctx);
      throw new StatusError(403, "no");
    });
    const fetchRethrowing = withSession<Data>(rethrowing.fetch, options);
    await expect(fetchRethrowing(jar.request("http://shop.test/deny"))).rejects.toMatchObject({ status: 403 });
    expect(await (await fetchCatching(jar.request("http://shop.test/n"))).json()).toBe(1);
  });
});
