/**
 * `coatcheck/hono`: sessions as Hono middleware, built on the core's open/commit pair and nothing
 * else. The `session` variable is the loader, lazy as in the core: `await c.var.session()` reads the
 * store on its first call only, and a route that never calls it costs nothing.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { memoryStore } from "coatcheck/adapters/memory";
 * import { session, type SessionEnv } from "coatcheck/hono";
 *
 * type Data = { cart: Record<string, number> };
 * const app = new Hono<SessionEnv<Data>>();
 * app.use(session<Data>({ secrets: [SECRET], store: memoryStore() }));
 * app.post("/cart/:item", async (c) => {
 *   const session = await c.var.session();
 *   const cart = session.get("cart") ?? {};
 *   cart[c.req.param("item")] = (cart[c.req.param("item")] ?? 0) + 1;
 *   session.set("cart", cart);
 *   return c.json(cart);
 * });
 * ```
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { SessionData } from "./record.js";
import type { Session } from "./session.js";
import { createSessions, type SessionOptionsInput, type UserSessionsApi } from "./with-session.js";

/**
 * What the `session` variable holds: call it to load the session (memoised per request).
 *
 * @example
 * ```ts
 * const session = await c.var.session(); // or: await c.get("session")()
 * ```
 */
export type SessionLoader<Data extends SessionData = SessionData> = () => Promise<Session<Data>>;

/**
 * The Hono `Variables` the middleware sets, for apps that declare their own `Env`.
 *
 * @example
 * ```ts
 * const app = new Hono<{ Bindings: Bindings; Variables: SessionVariables<Data> & { requestId: string } }>();
 * ```
 */
export interface SessionVariables<Data extends SessionData = SessionData> {
  /** Loads the session on its first call (one store read at most): `await c.var.session()`. */
  session: SessionLoader<Data>;
  /** A user's sessions (list, revoke, revoke all), bound to `c.env`; a list marks this request's own session `current`. */
  sessions: UserSessionsApi;
}

/**
 * A Hono `Env` for an app that uses the middleware, so `c.var.session` is typed in every route.
 *
 * @example
 * ```ts
 * const app = new Hono<SessionEnv<{ user?: string }, { SESSIONS: KVNamespace; SESSION_SECRETS: string }>>();
 * ```
 */
export interface SessionEnv<Data extends SessionData = SessionData, Bindings extends object = object> {
  /** The app's bindings (`c.env`), as in any Hono `Env`. */
  Bindings: Bindings;
  /** `c.var.session` and `c.var.sessions`. */
  Variables: SessionVariables<Data>;
}

/**
 * Session middleware for Hono. `options` are those of `withSession`, or a function of the bindings
 * (`c.env`), resolved once per env object. After the route: the session is committed onto `c.res`
 * (saved, cookie set). When the route threw, nothing is saved, as with `withSession`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { cloudflareKVStore } from "coatcheck/adapters/cloudflare-kv";
 * import { session, type SessionEnv } from "coatcheck/hono";
 *
 * type Bindings = { SESSIONS: KVNamespace; SESSION_SECRETS: string };
 * const app = new Hono<SessionEnv<{ visits: number }, Bindings>>();
 * app.use(session<{ visits: number }, Bindings>((env) => ({ secrets: env.SESSION_SECRETS.split(" "), store: cloudflareKVStore(env.SESSIONS) })));
 * app.get("/", async (c) => {
 *   const session = await c.var.session();
 *   session.set("visits", (session.get("visits") ?? 0) + 1);
 *   return c.text(`visit ${session.get("visits")}`);
 * });
 * export default app;
 * ```
 */
export function session<Data extends SessionData = SessionData, Env extends object = object>(
  options: SessionOptionsInput<Env>,
): MiddlewareHandler<SessionEnv<Data, Env>> {
  const sessions = createSessions<Data, Env>(options);
  return async (c, next) => {
    const handle = await sessions.open(c.req.raw, c.env);
    c.set("session", () => handle.session());
    c.set("sessions", sessions.bind(c.env, handle));
    await next();
    // The route threw and Hono's onError answered: save nothing, as withSession does.
    if (c.error) return handle.release();
    const committed = await handle.commit(c.res);
    if (committed === c.res) return;
    // A copy (the route's response had immutable headers). Hono's `res` setter would copy the old
    // response's headers back over it, losing Set-Cookie, Vary and Cache-Control: clear it first.
    c.res = undefined;
    c.res = committed;
  };
}
