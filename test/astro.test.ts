// The Astro recipe (examples/astro/): built by Astro with the example's own config (@astrojs/node,
// standalone) into a temporary folder, its dist/server/entry.mjs started as its own process on a
// loopback port, and driven over HTTP with a cookie jar. Endpoints that redirect, a login that
// regenerates, an error page, a read-only page and a prerendered page (served from disk by the
// adapter), each through Astro's middleware pipeline.
import { mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkPackage, runBuild } from "./example-build.js";
import { httpBrowser, SECRET } from "./helpers.js";
import { type RunningServer, startServerProcess } from "./runtimes/cart-process.js";

const EXAMPLE = "examples/astro";
let buildDir: string;
let server: RunningServer;

beforeAll(async () => {
  linkPackage(EXAMPLE);
  // Inside the repository: the server build imports Astro's runtime from node_modules.
  buildDir = mkdtempSync(resolve("node_modules/.cache/coatcheck-astro-"));
  await runBuild(EXAMPLE, "test/astro-build.mjs", [], { BUILD_DIR: buildDir, ASTRO_TELEMETRY_DISABLED: "1" });
  server = await startServerProcess("node", [join(buildDir, "server/entry.mjs")], { SESSION_SECRETS: SECRET });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

/** A browser posting forms from the app's own origin (Astro refuses cross-site ones), and the cart as JSON. */
function browser() {
  const client = httpBrowser(server.url, { sameOrigin: true });
  const state = async () => (await client.visit("/cart")).json();
  return { ...client, state };
}

describe("Astro middleware (server build)", () => {
  it("keeps a cart across posts that redirect", async () => {
    const { jar, post, state } = browser();
    const added = await post("/cart", { item: "apple" });
    expect(added.status).toBe(303);
    expect(added.headers.get("location")).toBe("/");
    expect(added.headers.get("set-cookie")).toMatch(/^sid=.+; Path=\/; Max-Age=1209600; HttpOnly; SameSite=Lax$/);
    const first = jar.header();
    await post("/cart", { item: "apple" });
    expect(jar.header()).toBe(first);
    expect(await state()).toEqual({ cart: { apple: 2 }, user: null });
  });

  it("reads on a page without setting a cookie", async () => {
    const { visit, post } = browser();
    await post("/cart", { item: "pear" });
    const page = await visit("/");
    expect(page.status).toBe(200);
    expect(page.headers.get("set-cookie")).toBeNull();
    expect(page.headers.get("vary")).toMatch(/cookie/i);
    expect(await page.text()).toContain("<li>pear × 1</li>");
  });

  it("logs in with a new id carried by the redirect; the old id is dead", async () => {
    const { jar, post, state } = browser();
    await post("/cart", { item: "apple" });
    const anonymous = jar.header()!;
    const login = await post("/login", { user: "ada" });
    expect(login.status).toBe(303);
    expect(jar.header()).not.toBe(anonymous);
    expect(await state()).toEqual({ cart: { apple: 1 }, user: "ada" });
    const stale = await fetch(`${server.url}/cart`, { headers: { cookie: anonymous } });
    expect(await stale.json()).toEqual({ cart: {}, user: null });
    expect(stale.headers.get("set-cookie")).toMatch(/^sid=; Path=\/; Max-Age=0;/);
  });

  it("logs out: the cookie is expired and the session is gone", async () => {
    const { jar, post, state } = browser();
    await post("/login", { user: "ada" });
    const kept = jar.header()!;
    const logout = await post("/logout", {});
    expect(logout.status).toBe(303);
    expect(logout.headers.get("set-cookie")).toMatch(/^sid=; Path=\/; Max-Age=0;/);
    expect(jar.header()).toBeUndefined();
    expect(await state()).toEqual({ cart: {}, user: null });
    expect(await (await fetch(`${server.url}/cart`, { headers: { cookie: kept } })).json()).toEqual({ cart: {}, user: null });
  });

  it("saves nothing when a page throws, and the error page runs the middleware again", async () => {
    const { post, visit, state } = browser();
    await post("/cart", { item: "apple" });
    const failed = await visit("/boom"); // it empties the cart, then throws
    expect(failed.status).toBe(500);
    expect(failed.headers.get("set-cookie")).toBeNull();
    expect(await failed.text()).toContain("Something broke. Your cart is safe: 1 item");
    expect(await state()).toEqual({ cart: { apple: 1 }, user: null });
    expect(server.output()).toContain("the payment service is down");
    expect(server.output()).not.toContain("opened twice");
  });

  it("refuses a cross-site form post before the middleware runs", async () => {
    const response = await fetch(`${server.url}/cart`, {
      method: "POST",
      body: new URLSearchParams({ item: "apple" }),
      headers: { origin: "https://evil.test" },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("serves a prerendered page with no session at all", async () => {
    const { post, visit } = browser();
    await post("/cart", { item: "apple" });
    const about = await visit("/about");
    expect(about.status).toBe(200);
    expect(await about.text()).toContain("About this shop");
    expect(about.headers.get("set-cookie")).toBeNull();
    expect(about.headers.get("vary")).toBeNull();
  });
});
