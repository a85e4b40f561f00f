/**
 * Sessions for Edge route handlers: each Edge function runs in its own isolate, so nothing kept in
 * memory is shared. The cookie store keeps the session in the (encrypted) cookie and needs no
 * shared state. Its own cookie name: the Node.js routes' `sid` holds an id, not a sealed session.
 */
import { createSessions } from "coatcheck";
import { cookieStore } from "coatcheck/adapters/cookie";
import type { Data } from "./cart";
import { type SessionRouteHandler, sessionRoute } from "./route";

const store = cookieStore();

// Options as a function, read on the first request: `next build` imports the route without the secrets.
export const edgeSessions = createSessions<Data>(() => ({
  secrets: (process.env.SESSION_SECRETS ?? "").split(" "),
  store,
  cookie: { name: "edge_sid" },
}));

/** `export const GET = edgeRoute(async (request, session) => ...)`. */
export const edgeRoute = (handler: SessionRouteHandler<Data>) => sessionRoute(edgeSessions, handler);
