/**
 * Sessions for the Node.js runtime (Next's default) and the proxy: a server-side store, so that
 * `regenerate()` and `destroy()` end the old id for good.
 */
import { createSessions } from "coatcheck";
import { memoryStore } from "coatcheck/adapters/memory";
import type { Data } from "./cart";
import { type SessionRouteHandler, sessionRoute } from "./route";

// The memory store lives in one process. Next bundles the proxy apart from the route handlers, so a
// store made at module level would be two: one the routes write, one the proxy reads. globalThis is
// one per process: under `next start` both find the same store there. Several instances, serverless
// functions or Edge routes share nothing with it: use redisStore(client) or sqlStore(db) there.
const shared = globalThis as { coatcheckStore?: ReturnType<typeof memoryStore> };
const store = (shared.coatcheckStore ??= memoryStore());

// Options as a function: read on the first request, not at import. `next build` imports every route
// to collect its config, and the build has no business holding the secrets.
export const sessions = createSessions<Data>(() => ({
  secrets: (process.env.SESSION_SECRETS ?? "").split(" "),
  store,
}));

/** `export const GET = route(async (request, session) => ...)`. */
export const route = (handler: SessionRouteHandler<Data>) => sessionRoute(sessions, handler);
