// The SvelteKit recipe (examples/sveltekit/): built with `vite build` and the Node adapter into a
// temporary folder, served by the built server on a loopback port, and driven over HTTP with a
// cookie jar. Form actions (plain and `use:enhance`), a thrown redirect, an error page and a
// prerendered page, each through SvelteKit's own request cycle.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkPackage, runBuild } from "./example-build.js";
import { httpBrowser, SECRET } from "./helpers.js";
import { type RunningServer, startServerProcess } from "./runtimes/cart-process.js";

const EXAMPLE = "examples/sveltekit";
let buildDir: string;
let server: RunningServer;

beforeAll(async () => {
  linkPackage(EXAMPLE);
  buildDir = mkdtempSync(join(tmpdir(), "coatcheck-sveltekit-"));
  await runBuild(EXAMPLE, "node_modules/vite/bin/vite.js", ["build", "--logLevel", "warn"], { BUILD_DIR: buildDir });
  // ORIGIN: the Node adapter otherwise assumes https behind a proxy (and SvelteKit's CSRF check compares with it).
  server = await startServerProcess("node", [join(buildDir, "index.js")], (url) => ({ SESSION_SECRETS: SECRET, ORIGIN: url }));
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

/**
 * A browser posting forms from the app's own origin (SvelteKit refuses cross-site ones), asking for
 * pages (else SvelteKit may answer an action with JSON), and the cart as JSON.
 */
function browser() {
  const client = httpBrowser(server.url, { sameOrigin: true, headers: { accept: "text/html" } });
  const state = async () => (await client.visit("/cart.json")).json();
  return { ...client, state };
}

/** What `use:enhance` sends: the action answers JSON instead of a page. */
const ENHANCED = { "x-sveltekit-action": "true", accept: "application/json" };

describe("SvelteKit handle hook (adapter-node build)", () => {
  it("keeps a cart across form actions, plain and enhanced", async () => {
    const { jar, post, state } = browser();
    const plain = await post("/cart?/add", { item: "apple" });
    expect(plain.status).toBe(200);
    expect(plain.headers.get("set-cookie")).toMatch(/^sid=.+; Path=\/; Max-Age=1209600; HttpOnly; SameSite=Lax$/);
    expect(await plain.text()).toContain("Added apple.");
    const first = jar.header();

    const enhanced = await post("/cart?/add", { item: "apple" }, ENHANCED);
    expect(await enhanced.json()).toMatchObject({ type: "success", status: 200 });
    expect(jar.header()).toBe(first); // the same session: the cookie is not re-sent
    expect(await state()).toEqual({ cart: { apple: 2 }, user: null });
  });

  it("reads on a page without setting a cookie", async () => {
    const { visit, post } = browser();
    await post("/cart?/add", { item: "pear" });
    const page = await visit("/");
    expect(page.status).toBe(200);
    expect(page.headers.get("set-cookie")).toBeNull();
    expect(page.headers.get("vary")).toMatch(/cookie/i);
    expect(await page.text()).toContain("<li>pear × 1</li>");
  });

  it("logs in with a new id carried by the action's thrown redirect; the old id is dead", async () => {
    const { jar, post, state } = browser();
    await post("/cart?/add", { item: "apple" });
    const anonymous = jar.header()!;

    const login = await post("/login", { user: "ada" });
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/cart");
    expect(jar.header()).not.toBe(anonymous);
    expect(await state()).toEqual({ cart: { apple: 1 }, user: "ada" });

    const stale = await fetch(`${server.url}/cart.json`, { headers: { cookie: anonymous } });
    expect(await stale.json()).toEqual({ cart: {}, user: null });
    expect(stale.headers.get("set-cookie")).toMatch(/^sid=; Path=\/; Max-Age=0;/); // not adopted: the dead cookie is expired
  });

  it("carries the cookie on an enhanced action's redirect (JSON, not a 303)", async () => {
    const { jar, post, state } = browser();
    const login = await post("/login", { user: "grace" }, ENHANCED);
    expect(login.status).toBe(200);
    expect(await login.json()).toEqual({ type: "redirect", status: 303, location: "/cart" });
    expect(jar.header()).toMatch(/^sid=/);
    expect(await state()).toEqual({ cart: {}, user: "grace" });
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
    const replayed = await fetch(`${server.url}/cart.json`, { headers: { cookie: kept } });
    expect(await replayed.json()).toEqual({ cart: {}, user: null });
  });

  it("saves nothing when a load throws (SvelteKit renders a 500)", async () => {
    const { post, visit, state } = browser();
    await post("/cart?/add", { item: "apple" });
    const failed = await visit("/boom"); // it empties the cart, then throws
    expect(failed.status).toBe(500);
    expect(failed.headers.get("set-cookie")).toBeNull();
    expect(await state()).toEqual({ cart: { apple: 1 }, user: null });
    expect(server.output()).toContain("the payment service is down");
  });

  it("refuses a cross-site form post before the hook runs", async () => {
    const response = await fetch(`${server.url}/cart?/add`, {
      method: "POST",
      body: new URLSearchParams({ item: "apple" }),
      headers: { origin: "https://evil.test" },
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("serves a prerendered page with no session at all", async () => {
    const { post, visit } = browser();
    await post("/cart?/add", { item: "apple" });
    const about = await visit("/about");
    expect(about.status).toBe(200);
    expect(await about.text()).toContain("About this shop");
    expect(about.headers.get("set-cookie")).toBeNull();
    expect(about.headers.get("vary")).toBeNull(); // a static file: the hook never ran for this request
  });
});
