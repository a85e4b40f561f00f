// What commit writes, deletes or leaves alone after the handler: flash, regenerate, destroy, an
// emptied session, a 5xx or a throw.
import { describe, expect, it } from "vitest";
import { withSession } from "../../src/index.js";
import { CookieJar } from "../helpers.js";
import { app, type Data, setup, VALUE } from "./fixture.js";

describe("lifecycle", () => {
  it("flash is readable in the next request that loads the session, then gone", async () => {
    const { options } = setup();
    const handler = app(options);
    const jar = new CookieJar();
    const added = await handler(jar.request("http://shop.test/add"));
    expect(await added.json()).toMatchObject({ note: null });
    jar.apply(added);
    const next = await handler(jar.request("http://shop.test/"));
    expect(await next.json()).toMatchObject({ note: "Added apple" });
    jar.apply(next);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ note: null, cart: { apple: 1 } });
  });

  it("regenerate issues a new id with the same data, and the old cookie opens nothing", async () => {
    const { options, events } = setup();
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    const before = jar.cookies.get("sid")!;
    const login = await handler(jar.request("http://shop.test/login?name=ada"));
    jar.apply(login);
    expect(jar.cookies.get("sid")!.split(".")[0]).not.toBe(before.split(".")[0]);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ cart: { apple: 1 }, user: "ada" });
    const old = await handler(new Request("http://shop.test/", { headers: { cookie: `sid=${before}` } }));
    expect(await old.json()).toMatchObject({ isNew: true, cart: {} });
    expect(events.map((event) => event.type)).toContain("regenerated");
  });

  it("destroy deletes the record and expires the cookie", async () => {
    const { options, store, memory } = setup();
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    const value = jar.cookies.get("sid")!;
    const logout = await handler(jar.request("http://shop.test/logout"));
    expect(logout.headers.getSetCookie()).toEqual(["sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"]);
    expect(memory.size).toBe(0);
    expect(store.calls.delete).toBe(1);
    const replay = await handler(new Request("http://shop.test/", { headers: { cookie: `sid=${value}` } }));
    expect(await replay.json()).toMatchObject({ isNew: true, cart: {} });
  });

  it("data set after destroy starts a new session under a new id", async () => {
    const { options, memory } = setup();
    const jar = new CookieJar();
    jar.apply(await app(options)(jar.request("http://shop.test/add")));
    const before = jar.cookies.get("sid")!;
    const handler = withSession<Data>(async (_request, ctx) => {
      const session = await ctx.session();
      session.destroy();
      session.flash("note", "Logged out");
      return new Response("bye");
    }, options);
    jar.apply(await handler(jar.request()));
    expect(jar.cookies.get("sid")!.split(".")[0]).not.toBe(before.split(".")[0]);
    expect(memory.size).toBe(1);
    expect(await (await app(options)(jar.request())).json()).toMatchObject({ note: "Logged out", cart: {} });
  });

  it("a session emptied by the handler is deleted and its cookie expired", async () => {
    const { options, memory } = setup();
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    jar.apply(await handler(jar.request("http://shop.test/")));
    const response = await handler(jar.request("http://shop.test/forget"));
    expect(response.headers.get("set-cookie")).toContain("Max-Age=0");
    expect(memory.size).toBe(0);
  });

  it("status >= 500 saves nothing and sets no cookie unless saveOnError", async () => {
    const { options, store } = setup();
    const failing = await app(options)(new Request("http://shop.test/boom"));
    expect(failing.status).toBe(503);
    expect(failing.headers.get("set-cookie")).toBeNull();
    expect(failing.headers.get("vary")).toBe("Cookie");
    expect(store.writes()).toBe(0);
    const saving = await app({ ...options, saveOnError: true })(new Request("http://shop.test/boom"));
    expect(saving.headers.get("set-cookie")).toMatch(VALUE);
    expect(store.writes()).toBe(1);
  });

  it("a handler that throws saves nothing and its error propagates unchanged", async () => {
    const { options, store } = setup();
    const error = new Error("handler bug");
    const handler = withSession(async (_request, ctx) => {
      (await ctx.session()).set("n", 1);
      throw error;
    }, options);
    await expect(handler(new Request("http://shop.test/"))).rejects.toBe(error);
    expect(store.writes()).toBe(0);
  });
});
