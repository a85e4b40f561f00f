/**
 * coatcheck: HTTP sessions on the Web Fetch APIs. The browser holds an HMAC-stamped ticket; the
 * data stays behind the counter, in a store you choose.
 *
 * @example
 * ```ts
 * import { withSession } from "coatcheck";
 * import { memoryStore } from "coatcheck/adapters/memory";
 *
 * export default {
 *   fetch: withSession<{ cart: Record<string, number> }>(
 *     async (request, ctx) => {
 *       const session = await ctx.session();
 *       const cart = session.get("cart") ?? {};
 *       cart.apple = (cart.apple ?? 0) + 1;
 *       session.set("cart", cart);
 *       return Response.json(cart);
 *     },
 *     { secrets: [SECRET], store: memoryStore() },
 *   ),
 * };
 * ```
 *
 * @module
 */
export { SessionError, type SessionErrorCode } from "./errors.js";
export type { SessionEvent, SessionEventListener, TamperReason } from "./events.js";
export type { CookieOptions, SessionOptions } from "./options.js";
export type { SessionData } from "./record.js";
export { Session } from "./session.js";
export type {
  AnySessionStore,
  SealContext,
  SealedCookieStore,
  SessionStore,
  StoredValue,
  StoreVersion,
  StoreWriteOptions,
  StoreWritten,
} from "./store.js";
export type { SessionListEntry } from "./user-index.js";
export {
  createSessions,
  type ExecutionContextLike,
  type SessionContext,
  type SessionHandle,
  type SessionOptionsInput,
  type Sessions,
  type UserSessionsApi,
  type WrappedHandler,
  withSession,
} from "./with-session.js";
