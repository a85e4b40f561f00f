// What the wrapped Response carries besides the cookie: Cache-Control, Vary, immutable headers and
// an untouched 101.
import { describe, expect, it } from "vitest";
import { withSession } from "../../src/index.js";
import { setup, VALUE } from "./fixture.js";

describe("Set-Cookie", () => {
  it("keeps the handler's Cache-Control when it is private or no-store, and turns public into private", async () => {
    const { options } = setup();
    const handler = (cacheControl: string) =>
      withSession(async (_request, ctx) => {
        (await ctx.session()).set("n", 1);
        return new Response("x", { headers: { "cache-control": cacheControl } });
      }, options)(new Request("http://shop.test/"));
    expect((await handler("no-store")).headers.get("cache-control")).toBe("no-store");
    expect((await handler("private, max-age=5")).headers.get("cache-control")).toBe("private, max-age=5");
    expect((await handler("public, max-age=60")).headers.get("cache-control")).toBe("private, max-age=60");
  });

  it("adds Vary: Cookie once, keeping the handler's Vary", async () => {
    const { options } = setup();
    const vary = async (value: string) =>
      (
        await withSession(async (_request, ctx) => {
          await ctx.session();
          return new Response("x", { headers: { vary: value } });
        }, options)(new Request("http://shop.test/"))
      ).headers.get("vary");
    expect(await vary("Accept-Encoding")).toBe("Accept-Encoding, Cookie");
    expect(await vary("cookie")).toBe("cookie");
  });
});

describe("lifecycle", () => {
  it("re-wraps a response with immutable headers, keeping status, headers and body", async () => {
    const { options } = setup();
    const handler = withSession(async (_request, ctx) => {
      (await ctx.session()).set("n", 1);
      return Response.redirect("http://shop.test/cart", 303);
    }, options);
    const response = await handler(new Request("http://shop.test/"));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("http://shop.test/cart");
    expect(response.headers.get("set-cookie")).toMatch(VALUE);
  });

  it("passes a 101 Switching Protocols response through untouched", async () => {
    const { options } = setup();
    const upgrade = new Response(null);
    Object.defineProperty(upgrade, "status", { value: 101 });
    const handler = withSession(async (_request, ctx) => {
      (await ctx.session()).set("n", 1);
      return upgrade;
    }, options);
    const response = await handler(new Request("http://shop.test/"));
    expect(response).toBe(upgrade);
    expect(response.headers.get("vary")).toBeNull();
  });
});
