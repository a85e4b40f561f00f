// The Set-Cookie line itself: golden strings under a fake clock, every attribute, prefixes and
// the 400-day cap.
import { describe, expect, it } from "vitest";
import { CookieJar } from "../helpers.js";
import { app, golden, setup, VALUE } from "./fixture.js";

describe("Set-Cookie", () => {
  it("matches the golden line for a new session over http and https", async () => {
    const { options } = setup();
    const handler = app(options);
    const plain = await handler(new Request("http://shop.test/add"));
    expect(plain.headers.getSetCookie().map(golden)).toEqual(["sid=<value>; Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax"]);
    expect(plain.headers.get("set-cookie")).toMatch(VALUE);
    expect(plain.headers.get("cache-control")).toBe("private");
    const secure = await handler(new Request("https://shop.test/add"));
    expect(secure.headers.getSetCookie().map(golden)).toEqual(["sid=<value>; Path=/; Max-Age=1209600; HttpOnly; Secure; SameSite=Lax"]);
  });

  it("writes every configured attribute", async () => {
    const { options } = setup({
      cookie: { name: "__Secure-shop", domain: "shop.test", path: "/app", sameSite: "strict", partitioned: true, httpOnly: false },
      maxAge: 3600,
    });
    const response = await app(options)(new Request("http://shop.test/add"));
    expect(response.headers.getSetCookie().map(golden)).toEqual([
      "__Secure-shop=<value>; Path=/app; Domain=shop.test; Max-Age=3600; Secure; SameSite=Strict; Partitioned",
    ]);
  });

  it("makes a __Host- cookie Secure even on http (browsers accept it from localhost)", async () => {
    const { options } = setup({ cookie: { name: "__Host-sid" } });
    const response = await app(options)(new Request("http://localhost/add"));
    expect(response.headers.getSetCookie().map(golden)).toEqual([
      "__Host-sid=<value>; Path=/; Max-Age=1209600; HttpOnly; Secure; SameSite=Lax",
    ]);
  });

  it("allows a lifetime of up to 400 days, the longest a browser keeps a cookie, with that Max-Age", async () => {
    const { options, clock } = setup({ maxAge: 400 * 86400, touchAfter: 0 });
    const handler = app(options);
    const jar = new CookieJar();
    const [line] = jar.apply(await handler(jar.request("http://shop.test/add")));
    expect(line).toContain("; Max-Age=34560000;");
    clock.advance(399 * 86400);
    const response = await handler(jar.request("http://shop.test/"));
    expect(await response.json()).toMatchObject({ cart: { apple: 1 } });
  });
});
