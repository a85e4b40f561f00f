// How long a session lives: idle maxAge, touchAfter, absoluteTimeout, browser-close cookies and
// setExpiry, all checked by the server under a fake clock.
import { describe, expect, it } from "vitest";
import { CookieJar } from "../helpers.js";
import { app, golden, setup } from "./fixture.js";

describe("expiry", () => {
  it("an idle session dies after maxAge, checked by the server whatever the store kept", async () => {
    const { options, clock, events } = setup({ maxAge: 3600 }, { clock: () => 0 }); // the store's own clock never moves
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    clock.advance(3599);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ cart: { apple: 1 } });
    clock.advance(3600);
    const response = await handler(jar.request("http://shop.test/"));
    expect(await response.json()).toMatchObject({ isNew: true, cart: {} });
    expect(events.map((event) => event.type)).toContain("expired");
  });

  it("touchAfter: an unmodified session is refreshed at most that often, with a cookie, and so stays alive", async () => {
    const { options, clock, store } = setup({ maxAge: 1000, touchAfter: 100 });
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    jar.apply(await handler(jar.request("http://shop.test/")));
    store.reset();
    clock.advance(50);
    const quiet = await handler(jar.request("http://shop.test/"));
    expect(store.writes()).toBe(0);
    expect(quiet.headers.get("set-cookie")).toBeNull();
    clock.advance(60);
    const touched = await handler(jar.request("http://shop.test/"));
    expect(store.writes()).toBe(1);
    expect(touched.headers.getSetCookie().map(golden)).toEqual(["sid=<value>; Path=/; Max-Age=1000; HttpOnly; SameSite=Lax"]);
    clock.advance(900); // 1010 s after creation, 900 after the touch
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ cart: { apple: 1 } });
  });

  it("absoluteTimeout ends a session however active it is, and caps the cookie", async () => {
    const { options, clock } = setup({ maxAge: 1000, absoluteTimeout: 1500 });
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    clock.advance(900);
    const [line] = jar.apply(await handler(jar.request("http://shop.test/add")));
    expect(line).toContain("; Max-Age=600;");
    clock.advance(599);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ cart: { apple: 2 } });
    clock.advance(2);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ isNew: true });
  });

  it("a browser-close session whose id did not change gets no Set-Cookie when it is written again", async () => {
    for (const extra of [{ expireAtBrowserClose: true }, {}] as const) {
      const { options, store } = setup({ ...extra, touchAfter: 0 });
      const handler = app(options);
      const jar = new CookieJar();
      jar.apply(await handler(jar.request("http://shop.test/add")));
      if (!extra.expireAtBrowserClose) jar.apply(await handler(jar.request("http://shop.test/remember?seconds=0")));
      store.reset();
      // Modified, and (touchAfter: 0) due for a touch: the record is written, the cookie is not re-sent.
      const modified = await handler(jar.request("http://shop.test/add"));
      expect(store.writes()).toBe(1);
      expect(modified.headers.getSetCookie()).toEqual([]);
      const touched = await handler(jar.request("http://shop.test/"));
      expect(touched.headers.getSetCookie()).toEqual([]);
      // A new id still travels: regenerate sends the new ticket, as a browser-close cookie.
      const [line] = jar.apply(await handler(jar.request("http://shop.test/login")));
      expect(golden(line!)).toBe("sid=<value>; Path=/; HttpOnly; SameSite=Lax");
    }
  });

  it("expireAtBrowserClose sets no Max-Age but keeps maxAge on the server", async () => {
    const { options, clock } = setup({ expireAtBrowserClose: true, maxAge: 100 });
    const handler = app(options);
    const jar = new CookieJar();
    const [line] = jar.apply(await handler(jar.request("http://shop.test/add")));
    expect(golden(line!)).toBe("sid=<value>; Path=/; HttpOnly; SameSite=Lax");
    clock.advance(101);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ isNew: true });
  });

  it("setExpiry(0) makes a browser-close cookie, a number sets the idle lifetime, null goes back to the policy", async () => {
    const { options, clock } = setup({ maxAge: 1000 });
    const handler = app(options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("http://shop.test/add")));
    const [close] = jar.apply(await handler(jar.request("http://shop.test/remember?seconds=0")));
    expect(golden(close!)).toBe("sid=<value>; Path=/; HttpOnly; SameSite=Lax");
    clock.advance(999);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ cart: { apple: 1 } });
    const [short] = jar.apply(await handler(jar.request("http://shop.test/remember?seconds=60")));
    expect(short).toContain("; Max-Age=60;");
    const [back] = jar.apply(await handler(jar.request("http://shop.test/remember")));
    expect(back).toContain("; Max-Age=1000;");
    const [again] = jar.apply(await handler(jar.request("http://shop.test/remember?seconds=60")));
    expect(again).toContain("; Max-Age=60;");
    clock.advance(61);
    expect(await (await handler(jar.request("http://shop.test/"))).json()).toMatchObject({ isNew: true });
  });
});
