// The cookie store and the Hono middleware, as cases any runtime can run: the shared conformance
// suite against cookieStore(), and a Hono cart whose store options come from its bindings (c.env).
// test/runtimes/cookie-hono.test.ts runs them in Deno, Bun and workerd; Node runs the same code
// in test/adapters/cookie.test.ts and test/hono.test.ts.
import assert from "node:assert/strict";
import { Hono } from "hono";
import { cookieStore } from "../../../adapters/cookie.js";
import { type SessionEnv, session } from "../../../src/hono.js";
import { collectStoreConformance } from "../../../src/testing.js";
import { CookieJar } from "../../helpers.js";
import { type CaseResult, runCases } from "./report-cases.js";

export interface CookieHonoBindings {
  SESSION_SECRETS: string;
}

type Data = { cart?: Record<string, number>; blob?: string };

function cartApp() {
  const app = new Hono<SessionEnv<Data, CookieHonoBindings>>();
  app.use(session<Data, CookieHonoBindings>((env) => ({ secrets: env.SESSION_SECRETS.split(" "), store: cookieStore() })));
  app.get("/cart", async (c) => {
    const s = await c.var.session();
    return c.json({ cart: s.get("cart") ?? {}, blob: s.get("blob")?.length ?? 0 });
  });
  app.post("/cart/:item", async (c) => {
    const s = await c.var.session();
    const item = c.req.param("item");
    s.set("cart", { ...s.get("cart"), [item]: (s.get("cart")?.[item] ?? 0) + 1 });
    return c.json({ cart: s.get("cart"), blob: s.get("blob")?.length ?? 0 });
  });
  app.post("/blob/:bytes", async (c) => {
    const s = await c.var.session();
    s.set("blob", "x".repeat(Number(c.req.param("bytes"))));
    return c.json({ cart: s.get("cart") ?? {}, blob: s.get("blob")?.length ?? 0 });
  });
  app.post("/logout", async (c) => {
    (await c.var.session()).destroy();
    return c.json({ cart: {}, blob: 0 });
  });
  return app;
}

async function honoCartFlow(env: CookieHonoBindings): Promise<void> {
  const app = cartApp();
  const jar = new CookieJar();
  const send = async (method: string, path: string, cookie = jar.header()) => {
    const response = await app.request(`https://shop.test${path}`, { method, headers: cookie ? { cookie } : {} }, env);
    const lines = jar.apply(response);
    return { lines, body: (await response.json()) as { cart: Record<string, number>; blob: number } };
  };
  await send("POST", "/cart/apple");
  assert.deepEqual((await send("POST", "/cart/apple")).body, { cart: { apple: 2 }, blob: 0 });
  const read = await send("GET", "/cart");
  assert.deepEqual(read.lines, []);
  // A tampered cookie: a fresh, empty cart and no exception.
  const token = jar.cookies.get("sid")!;
  const tampered = `sid=${token.slice(0, 50)}${token[50] === "A" ? "B" : "A"}${token.slice(51)}`;
  assert.deepEqual((await send("GET", "/cart", tampered)).body, { cart: {}, blob: 0 });
  jar.cookies.set("sid", token);
  // Grow over several cookies, read back whole, then log out: every chunk expired.
  const grown = await send("POST", "/blob/8000");
  assert.deepEqual(
    grown.lines.map((line) => line.split("=")[0]),
    ["sid.1", "sid.2", "sid.3", "sid"],
  );
  assert.deepEqual((await send("GET", "/cart")).body, { cart: { apple: 2 }, blob: 8000 });
  const logout = await send("POST", "/logout");
  assert.equal(logout.lines.length, 3);
  assert.equal(jar.cookies.size, 0);
}

/** Runs every case and reports each, never throwing. */
export async function runCookieHonoCases(env: CookieHonoBindings): Promise<CaseResult[]> {
  const cases = collectStoreConformance({ name: "cookie", create: async () => ({ store: cookieStore() }), capabilities: { sealed: true } });
  cases.push({ name: "hono > the cart flow with options from the bindings", body: () => honoCartFlow(env) });
  return runCases(cases);
}
