/**
 * `coatcheck/elysia`: sessions as an Elysia plugin, built on the core's open/commit pair and nothing
 * else. Every route gets `session`, the loader, lazy as in the core: `await session()` reads the
 * store on its first call only, and a route that never calls it costs nothing. Elysia routes return
 * plain values; the plugin's `mapResponse` hook turns the route's value into the `Response` Elysia
 * would send (with `set.status`, `set.headers` and Elysia's cookies) and commits the session onto it.
 *
 * @example
 * ```ts
 * import { Elysia } from "elysia";
 * import { memoryStore } from "coatcheck/adapters/memory";
 * import { session } from "coatcheck/elysia";
 *
 * type Data = { cart: Record<string, number> };
 * const app = new Elysia()
 *   .use(session<Data>({ secrets: [SECRET], store: memoryStore() }))
 *   .post("/cart/:item", async ({ session, params }) => {
 *     const current = await session();
 *     const cart = current.get("cart") ?? {};
 *     cart[params.item] = (cart[params.item] ?? 0) + 1;
 *     current.set("cart", cart);
 *     return cart;
 *   })
 *   .listen(3000);
 * ```
 *
 * @module
 */
import { type Context, Elysia } from "elysia";
import { mapResponse } from "elysia/adapter/web-standard/handler";
import type { SessionOptions } from "./options.js";
import type { SessionData } from "./record.js";
import type { SessionHandle } from "./request-session.js";
import type { Session } from "./session.js";
import { createSessions, type UserSessionsApi } from "./with-session.js";

/**
 * What `session` holds in a route's context: call it to load the session (memoised per request).
 *
 * @example
 * ```ts
 * app.get("/cart", async ({ session }) => (await session()).get("cart") ?? {});
 * ```
 */
export type SessionLoader<Data extends SessionData = SessionData> = () => Promise<Session<Data>>;

/**
 * Options of the plugin: those of `withSession`, or a function that returns them, called once, on
 * the first request (Elysia passes no per-request env; on Workers, read the bindings from the
 * `env` of `cloudflare:workers` inside it).
 *
 * @example
 * ```ts
 * import { env } from "cloudflare:workers";
 * app.use(session(() => ({ secrets: env.SESSION_SECRETS.split(" "), store: cloudflareKVStore(env.SESSIONS) })));
 * ```
 */
export type ElysiaSessionOptions = SessionOptions | (() => SessionOptions);

/**
 * The plugin's type: an Elysia instance that adds `session` and `sessions` to the context of every
 * route of the app it is used in (its hooks are global).
 *
 * @example
 * ```ts
 * const sessionPlugin: SessionPlugin<{ user?: string }> = session({ secrets: [SECRET], store: memoryStore() });
 * const account = new Elysia().use(sessionPlugin).get("/me", async ({ session }) => (await session()).user ?? null);
 * ```
 */
export type SessionPlugin<Data extends SessionData = SessionData> = Elysia<
  "",
  {
    decorator: Record<never, never>;
    store: Record<never, never>;
    derive: { readonly session: SessionLoader<Data>; readonly sessions: UserSessionsApi };
    resolve: Record<never, never>;
  }
>;

/** This request's handle, and whether the route asked for its session. */
interface OpenSession<Data extends SessionData> {
  handle: SessionHandle<Data>;
  asked: boolean;
}

/** What the commit reads from the context of Elysia's `mapResponse` hook. */
interface MapResponseContext {
  request: Request;
  responseValue: unknown;
  set: Context["set"];
  /** Set on Elysia's error path (a thrown error, `throw status(…)`), which runs `mapResponse` hooks too. */
  error?: unknown;
}

/** Distinguishes plugin instances, so that Elysia deduplicates one instance used twice, never two. */
let pluginSeed = 0;

/**
 * Session plugin for Elysia. `options` are those of `withSession`, or a function that returns
 * them (called once). In every route, `session()` loads the session and `sessions` is the users API.
 * The session is committed in a global `mapResponse` hook, onto the response Elysia would send:
 * whatever the route returned (a value, a `Response`, `redirect()`, `status()`), with `set.status`
 * and `set.headers`. A route that throws (`throw status(…)` included) saves nothing and sets no
 * cookie; a response with status >= 500 saves nothing (unless `saveOnError`).
 *
 * @example
 * ```ts
 * import { Elysia } from "elysia";
 * import { memoryStore } from "coatcheck/adapters/memory";
 * import { session } from "coatcheck/elysia";
 *
 * const app = new Elysia()
 *   .use(session<{ user?: string }>({ secrets: [SECRET], store: memoryStore() }))
 *   .post("/login", async ({ session, redirect }) => {
 *     const current = await session();
 *     current.regenerate();
 *     current.setUser("ada");
 *     return redirect("/", 303);
 *   })
 *   .get("/devices", async ({ session, sessions }) => sessions.list((await session()).user ?? ""));
 * ```
 */
export function session<Data extends SessionData = SessionData>(options: ElysiaSessionOptions): SessionPlugin<Data> {
  const sessions = createSessions<Data, undefined>(options);
  const opened = new WeakMap<Request, OpenSession<Data>>();
  return (
    new Elysia({ name: "coatcheck/elysia", seed: ++pluginSeed })
      .derive({ as: "global" }, async ({ request }) => {
        const handle = await sessions.open(request);
        const open: OpenSession<Data> = { handle, asked: false };
        opened.set(request, open);
        const loader: SessionLoader<Data> = () => {
          open.asked = true;
          return handle.session();
        };
        return { session: loader, sessions: sessions.bind(undefined, handle) };
      })
      // Does nothing, but with an `afterHandle` hook Elysia compiles a route so that its cookies are
      // signed (`cookie.sign`) before the `mapResponse` hooks, and every `mapResponse` hook runs on
      // the previous one's result (without one, the first hook that answers ends the chain).
      .onAfterHandle({ as: "global" }, () => {})
      .mapResponse({ as: "global" }, async (context) => commitOnto(context, opened))
      .onAfterResponse({ as: "global" }, ({ request }) => {
        // Still open: the route threw, or a `derive`/`resolve` answered early (Elysia skips
        // `mapResponse` hooks then). Nothing was saved; let the request be handled again.
        opened.get(request)?.handle.release();
        opened.delete(request);
      })
  );
}

/**
 * The commit. Returns the response to send, or `undefined` to let Elysia map the value itself
 * (nothing to add: the route never asked for its session, or it threw).
 */
async function commitOnto<Data extends SessionData>(
  context: MapResponseContext,
  opened: WeakMap<Request, OpenSession<Data>>,
): Promise<Response | undefined> {
  const open = opened.get(context.request);
  if (!open || context.error !== undefined) return undefined;
  opened.delete(context.request);
  const { set, responseValue } = context;
  // A generator route runs as Elysia reads it: up to its first `yield` while its response is mapped.
  const runsWhenRead = typeof (responseValue as { next?: unknown } | null | undefined)?.next === "function";
  if (!open.asked && !runsWhenRead) {
    // Closes the session: loading it later (background work) rejects instead of losing changes.
    open.handle.release();
    return undefined;
  }
  const response = await mapResponse(responseValue, set, context.request);
  const committed = await open.handle.commit(response);
  // Elysia maps a hook's response once more, merging `set` into it: `set` is in the response now,
  // and merged again it would repeat cookies and bring back the CDN cache headers commit removed.
  set.headers = {};
  set.cookie = undefined;
  set.status = committed.status;
  return committed;
}
