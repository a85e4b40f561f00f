/**
 * The shopping-cart example: one fetch handler, shared by every runtime entry under `examples/`.
 * It never chooses a store or reads a secret itself; each entry wraps it with `withSession` and
 * its own store (memory, Workers KV, Deno KV, …), so swapping the store touches no handler code.
 *
 * Routes: `GET /` the shop, `POST /cart/add`, `POST /cart/empty`, `GET /cart`, `GET|POST /login`,
 * `POST /logout`, `GET /session` ("what the server remembers"), `GET /account` (where the user is
 * signed in), `POST /account/sign-out` (one other device), `POST /account/sign-out-others`. Every
 * form is a plain POST answered with a 303 redirect, so the app works without JavaScript.
 *
 * @module
 */
import type { SessionContext, SessionListEntry } from "coatcheck";

/** What one visitor's session holds. */
export type CartData = {
  /** Item id → count. */
  cart?: Record<string, number>;
  /** The name given at log in. */
  user?: string;
  /** A one-time message for the next page (set with `flash`). */
  notice?: string;
};

/** A fetch handler that expects a session: give it to `withSession`. */
export type CartHandler = (request: Request, ctx: SessionContext<CartData>) => Promise<Response>;

/** One thing the shop sells. */
export interface CatalogItem {
  id: string;
  name: string;
  /** Price in cents. */
  price: number;
}

/** The default stock. */
export const CATALOG: readonly CatalogItem[] = [
  { id: "apple", name: "apple", price: 50 },
  { id: "pear", name: "pear", price: 65 },
  { id: "fig", name: "fig", price: 120 },
  { id: "plum", name: "plum", price: 40 },
];

/**
 * A secret anyone can read in this repository: it only exists so that `npm start` works on a fresh
 * clone. Never deploy it; set `SESSION_SECRETS` instead (`openssl rand -base64 32`).
 */
export const DEVELOPMENT_ONLY_SECRET = "development-only-secret:never-deploy-this:coatcheck-example";

/** Longest name accepted at log in. */
const MAX_NAME_LENGTH = 60;

/**
 * The session secrets from a `SESSION_SECRETS` value (several separated by spaces, newest first),
 * or the public development-only secret, with a warning, when it is unset.
 *
 * @example
 * ```ts
 * const secrets = sessionSecrets(process.env.SESSION_SECRETS);
 * ```
 */
export function sessionSecrets(configured: string | undefined): string[] {
  const secrets = (configured ?? "").split(/\s+/).filter(Boolean);
  if (secrets.length > 0) return secrets;
  warnOnce(
    "coatcheck example: SESSION_SECRETS is not set; using the public DEVELOPMENT-ONLY secret. Set SESSION_SECRETS before deploying.",
  );
  return [DEVELOPMENT_ONLY_SECRET];
}

let warned = false;
function warnOnce(message: string): void {
  if (warned) return;
  warned = true;
  console.warn(message);
}

/** True for a request addressed to this machine (localhost, 127.0.0.0/8, ::1). */
export function isLoopbackRequest(request: Request): boolean {
  const { hostname } = new URL(request.url);
  return hostname === "localhost" || hostname === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The cart app's handler.
 *
 * @example
 * ```ts
 * import { withSession } from "coatcheck";
 * import { memoryStore } from "coatcheck/adapters/memory";
 * import { createCartApp, sessionSecrets } from "../app/cart.ts";
 *
 * const fetch = withSession(createCartApp(), { secrets: sessionSecrets(process.env.SESSION_SECRETS), store: memoryStore() });
 * ```
 */
export function createCartApp(catalog: readonly CatalogItem[] = CATALOG): CartHandler {
  const byId = new Map(catalog.map((item) => [item.id, item]));

  const routes: Record<string, Partial<Record<"GET" | "POST", (request: Request, ctx: SessionContext<CartData>) => Promise<Response>>>> = {
    "/": { GET: async (_request, ctx) => html(shopPage(await view(ctx), catalog)) },
    "/cart": { GET: async (_request, ctx) => html(cartPage(await view(ctx), byId)) },
    "/session": { GET: async (_request, ctx) => html(rememberedPage(await view(ctx))) },
    "/login": {
      GET: async (_request, ctx) => html(loginPage(await view(ctx))),
      POST: async (request, ctx) => {
        const form = await request.formData();
        const name = String(form.get("name") ?? "").trim();
        if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
          const error = `Please give a name of 1 to ${MAX_NAME_LENGTH} characters.`;
          return html(loginPage(await view(ctx), error), 400);
        }
        const session = await ctx.session();
        session.regenerate(); // a new ticket on every log in: a ticket planted before it is worthless
        session.set("user", name);
        // The name is the account here (no password): bound to the session, it lists this device
        // under the name's sessions, so "sign out everywhere else" can find it.
        session.setUser(name);
        // Unchecked: the cookie ends with the browser; checked: the configured idle lifetime.
        session.setExpiry(form.get("remember") === "yes" ? null : 0);
        session.flash("notice", `Logged in as ${name}`);
        return redirect("/");
      },
    },
    "/logout": {
      POST: async (_request, ctx) => {
        (await ctx.session()).destroy();
        return redirect("/");
      },
    },
    "/account": { GET: async (_request, ctx) => html(accountPage(await view(ctx), await devicesOf(ctx))) },
    "/account/sign-out": {
      POST: async (request, ctx) => {
        const session = await ctx.session();
        if (!session.user) return redirect("/login");
        const ref = String((await request.formData()).get("ref") ?? "");
        const devices = await devicesOf(ctx);
        if (devices === "unsupported") return html(accountPage(await view(ctx), devices), 400);
        // revoke(ref) ends whichever session the ref names, whoever asks: a ref is safe to show,
        // not a proof of ownership. Only a ref from the signed-in user's own list is accepted, so
        // one user cannot sign another out with a ref seen elsewhere (a screenshot, a log). This
        // device's own ref is refused too: "Log out" is the way to end it.
        const device = devices.find((entry) => entry.ref === ref);
        if (!device || device.current) {
          return html(accountPage(await view(ctx), devices, "That is not one of your other devices."), 400);
        }
        const ended = await ctx.sessions.revoke(ref);
        session.flash("notice", ended ? "Signed out 1 device" : "That device was already signed out");
        return redirect("/account");
      },
    },
    "/account/sign-out-others": {
      POST: async (_request, ctx) => {
        const session = await ctx.session();
        if (!session.user) return redirect("/login");
        let ended: number;
        try {
          ended = await ctx.sessions.revokeAll(session.user, { except: session.ref });
        } catch (error) {
          if (!isUnsupported(error)) throw error;
          return html(accountPage(await view(ctx), "unsupported"), 400);
        }
        session.flash("notice", `Signed out ${devicesText(ended)} everywhere else`);
        return redirect("/account");
      },
    },
    "/cart/add": {
      POST: async (request, ctx) => {
        const form = await request.formData();
        const item = byId.get(String(form.get("item") ?? ""));
        if (!item) return html(layout(await view(ctx), "Not in stock", "<p>We do not sell that.</p>"), 400);
        const session = await ctx.session();
        // update(), not set(): if another tab adds at the same moment, both additions count.
        session.update("cart", (cart = {}) => ({ ...cart, [item.id]: (cart[item.id] ?? 0) + 1 }));
        session.flash("notice", `Added ${item.name}`);
        return redirect("/");
      },
    },
    "/cart/empty": {
      POST: async (_request, ctx) => {
        const session = await ctx.session();
        session.delete("cart");
        return redirect("/cart");
      },
    },
  };

  return async (request, ctx) => {
    const { pathname } = new URL(request.url);
    const route = routes[pathname];
    if (!route) return html(layout(await view(ctx), "Not found", "<p>There is no such page.</p>"), 404);
    const method = request.method === "HEAD" ? "GET" : request.method;
    const handle = route[method as "GET" | "POST"];
    if (!handle) {
      return new Response("Method Not Allowed\n", { status: 405, headers: { allow: Object.keys(route).join(", ") } });
    }
    // Forms post from this origin only. The SameSite=Lax cookie already stays home on a
    // cross-site POST; this also refuses log-in CSRF, which needs no cookie.
    const origin = request.headers.get("origin");
    if (method === "POST" && origin !== null && origin !== new URL(request.url).origin) {
      return new Response("Cross-origin form posts are refused.\n", { status: 403 });
    }
    return handle(request, ctx);
  };
}

/** What every page shows about the visitor. */
interface View {
  user: string | undefined;
  notice: string | undefined;
  cart: Record<string, number>;
  entries: [string, unknown][];
  isNew: boolean;
}

async function view(ctx: SessionContext<CartData>): Promise<View> {
  const session = await ctx.session();
  return {
    user: session.get("user"),
    notice: session.get("notice"),
    cart: session.get("cart") ?? {},
    entries: session.entries(),
    isNew: session.isNew,
  };
}

/** The signed-in user's sessions, or "unsupported" when the store cannot list them (the cookie store). */
async function devicesOf(ctx: SessionContext<CartData>): Promise<SessionListEntry[] | "unsupported"> {
  const user = (await ctx.session()).user;
  if (!user) return [];
  try {
    return await ctx.sessions.list(user);
  } catch (error) {
    if (isUnsupported(error)) return "unsupported";
    throw error;
  }
}

/**
 * The cookie store keeps sessions in the browser: nothing on the server to list or end. Matched on
 * the stable `code` (not `instanceof`), so it holds even where two copies of coatcheck are loaded.
 */
function isUnsupported(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ERR_SESSION_UNSUPPORTED";
}

function redirect(location: string): Response {
  return new Response(null, { status: 303, headers: { location } });
}

const SECURITY_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  // Personal pages: no cache may keep them.
  "cache-control": "no-store",
  // Defence in depth behind the escaping: no script runs on these pages at all.
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

function html(body: string, status = 200): Response {
  return new Response(body, { status, headers: SECURITY_HEADERS });
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function itemCount(cart: Record<string, number>): number {
  return Object.values(cart).reduce((sum, count) => sum + count, 0);
}

function formatPrice(cents: number): string {
  return `€${(cents / 100).toFixed(2)}`;
}

function layout(view: View, title: string, main: string): string {
  const count = itemCount(view.cart);
  const account = view.user
    ? `<form method="post" action="/logout">Hello, <strong>${escapeHtml(view.user)}</strong> <a href="/account">Your devices</a> <button>Log out</button></form>`
    : `<a href="/login">Log in</a>`;
  const notice = view.notice ? `<p class="notice" role="status">${escapeHtml(view.notice)}</p>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · coatcheck shop</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  header { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; border-bottom: 1px solid #ccc; padding-bottom: .5rem; }
  header form { margin-left: auto; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eee; vertical-align: top; }
  td.number, th.number { text-align: right; }
  .notice { background: #e8f5e9; border: 1px solid #a5d6a7; padding: .4rem .8rem; }
  .error { background: #fdecea; border: 1px solid #f5a5a0; padding: .4rem .8rem; }
  pre { margin: 0; white-space: pre-wrap; word-break: break-all; }
  time { white-space: nowrap; }
</style>
</head>
<body>
<header>
  <strong>coatcheck shop</strong>
  <a href="/">Shop</a>
  <a href="/cart">Cart (<span id="cart-count">${count}</span>)</a>
  <a href="/session">What the server remembers</a>
  ${account}
</header>
${notice}
<main>
<h1>${escapeHtml(title)}</h1>
${main}
</main>
</body>
</html>
`;
}

function shopPage(view: View, catalog: readonly CatalogItem[]): string {
  const rows = catalog
    .map(
      (item) => `<tr>
  <td>${escapeHtml(item.name)}</td>
  <td class="number">${formatPrice(item.price)}</td>
  <td><form method="post" action="/cart/add"><input type="hidden" name="item" value="${escapeHtml(item.id)}"><button>Add ${escapeHtml(item.name)} to cart</button></form></td>
</tr>`,
    )
    .join("\n");
  return layout(view, "Shop", `<table>\n<tr><th>Item</th><th class="number">Price</th><th></th></tr>\n${rows}\n</table>`);
}

function cartPage(view: View, byId: ReadonlyMap<string, CatalogItem>): string {
  const lines = Object.entries(view.cart).filter(([, count]) => count > 0);
  if (lines.length === 0) return layout(view, "Your cart", `<p id="empty">Your cart is empty. <a href="/">Go shopping</a>.</p>`);
  let total = 0;
  const rows = lines.map(([id, count]) => {
    const item = byId.get(id);
    const price = item ? item.price * count : 0;
    total += price;
    return `<tr><td>${escapeHtml(item?.name ?? id)}</td><td class="number" data-item="${escapeHtml(id)}">${count}</td><td class="number">${formatPrice(price)}</td></tr>`;
  });
  const table = `<table id="cart">
<tr><th>Item</th><th class="number">Count</th><th class="number">Price</th></tr>
${rows.join("\n")}
<tr><th>Total</th><th class="number">${itemCount(view.cart)}</th><th class="number">${formatPrice(total)}</th></tr>
</table>
<form method="post" action="/cart/empty"><p><button>Empty the cart</button></p></form>`;
  return layout(view, "Your cart", table);
}

function loginPage(view: View, error?: string): string {
  const message = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : "";
  const form = `${message}
<form method="post" action="/login">
  <p><label>Your name <input name="name" required maxlength="${MAX_NAME_LENGTH}" autocomplete="nickname"></label></p>
  <p><label><input type="checkbox" name="remember" value="yes"> Remember me (otherwise you are logged out when the browser closes)</label></p>
  <p><button>Log in</button></p>
</form>
<p>No password: this shop only shows how a session changes hands at log in. Your cart comes with you.</p>`;
  return layout(view, "Log in", form);
}

function rememberedPage(view: View): string {
  const rows = view.entries.map(
    ([key, value]) => `<tr><th scope="row">${escapeHtml(key)}</th><td><pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre></td></tr>`,
  );
  const data =
    rows.length === 0
      ? `<p id="nothing">Nothing: the server keeps no record for you until you add something or log in.</p>`
      : `<table id="remembered">\n<tr><th>Key</th><th>Value</th></tr>\n${rows.join("\n")}\n</table>`;
  const explanation = `<p>Your browser holds only a ticket: the <code>sid</code> cookie, a random id stamped with an HMAC.
It is <code>HttpOnly</code>, so no script on the page can read it, and <code>SameSite=Lax</code>, so other sites cannot post with it.
Everything below stays on the server, in its session store, under a hash of that id.</p>`;
  return layout(view, "What the server remembers", `${explanation}\n${data}`);
}

function devicesText(count: number): string {
  return count === 1 ? "1 device" : `${count} devices`;
}

/** A time as `2026-01-01 09:30 UTC`: the same on every server, whatever its time zone. */
function formatTime(ms: number | undefined): string {
  if (ms === undefined) return "—";
  const iso = new Date(ms).toISOString();
  return `<time datetime="${iso}">${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC</time>`;
}

/** What the account page says on the cookie store, where `sessions.list` throws `ERR_SESSION_UNSUPPORTED`. */
const CANNOT_LIST = `<p id="cannot-list">This shop keeps your session in your browser's cookie (the cookie store), so the server
has no list of the devices you are signed in on and cannot sign them out. A server-side store (memory, Deno KV, Workers KV) can.</p>`;

function accountPage(view: View, devices: SessionListEntry[] | "unsupported", error?: string): string {
  if (!view.user) {
    return layout(view, "Your devices", `<p id="signed-out"><a href="/login">Log in</a> to see where you are signed in.</p>`);
  }
  const message = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : "";
  if (devices === "unsupported") return layout(view, "Your devices", `${message}\n${CANNOT_LIST}`);
  const rows = devices.map((device) => {
    const action = device.current
      ? `<strong class="this-device">this device</strong>`
      : `<form method="post" action="/account/sign-out"><input type="hidden" name="ref" value="${escapeHtml(device.ref)}"><button>Sign out</button></form>`;
    return `<tr class="device"><td>${formatTime(device.createdAt)}</td><td>${formatTime(device.lastSeenAt)}</td><td>${formatTime(device.authenticatedAt)}</td><td>${action}</td></tr>`;
  });
  const others = devices.some((device) => !device.current)
    ? `<form method="post" action="/account/sign-out-others"><p><button>Sign out everywhere else</button></p></form>`
    : "";
  const main = `${message}
<p id="device-count">Signed in as <strong>${escapeHtml(view.user)}</strong> on ${devicesText(devices.length)}.</p>
<table id="devices">
<tr><th>Started</th><th>Last seen</th><th>Signed in</th><th></th></tr>
${rows.join("\n")}
</table>
${others}
<p>"Last seen" is the last time a device's session was saved: a page that changes nothing refreshes it only now and then, so this list costs no writes. Anyone who logs in with the same name is the same account here.</p>`;
  return layout(view, "Your devices", main);
}
