// The React Router 7 middleware recipe (examples/react-router/), through React Router's own
// framework-mode request handler (`createRequestHandler` over a server build, middleware on):
// the session is loaded lazily in loaders and actions, committed onto their responses, onto a
// thrown redirect after a login that regenerates the id, and not onto a 500.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { CookieJar, SECRET } from "./helpers.js";

let fetch: (request: Request) => Promise<Response>;

beforeAll(async () => {
  process.env.SESSION_SECRETS = SECRET;
  ({ fetch } = await import("../examples/react-router/server.ts"));
});

const form = (fields: Record<string, string>) => ({ method: "POST", body: new URLSearchParams(fields) });

describe("React Router 7 middleware (framework mode)", () => {
  it("keeps a cart, logs in with a new id carried by the redirect, and logs out", async () => {
    const jar = new CookieJar();
    const visit = async (path: string, init?: RequestInit) => {
      const response = await fetch(jar.request(`http://shop.test${path}`, init));
      jar.apply(response);
      return response;
    };

    expect(jar.apply(await fetch(jar.request("http://shop.test/cart")))).toEqual([]); // a read of nothing sets no cookie
    const added = await visit("/cart", form({ item: "apple" }));
    expect(added.status).toBe(200);
    expect(added.headers.get("vary")).toMatch(/cookie/i);
    await visit("/cart", form({ item: "apple" }));
    expect(await (await visit("/cart")).json()).toEqual({ cart: { apple: 2 }, user: null, notice: "added apple" });

    const anonymous = jar.header();
    const login = await visit("/login", form({ user: "ada" }));
    expect(login.status).toBe(302);
    expect(login.headers.get("location")).toBe("/cart");
    expect(jar.header()).not.toBe(anonymous);
    expect(await (await visit("/cart")).json()).toEqual({ cart: { apple: 2 }, user: "ada", notice: null });
    // The id before the login is dead: a client that kept it finds an empty session.
    const stale = await fetch(new Request("http://shop.test/cart", { headers: { cookie: anonymous! } }));
    expect(await stale.json()).toEqual({ cart: {}, user: null, notice: null });

    const logout = await visit("/logout", { method: "POST" });
    expect(logout.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    expect(jar.header()).toBeUndefined();
  });

  it("saves nothing when a loader throws", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {}); // React Router logs the error
    const jar = new CookieJar();
    jar.apply(await fetch(jar.request("http://shop.test/cart", form({ item: "pear" }))));
    const failed = await fetch(jar.request("http://shop.test/boom"));
    expect(failed.status).toBe(500);
    expect(failed.headers.get("set-cookie")).toBeNull();
    expect(logged).toHaveBeenCalled();
    logged.mockRestore();
    expect(await (await fetch(jar.request("http://shop.test/cart"))).json()).toMatchObject({ cart: { pear: 1 }, user: null });
  });
});
