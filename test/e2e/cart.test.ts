// Two shoppers in a real browser (Debian's Chromium driven by playwright-core) against the Node
// example: separate carts, log out in one leaves the other alone, an HttpOnly + SameSite=Lax ticket
// no page script can read. Screenshots of both carts go to test-results/.
import { mkdir } from "node:fs/promises";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startCartServer } from "../../examples/node/server.ts";
import { SECRET } from "../helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

let server: Awaited<ReturnType<typeof startCartServer>> | undefined;
let browser: Browser | undefined;
let launchError: unknown;

beforeAll(async () => {
  process.env.SESSION_SECRETS = SECRET;
  server = await startCartServer({ port: 0, hostname: "127.0.0.1" });
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  } catch (error) {
    launchError = error;
  }
  await mkdir("test-results", { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Item id → count from the cart table (empty when the cart is). */
async function cartOf(page: Page): Promise<Record<string, number>> {
  await page.goto(`${server!.url}/cart`);
  const cells = await page.locator("td[data-item]").all();
  const counts: Record<string, number> = {};
  for (const cell of cells) counts[(await cell.getAttribute("data-item"))!] = Number(await cell.textContent());
  return counts;
}

async function addToCart(page: Page, item: string): Promise<void> {
  await page.goto(`${server!.url}/`);
  await page.getByRole("button", { name: `Add ${item} to cart` }).click();
  // POST, 303, back on the shop with the one-time message.
  await page.waitForURL(`${server!.url}/`);
  expect(await page.locator(".notice").textContent()).toBe(`Added ${item}`);
}

it("two shoppers in Chromium keep separate carts; the ticket is HttpOnly, SameSite=Lax, unreadable by scripts", async (context) => {
  if (!browser) {
    // In CI the browser is part of the test: not starting is a failure, not a skip.
    if (process.env.CI === "true") throw new Error(`Chromium did not start from ${CHROMIUM}`, { cause: launchError });
    context.skip(`Chromium is not available at ${CHROMIUM} (apt-get install -y chromium): ${String(launchError)}`);
    return;
  }
  // Two contexts share nothing: like two different browsers.
  const contexts: BrowserContext[] = [await browser.newContext(), await browser.newContext()];
  try {
    const [ada, bob] = (await Promise.all(contexts.map((browserContext) => browserContext.newPage()))) as [Page, Page];
    const dialogs: string[] = [];
    for (const page of [ada, bob]) page.on("dialog", (dialog) => (dialogs.push(dialog.message()), dialog.dismiss()));

    await addToCart(ada, "apple");
    await addToCart(bob, "fig");
    await addToCart(ada, "apple");
    await addToCart(ada, "pear");
    await ada.screenshot({ path: "test-results/shop-shopper-1.png", fullPage: true });

    // Reload: each sees only its own cart.
    expect(await cartOf(ada)).toEqual({ apple: 2, pear: 1 });
    expect(await cartOf(bob)).toEqual({ fig: 1 });
    await ada.reload();
    expect(await ada.locator("#cart-count").textContent()).toBe("3");
    await ada.screenshot({ path: "test-results/cart-shopper-1.png", fullPage: true });
    await bob.screenshot({ path: "test-results/cart-shopper-2.png", fullPage: true });

    // The ticket: HttpOnly and SameSite=Lax, so document.cookie cannot see it.
    const [cookie] = await contexts[0]!.cookies();
    expect(cookie).toMatchObject({ name: "sid", httpOnly: true, sameSite: "Lax", secure: false, path: "/" });
    expect(await ada.evaluate(() => document.cookie)).toBe("");

    // A name that is markup is shown as text and runs nothing.
    const name = "<script>alert(1)</script>";
    await ada.goto(`${server!.url}/login`);
    await ada.getByLabel("Your name").fill(name);
    await ada.getByRole("button", { name: "Log in" }).click();
    await ada.waitForURL(`${server!.url}/`);
    expect(await ada.locator("header strong").nth(1).textContent()).toBe(name);
    await ada.goto(`${server!.url}/session`);
    expect(await ada.locator("#remembered").textContent()).toContain(JSON.stringify(name));
    await ada.screenshot({ path: "test-results/remembered-shopper-1.png", fullPage: true });
    // Logging in issued a new ticket and kept the cart.
    const [afterLogin] = await contexts[0]!.cookies();
    expect(afterLogin!.value).not.toBe(cookie!.value);
    expect(await cartOf(ada)).toEqual({ apple: 2, pear: 1 });

    // Log out: Ada's ticket is gone and her cart with it; Bob's is untouched.
    await ada.getByRole("button", { name: "Log out" }).click();
    await ada.waitForURL(`${server!.url}/`);
    expect(await contexts[0]!.cookies()).toEqual([]);
    expect(await cartOf(ada)).toEqual({});
    expect(await ada.locator("#empty").isVisible()).toBe(true);
    expect(await cartOf(bob)).toEqual({ fig: 1 });
    expect(dialogs).toEqual([]);
  } finally {
    await Promise.all(contexts.map((browserContext) => browserContext.close()));
  }
}, 90_000);
