// Two requests on one session at once: compare-and-set merges different keys, the later commit
// wins a key, and logout or login is never undone.
import { describe, expect, it } from "vitest";
import { createSessions, withSession } from "../../src/index.js";
import { CookieJar } from "../helpers.js";
import { app, type Data, setup } from "./fixture.js";

describe("concurrency (compare-and-set)", () => {
  async function twoTabs() {
    const fixture = setup();
    const jar = new CookieJar();
    jar.apply(await app(fixture.options)(jar.request("http://shop.test/add")));
    jar.apply(await app(fixture.options)(jar.request("http://shop.test/")));
    const sessions = createSessions<Data>(fixture.options);
    const tab1 = await sessions.open(jar.request());
    const tab2 = await sessions.open(jar.request());
    return { ...fixture, jar, tab1, tab2, s1: await tab1.session(), s2: await tab2.session() };
  }

  it("two requests changing different keys both persist", async () => {
    const { jar, options, tab1, tab2, s1, s2, events } = await twoTabs();
    s1.set("a", 1);
    s2.set("b", 2);
    s2.delete("cart");
    await tab1.commit(new Response("1"));
    await tab2.commit(new Response("2"));
    const read = withSession<Data>(async (_r, ctx) => Response.json(Object.fromEntries((await ctx.session()).entries())), options);
    expect(await (await read(jar.request())).json()).toEqual({ a: 1, b: 2 });
    expect(events.filter((event) => event.type === "conflict")).toHaveLength(1);
  });

  it("for the same key the later commit wins", async () => {
    const { jar, options, tab1, tab2, s1, s2 } = await twoTabs();
    s1.set("n", 1);
    s2.set("n", 2);
    await tab2.commit(new Response("2"));
    await tab1.commit(new Response("1"));
    const read = withSession<Data>(async (_r, ctx) => Response.json((await ctx.session()).get("n")), options);
    expect(await (await read(jar.request())).json()).toBe(1);
  });

  it("a save racing a logout never brings the session back", async () => {
    const { tab1, tab2, s1, s2, memory } = await twoTabs();
    s1.destroy();
    s2.set("n", 5);
    await tab1.commit(new Response("bye"));
    const error = await tab2.commit(new Response("late")).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ERR_SESSION_INTERRUPTED" });
    expect(memory.size).toBe(0);
  });

  it("a save with the old id racing a login (regenerate) never revives the old id", async () => {
    const { jar, options, tab1, tab2, s1, s2 } = await twoTabs();
    const oldValue = jar.cookies.get("sid")!;
    s1.regenerate();
    s1.set("user", "ada");
    s2.set("n", 5);
    jar.apply(await tab1.commit(new Response("in")));
    await expect(tab2.commit(new Response("late"))).rejects.toMatchObject({ code: "ERR_SESSION_INTERRUPTED" });
    const stale = await app(options)(new Request("http://shop.test/", { headers: { cookie: `sid=${oldValue}` } }));
    expect(await stale.json()).toMatchObject({ isNew: true });
    expect(await (await app(options)(jar.request())).json()).toMatchObject({ user: "ada", cart: { apple: 1 } });
  });

  it("a touch racing a write does not undo the write", async () => {
    const fixture = setup({ maxAge: 1000, touchAfter: 10 });
    const jar = new CookieJar();
    jar.apply(await app(fixture.options)(jar.request("http://shop.test/add")));
    jar.apply(await app(fixture.options)(jar.request("http://shop.test/")));
    fixture.clock.advance(20);
    const sessions = createSessions<Data>(fixture.options);
    const reader = await sessions.open(jar.request());
    const writer = await sessions.open(jar.request());
    await reader.session();
    (await writer.session()).set("n", 7);
    await writer.commit(new Response("w"));
    await reader.commit(new Response("r"));
    const read = withSession<Data>(async (_r, ctx) => Response.json((await ctx.session()).get("n")), fixture.options);
    expect(await (await read(jar.request())).json()).toBe(7);
  });
});
