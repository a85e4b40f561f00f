/**
 * coatcheck as React Router 7 middleware (framework mode, `future.v8_middleware`), on the
 * open/commit pair and nothing else: open a handle from the request, hand routes a loader of the
 * session through a typed context, and commit it onto whatever response the route tree made
 * (a loader's data, a thrown `redirect`, an error page).
 *
 * Export `sessionMiddleware` from the root route (`export const middleware = [sessionMiddleware]`)
 * and read the session in any loader or action with `await context.get(sessionContext)()`.
 *
 * @module
 */
import { createSessions, type Session } from "coatcheck";
import { memoryStore } from "coatcheck/adapters/memory";
import { createContext, type MiddlewareFunction } from "react-router";

// What React Router's typegen writes for `future: { v8_middleware: true }`: loaders and actions then
// get a `RouterContextProvider` as their `context`.
declare module "react-router" {
  interface Future {
    v8_middleware: true;
  }
}

export type Data = { cart?: Record<string, number>; user?: string; notice?: string };

/** Where a loader or action finds the session: `await context.get(sessionContext)()`. */
export const sessionContext = createContext<() => Promise<Session<Data>>>();

const sessions = createSessions<Data>({
  secrets: (process.env.SESSION_SECRETS ?? "").split(" "),
  // Any coatcheck store: cloudflareKVStore(env.SESSIONS) on Workers, redisStore(client), sqlStore(db), …
  store: memoryStore(),
});

export const sessionMiddleware: MiddlewareFunction<Response> = async ({ request, context }, next) => {
  const handle = await sessions.open(request);
  context.set(sessionContext, () => handle.session()); // lazy: a route that never asks reads nothing
  const response = await next();
  // A 5xx from a thrown error saves nothing (coatcheck's `saveOnError`); a thrown redirect is committed.
  return handle.commit(response);
};
