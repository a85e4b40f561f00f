// The Hono example that docs/frameworks/hono.md shows verbatim (examples/hono/app.ts), through
// Hono's own request cycle (`app.request`): a cart counted per browser, the cookie carried by hand.
import { beforeAll, describe, expect, it } from "vitest";
import { OLD_SECRET, SECRET } from "./helpers.js";

let app: { request(path: string, init?: RequestInit): Response | Promise<Response> };

beforeAll(async () => {
  // What users export before starting the app: two secrets, newest first.
  process.env.SESSION_SECRETS = `${SECRET} ${OLD_SECRET}`;
  ({ default: app } = await import("../examples/hono/app.js"));
});

describe("examples/hono/app.ts", () => {
  it("adds to one browser's cart across requests, and starts a stranger's empty", async () => {
    const first = await app.request("/cart/apple", { method: "POST" });
    expect(await first.json()).toEqual({ apple: 1 });
    const [cookie] = first.headers.getSetCookie()[0]!.split(";");
    expect(cookie).toMatch(/^sid=[\w.-]+$/);
    await app.request("/cart/apple", { method: "POST", headers: { cookie: cookie! } });
    const third = await app.request("/cart/pear", { method: "POST", headers: { cookie: cookie! } });
    expect(await third.json()).toEqual({ apple: 2, pear: 1 });
    const stranger = await app.request("/cart/pear", { method: "POST" });
    expect(await stranger.json()).toEqual({ pear: 1 });
  });
});
