// Two shoppers in a real browser (Debian's Chromium driven by playwright-core) against the Node
// example: separate carts, log out in one leaves the other alone, an HttpOnly + SameSite=Lax ticket
// no page script can read; then one user on two devices, listed and signed out everywhere else.
// Screenshots go to test-results/.
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

/** The test's browser, or a skip (a failure under CI=true) when Chromium did not start. */
function browserOrSkip(context: { skip(note: string): void }): Browser | undefined {
  if (browser) return browser;
  // In CI the browser is part of the test: not starting is a failure, not a skip.
  if (process.env.CI === "true") throw new Error(`Chromium did not start from ${CHROMIUM}`, { cause: launchError });
  context.skip(`Chromium is not available at ${CHROMIUM} (apt-get install -y chromium): ${String(launchError)}`);
  return undefined;
}

async function logIn(page: Page, name: string): Promise<void> {
  await page.goto(`${server!.url}/login`);
  await page.getByLabel("Your name").fill(name);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${server!.url}/`);
}

it("two shoppers in Chromium keep separate carts; the ticket is HttpOnly, SameSite=Lax, unreadable by scripts", async (context) => {
  const browser = browserOrSkip(context);
  if (!browser) return;
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
    await logIn(ada, name);
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

it("one user on two devices: both listed, this one marked; 'sign out everywhere else' logs the other out", async (context) => {
  const browser = browserOrSkip(context);
  if (!browser) return;
  const contexts: BrowserContext[] = [await browser.newContext(), await browser.newContext()];
  try {
    const [laptop, phone] = (await Promise.all(contexts.map((browserContext) => browserContext.newPage()))) as [Page, Page];
    await logIn(laptop, "Carol");
    await addToCart(phone, "plum");
    await logIn(phone, "Carol");
    expect(await cartOf(phone)).toEqual({ plum: 1 });

    // The laptop's devices page: two devices, the laptop marked, a "Sign out" for the phone only.
    await laptop.goto(`${server!.url}/`);
    await laptop.getByRole("link", { name: "Your devices" }).click();
    await laptop.waitForURL(`${server!.url}/account`);
    expect(await laptop.locator("#device-count").textContent()).toBe("Signed in as Carol on 2 devices.");
    const rows = laptop.locator("tr.device");
    expect(await rows.count()).toBe(2);
    expect(await laptop.locator("tr.device .this-device").count()).toBe(1);
    expect(await laptop.getByRole("button", { name: "Sign out", exact: true }).count()).toBe(1);
    for (const time of await laptop.locator("tr.device time").allTextContents()) expect(time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    await laptop.screenshot({ path: "test-results/devices-before.png", fullPage: true });
    // The phone sees the same two, itself marked.
    await phone.goto(`${server!.url}/account`);
    expect(await phone.locator("#device-count").textContent()).toBe("Signed in as Carol on 2 devices.");
    expect(await phone.locator("tr.device .this-device").count()).toBe(1);

    // Sign out everywhere else: POST, 303, back on the devices page with one device left.
    await laptop.getByRole("button", { name: "Sign out everywhere else" }).click();
    await laptop.waitForURL(`${server!.url}/account`);
    expect(await laptop.locator(".notice").textContent()).toBe("Signed out 1 device everywhere else");
    expect(await laptop.locator("#device-count").textContent()).toBe("Signed in as Carol on 1 device.");
    expect(await rows.count()).toBe(1);
    expect(await laptop.locator("tr.device .this-device").count()).toBe(1);
    await laptop.screenshot({ path: "test-results/devices-after.png", fullPage: true });

    // The phone's next page load: logged out, its cart gone, its cookie expired.
    expect(await cartOf(phone)).toEqual({});
    expect(await phone.locator("#empty").isVisible()).toBe(true);
    expect(await phone.getByRole("link", { name: "Log in" }).isVisible()).toBe(true);
    expect(await contexts[1]!.cookies()).toEqual([]);
    await phone.goto(`${server!.url}/account`);
    expect(await phone.locator("#signed-out").isVisible()).toBe(true);
    await phone.screenshot({ path: "test-results/devices-signed-out-phone.png", fullPage: true });
    // The laptop is still signed in.
    await laptop.goto(`${server!.url}/`);
    expect(await laptop.locator("header strong").nth(1).textContent()).toBe("Carol");
  } finally {
    await Promise.all(contexts.map((browserContext) => browserContext.close()));
  }
}, 90_000);
