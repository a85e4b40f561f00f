// The shopping-cart example's handler (examples/app/cart.ts), fetch-shaped: no server, no network.
// The over-HTTP scenario on every runtime lives in test/runtimes/cart-*.test.ts.
import { describe, expect, it } from "vitest";
import { cookieStore } from "../adapters/cookie.js";
import { memoryStore } from "../adapters/memory.js";
import { createCartApp, DEVELOPMENT_ONLY_SECRET, escapeHtml, isLoopbackRequest, sessionSecrets } from "../examples/app/cart.ts";
import { type AnySessionStore, withSession } from "../src/index.js";
import { CookieJar, fakeClock, OLD_SECRET, SECRET } from "./helpers.js";
import { cartCounts, deviceRefs, devicesOf, noticeOf, parseSetCookie } from "./runtimes/cart-scenario.js";

const ORIGIN = "http://shop.test";

/** One shop; `visitor()` is another browser with its own cookies. */
function shopFor(store: AnySessionStore = memoryStore(), clock?: () => number) {
  const app = withSession(createCartApp(), { secrets: [SECRET], store, clock });
  const visitor = () => {
    const jar = new CookieJar();
    const send = async (path: string, form?: Record<string, string>, headers: Record<string, string> = {}) => {
      const init: RequestInit = form ? { method: "POST", body: new URLSearchParams(form), headers } : { headers };
      const response = await app(jar.request(`${ORIGIN}${path}`, init));
      const setCookies = jar.apply(response);
      return { response, setCookies, html: await response.text() };
    };
    return { jar, send };
  };
  return { visitor };
}

function shop(store: AnySessionStore = memoryStore()) {
  return shopFor(store).visitor();
}

describe("the cart app", () => {
  it("shows a user's name escaped on every page: markup in a name stays text", async () => {
    const { send } = shop();
    const name = `<script>alert(1)</script> & "quotes" 'too'`;
    const escaped = "&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;quotes&#34; &#39;too&#39;";
    expect((await send("/login", { name })).response.status).toBe(303);
    // The flash that greets the user is escaped too.
    expect(noticeOf((await send("/")).html)).toBe(`Logged in as ${escaped}`);
    for (const path of ["/", "/cart", "/session", "/login", "/account"]) {
      const { html } = await send(path);
      expect(html).not.toContain("<script>");
      expect(html).not.toContain("alert(1)</");
      expect(html).toContain(path === "/session" ? "&#34;&#60;script&#62;alert(1)&#60;/script&#62;" : escaped);
    }
  });

  it("lists the session's keys and values on the 'what the server remembers' page", async () => {
    const { send } = shop();
    expect((await send("/session")).html).toContain('id="nothing"');
    await send("/cart/add", { item: "plum" });
    await send("/login", { name: "Grace" });
    const { html } = await send("/session");
    expect(html).toContain('<th scope="row">cart</th><td><pre>{\n  &#34;plum&#34;: 1\n}</pre></td>');
    expect(html).toContain('<th scope="row">user</th><td><pre>&#34;Grace&#34;</pre></td>');
  });

  it("remember me keeps the configured lifetime; without it the cookie ends with the browser", async () => {
    const remembered = shop();
    const [long] = (await remembered.send("/login", { name: "Ada", remember: "yes" })).setCookies;
    expect(parseSetCookie(long!).attributes["max-age"]).toBe("1209600");
    const forgotten = shop();
    const [short] = (await forgotten.send("/login", { name: "Ada" })).setCookies;
    expect(parseSetCookie(short!).attributes).not.toHaveProperty("max-age");
    expect(parseSetCookie(short!).attributes).not.toHaveProperty("expires");
    // Logging in again with the box ticked switches back to the long cookie.
    const [again] = (await forgotten.send("/login", { name: "Ada", remember: "yes" })).setCookies;
    expect(parseSetCookie(again!).attributes["max-age"]).toBe("1209600");
  });

  it("a page view with nothing to remember sets no cookie and may not be cached", async () => {
    const { send } = shop();
    const { response, setCookies } = await send("/");
    expect(setCookies).toEqual([]);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
  });

  it("refuses form posts from another origin, before touching the session", async () => {
    const { send, jar } = shop();
    const foreign = await send("/cart/add", { item: "apple" }, { origin: "https://evil.example" });
    expect(foreign.response.status).toBe(403);
    expect(foreign.setCookies).toEqual([]);
    const forgedLogin = await send("/login", { name: "Mallory" }, { origin: "https://evil.example" });
    expect(forgedLogin.response.status).toBe(403);
    const own = await send("/cart/add", { item: "apple" }, { origin: ORIGIN });
    expect(own.response.status).toBe(303);
    expect(jar.cookies.has("sid")).toBe(true);
  });

  it("answers bad input with 4xx and saves nothing", async () => {
    const { send } = shop();
    const unknown = await send("/cart/add", { item: "caviar" });
    expect(unknown.response.status).toBe(400);
    expect(unknown.setCookies).toEqual([]);
    const blank = await send("/login", { name: "   " });
    expect(blank.response.status).toBe(400);
    expect(blank.html).toContain('role="alert"');
    expect(blank.setCookies).toEqual([]);
    expect((await send("/login", { name: "x".repeat(61) })).response.status).toBe(400);
    expect((await send("/nowhere")).response.status).toBe(404);
    const wrongMethod = await send("/logout");
    expect(wrongMethod.response.status).toBe(405);
    expect(wrongMethod.response.headers.get("allow")).toBe("POST");
  });

  it("empties the cart and keeps the rest of the session", async () => {
    const { send } = shop();
    await send("/login", { name: "Ada", remember: "yes" });
    await send("/cart/add", { item: "fig" });
    expect((await send("/cart/empty", {})).response.headers.get("location")).toBe("/cart");
    const { html } = await send("/cart");
    expect(html).toContain("Your cart is empty");
    expect(html).toContain("Hello, <strong>Ada</strong>");
  });

  it("runs unchanged on a stateless store: the store is the runtime entry's choice", async () => {
    const { send, jar } = shop(cookieStore());
    await send("/cart/add", { item: "apple" });
    await send("/cart/add", { item: "apple" });
    expect(noticeOf((await send("/")).html)).toBe("Added apple");
    expect(cartCounts((await send("/cart")).html)).toEqual({ apple: 2 });
    await send("/logout", {});
    expect(jar.cookies.size).toBe(0);
    expect((await send("/cart")).html).toContain("Your cart is empty");
  });
});

describe("the cart app's devices page", () => {
  it("lists a user's devices with their times, marks this one, and signs out everywhere else", async () => {
    const clock = fakeClock();
    const { visitor } = shopFor(memoryStore({ clock }), clock);
    const [laptop, phone] = [visitor(), visitor()];
    await phone.send("/cart/add", { item: "fig" });
    await laptop.send("/login", { name: "Ada", remember: "yes" });
    clock.advance(90);
    await phone.send("/login", { name: "Ada", remember: "yes" });

    const { html } = await laptop.send("/account");
    expect(html).toContain("Signed in as <strong>Ada</strong> on 2 devices.");
    const devices = devicesOf(html);
    expect(devices).toHaveLength(2);
    // Most recently seen first: the phone logged in later.
    expect(devices.map((device) => device.current)).toEqual([false, true]);
    const at = (iso: string) => `<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC</time>`;
    const laptopRow = `<td>${at("2026-01-01T00:00:00.000Z")}</td>`.repeat(3);
    expect(devices[1]!.html).toContain(laptopRow);
    // The phone's session started with its cart, before its log in 90 s later.
    const phoneRow = `<td>${at("2026-01-01T00:00:00.000Z")}</td>${`<td>${at("2026-01-01T00:01:30.000Z")}</td>`.repeat(2)}`;
    expect(devices[0]!.html).toContain(phoneRow);
    // A ref names a session without being its ticket: no cookie value, nor its id, is on the page.
    for (const jar of [laptop.jar, phone.jar]) {
      const [id] = jar.cookies.get("sid")!.split(".");
      expect(html).not.toContain(id);
    }
    expect(deviceRefs(html)).toHaveLength(1);

    const signOut = await laptop.send("/account/sign-out-others", {});
    expect(signOut.response.status).toBe(303);
    expect(signOut.response.headers.get("location")).toBe("/account");
    const after = await laptop.send("/account");
    expect(noticeOf(after.html)).toBe("Signed out 1 device everywhere else");
    expect(after.html).toContain("on 1 device.");
    expect(devicesOf(after.html).map((device) => device.current)).toEqual([true]);
    expect(after.html).not.toContain("Sign out everywhere else");

    // The phone's next page: logged out, its cart gone, its cookie expired.
    const phoneCart = await phone.send("/cart");
    expect(phoneCart.html).toContain('<a href="/login">Log in</a>');
    expect(phoneCart.html).toContain("Your cart is empty");
    expect(phone.jar.cookies.size).toBe(0);
    // The laptop carries on.
    expect((await laptop.send("/cart")).html).toContain("Hello, <strong>Ada</strong>");
  });

  it("signs out one other device, and accepts only a ref from the signed-in user's own list", async () => {
    const { visitor } = shopFor();
    const [laptop, phone, tablet, mallory] = [visitor(), visitor(), visitor(), visitor()];
    for (const device of [laptop, phone, tablet]) await device.send("/login", { name: "Ada" });
    await mallory.send("/login", { name: "Mallory" });
    // Each page offers the refs of the other devices: the phone's is on the laptop's page only.
    const fromLaptop = deviceRefs((await laptop.send("/account")).html);
    const fromPhone = deviceRefs((await phone.send("/account")).html);
    expect(fromLaptop).toHaveLength(2);
    const phoneRef = fromLaptop.find((ref) => !fromPhone.includes(ref))!;
    const laptopRef = fromPhone.find((ref) => !fromLaptop.includes(ref))!;

    // A ref seen elsewhere does not let another user sign Ada out.
    const foreign = await mallory.send("/account/sign-out", { ref: phoneRef });
    expect(foreign.response.status).toBe(400);
    expect(foreign.html).toContain("That is not one of your other devices.");
    // Nor does a made-up ref, nor this device's own (that is what "Log out" is for).
    for (const ref of ["", "x".repeat(43), laptopRef]) {
      expect((await laptop.send("/account/sign-out", { ref })).response.status, ref).toBe(400);
    }
    expect(devicesOf((await laptop.send("/account")).html)).toHaveLength(3);

    const ended = await laptop.send("/account/sign-out", { ref: phoneRef });
    expect(ended.response.status).toBe(303);
    expect(noticeOf((await laptop.send("/account")).html)).toBe("Signed out 1 device");
    expect((await phone.send("/")).html).toContain('<a href="/login">Log in</a>');
    expect((await tablet.send("/")).html).toContain("Hello, <strong>Ada</strong>");
    expect((await mallory.send("/")).html).toContain("Hello, <strong>Mallory</strong>");
    // Gone from the list: posting it again is refused.
    expect((await laptop.send("/account/sign-out", { ref: phoneRef })).response.status).toBe(400);
    expect(devicesOf((await tablet.send("/account")).html)).toHaveLength(2);
  });

  it("logging out takes the device off the list", async () => {
    const { visitor } = shopFor();
    const [laptop, phone] = [visitor(), visitor()];
    await laptop.send("/login", { name: "Ada" });
    await phone.send("/login", { name: "Ada" });
    await phone.send("/logout", {});
    expect((await laptop.send("/account")).html).toContain("on 1 device.");
  });

  it("asks a visitor who is not logged in to log in, and refuses their posts", async () => {
    const { send } = shop();
    expect((await send("/account")).html).toContain('id="signed-out"');
    for (const path of ["/account/sign-out", "/account/sign-out-others"]) {
      const { response, setCookies } = await send(path, { ref: "x" });
      expect(response.status).toBe(303);
      expect(response.headers.get("location")).toBe("/login");
      expect(setCookies).toEqual([]);
    }
  });

  it("says that the cookie store cannot list devices, and keeps working", async () => {
    const { send } = shop(cookieStore());
    await send("/cart/add", { item: "pear" });
    await send("/login", { name: "Ada" });
    const account = await send("/account");
    expect(account.response.status).toBe(200);
    expect(account.html).toContain('id="cannot-list"');
    expect(account.html).not.toContain('id="devices"');
    for (const path of ["/account/sign-out", "/account/sign-out-others"]) {
      const refused = await send(path, { ref: "x" });
      expect(refused.response.status).toBe(400);
      expect(refused.html).toContain('id="cannot-list"');
    }
    const cart = await send("/cart");
    expect(cart.html).toContain("Hello, <strong>Ada</strong>");
    expect(cartCounts(cart.html)).toEqual({ pear: 1 });
  });
});

describe("the example's helpers", () => {
  it("reads several secrets from SESSION_SECRETS, newest first", () => {
    expect(sessionSecrets(` ${SECRET}  ${OLD_SECRET}\n`)).toEqual([SECRET, OLD_SECRET]);
  });

  it("falls back to the labelled development-only secret when SESSION_SECRETS is unset", () => {
    expect(sessionSecrets(undefined)).toEqual([DEVELOPMENT_ONLY_SECRET]);
    expect(sessionSecrets("")).toEqual([DEVELOPMENT_ONLY_SECRET]);
    expect(DEVELOPMENT_ONLY_SECRET).toMatch(/development-only/);
  });

  it("tells loopback requests from others", () => {
    for (const url of ["http://localhost:8787/", "http://127.0.0.1/", "http://127.1.2.3:1/", "http://[::1]:3000/"]) {
      expect(isLoopbackRequest(new Request(url)), url).toBe(true);
    }
    for (const url of ["https://shop.example.com/", "http://localhost.example.com/", "http://128.0.0.1/", "http://10.0.0.1/"]) {
      expect(isLoopbackRequest(new Request(url)), url).toBe(false);
    }
  });

  it("escapes the five HTML-significant characters", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe("&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;");
  });
});
