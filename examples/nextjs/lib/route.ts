/**
 * A Next.js route handler with a session, on coatcheck's open/commit pair and nothing else: open a
 * handle from the request, hand the handler a lazy loader of the session, commit the handle onto
 * the response it returns. A handler that throws commits nothing: Next answers 500, nothing is
 * saved and no cookie is set.
 */
import type { Session, SessionData, Sessions } from "coatcheck";

/** What a route handler receives: the request, and the session, loaded on the first call only. */
export type SessionRouteHandler<Data extends SessionData> = (
  request: Request,
  session: () => Promise<Session<Data>>,
) => Response | Promise<Response>;

/** `export const GET = sessionRoute(sessions, async (request, session) => ...)`. */
export function sessionRoute<Data extends SessionData>(sessions: Sessions<Data>, handler: SessionRouteHandler<Data>) {
  return async (request: Request): Promise<Response> => {
    const handle = await sessions.open(request);
    const response = await handler(request, () => handle.session());
    return handle.commit(response);
  };
}
