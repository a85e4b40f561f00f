// The shopping-cart scenario, written once and run against every runtime's server over real HTTP:
// test/runtimes/cart-{node,bun,deno,workerd}.test.ts.
import { expect } from "vitest";
import { CookieJar } from "../helpers.js";

/** Item id → count, read from the cart page's table. */
export function cartCounts(html: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [, item, count] of html.matchAll(/data-item="([^"]+)">(\d+)</g)) counts[item!] = Number(count);
  return counts;
}

/** The one-time message a page shows, if any. */
export function noticeOf(html: string): string | undefined {
  return /<p class="notice" role="status">([^<]*)<\/p>/.exec(html)?.[1];
}

/** The rows of the devices page, each with its markup and whether it is "this device". */
export function devicesOf(html: string): { html: string; current: boolean }[] {
  return [...html.matchAll(/<tr class="device">(.*?)<\/tr>/g)].map(([, row]) => ({ html: row!, current: row!.includes("this device") }));
}

/** The refs the devices page offers to sign out (every device but this one). */
export function deviceRefs(html: string): string[] {
  return [...html.matchAll(/name="ref" value="([^"]+)"/g)].map(([, ref]) => ref!);
}

/** A Set-Cookie line as its name, value and attributes (names lower-cased). */
export function parseSetCookie(line: string): { name: string; value: string; attributes: Record<string, string> } {
  const [pair = "", ...rest] = line.split(";").map((part) => part.trim());
  const equals = pair.indexOf("=");
  const attributes: Record<string, string> = {};
  for (const attribute of rest) {
    const [key = "", value = ""] = attribute.split("=");
    attributes[key.toLowerCase()] = value;
  }
  return { name: pair.slice(0, equals), value: pair.slice(equals + 1), attributes };
}

/** A browser-like visitor: keeps its cookies, never follows redirects by itself. */
class Shopper {
  readonly jar = new CookieJar();
  constructor(readonly baseUrl: string) {}

  get sid(): string | undefined {
    return this.jar.cookies.get("sid");
  }

  /** Sends a request; returns the response and the Set-Cookie lines it carried. */
  async send(path: string, form?: Record<string, string>): Promise<{ response: Response; html: string; setCookies: string[] }> {
    const init: RequestInit = { redirect: "manual" };
    if (form) Object.assign(init, { method: "POST", body: new URLSearchParams(form) });
    const response = await fetch(this.jar.request(new URL(path, this.baseUrl).href, init));
    const setCookies = this.jar.apply(response);
    return { response, html: await response.text(), setCookies };
  }

  async page(path: string): Promise<string> {
    const { response, html } = await this.send(path);
    expect(response.status, `GET ${path}`).toBe(200);
    return html;
  }

  /** A POST form that must answer `303 See Other` to `location`. */
  async post(path: string, form: Record<string, string>, location: string): Promise<string[]> {
    const { response, setCookies } = await this.send(path, form);
    expect(response.status, `POST ${path}`).toBe(303);
    expect(response.headers.get("location")).toBe(location);
    return setCookies;
  }

  /** Another visitor who presents `sid` as its cookie. */
  withCookie(sid: string): Shopper {
    const other = new Shopper(this.baseUrl);
    other.jar.cookies.set("sid", sid);
    return other;
  }
}

/**
 * Add twice, reload, flash shown once, log in (new ticket, cart kept), a tampered cookie (a fresh,
 * empty cart), a second device of the same user listed then signed out from the first, log out
 * (cookie expired, cart gone). `baseUrl`: e.g. `http://127.0.0.1:8787`.
 */
export async function runCartScenario(baseUrl: string): Promise<void> {
  const shopper = new Shopper(baseUrl);

  // The shop costs nothing until something is worth remembering: no cookie yet.
  const first = await shopper.send("/");
  expect(first.response.status).toBe(200);
  expect(first.html).toContain("Add apple to cart");
  expect(first.setCookies).toEqual([]);

  // Add an apple: POST then 303 (works without JavaScript), and a ticket.
  const [ticket] = await shopper.post("/cart/add", { item: "apple" }, "/");
  expect(parseSetCookie(ticket!)).toEqual({
    name: "sid",
    value: expect.stringMatching(/^[\w-]+\.[\w-]+$/),
    attributes: { "max-age": "1209600", path: "/", httponly: "", samesite: "Lax" },
  });
  const firstSid = shopper.sid!;
  expect(noticeOf(await shopper.page("/"))).toBe("Added apple");

  // Add a second apple; the same session carries on.
  await shopper.post("/cart/add", { item: "apple" }, "/");
  expect(shopper.sid).toBe(firstSid);
  // The flash is shown once, then gone on reload.
  expect(noticeOf(await shopper.page("/"))).toBe("Added apple");
  expect(noticeOf(await shopper.page("/"))).toBeUndefined();
  expect(cartCounts(await shopper.page("/cart"))).toEqual({ apple: 2 });
  expect(cartCounts(await shopper.page("/cart"))).toEqual({ apple: 2 });

  // Log in (not remembered): a new ticket that ends with the browser, and the cart comes along.
  const [loginTicket] = await shopper.post("/login", { name: "Ada" }, "/");
  expect(parseSetCookie(loginTicket!).attributes).toEqual({ path: "/", httponly: "", samesite: "Lax" });
  const loggedInSid = shopper.sid!;
  expect(loggedInSid).not.toBe(firstSid);
  expect(noticeOf(await shopper.page("/"))).toBe("Logged in as Ada");
  const cart = await shopper.page("/cart");
  expect(cart).toContain("Hello, <strong>Ada</strong>");
  expect(cartCounts(cart)).toEqual({ apple: 2 });
  // The ticket from before log in opens nothing any more (session fixation).
  const beforeLogin = await shopper.withCookie(firstSid).page("/cart");
  expect(beforeLogin).toContain("Your cart is empty");
  expect(beforeLogin).not.toContain("Ada");

  // A tampered ticket: no session, no error, a fresh empty cart; adding starts a new session.
  // The first character of the id carries six significant bits: changing it changes the id.
  const forger = shopper.withCookie(`${loggedInSid.startsWith("A") ? "B" : "A"}${loggedInSid.slice(1)}`);
  const forged = await forger.page("/cart");
  expect(forged).toContain("Your cart is empty");
  expect(forged).not.toContain("Ada");
  await forger.post("/cart/add", { item: "pear" }, "/");
  expect(forger.sid).not.toBe(loggedInSid);
  expect(cartCounts(await forger.page("/cart"))).toEqual({ pear: 1 });
  // The real session did not notice.
  expect(cartCounts(await shopper.page("/cart"))).toEqual({ apple: 2 });

  // Ada logs in on a second device: both are listed, this one marked; "sign out everywhere else"
  // ends the other, whose next page is logged out.
  const phone = new Shopper(baseUrl);
  await phone.post("/login", { name: "Ada" }, "/");
  const account = await shopper.page("/account");
  expect(account).toContain("on 2 devices.");
  expect(
    devicesOf(account)
      .map((device) => device.current)
      .sort(),
  ).toEqual([false, true]);
  expect(devicesOf(await phone.page("/account")).filter((device) => device.current)).toHaveLength(1);
  await shopper.post("/account/sign-out-others", {}, "/account");
  const after = await shopper.page("/account");
  expect(noticeOf(after)).toBe("Signed out 1 device everywhere else");
  expect(after).toContain("on 1 device.");
  const phonePage = await phone.page("/");
  expect(phonePage).toContain('<a href="/login">Log in</a>');
  expect(phonePage).not.toContain("Ada");
  expect(phone.sid).toBeUndefined();

  // Log out: the cookie is expired and the server forgets the cart, even for a replayed ticket.
  const [logoutCookie] = await shopper.post("/logout", {}, "/");
  expect(parseSetCookie(logoutCookie!)).toMatchObject({ name: "sid", value: "", attributes: { "max-age": "0" } });
  expect(shopper.sid).toBeUndefined();
  expect(await shopper.page("/cart")).toContain("Your cart is empty");
  const replayed = shopper.withCookie(loggedInSid);
  const replayedCart = await replayed.page("/cart");
  expect(replayedCart).toContain("Your cart is empty");
  expect(replayedCart).not.toContain("Ada");
  expect(await replayed.page("/session")).toContain('id="nothing"');
}
