// A user's sessions as the app calls them: `sessions.list`, `revoke` and `revokeAll`, bound to one
// env's options, marking the calling request's own session `current`.
import { SessionEvents } from "./events.js";
import type { ResolvedOptions } from "./options.js";
import type { SessionData } from "./record.js";
import type { RequestSession } from "./request-session.js";
import type { SessionListEntry } from "./user-index.js";

/**
 * A user's sessions across devices. Bound to the request's env in `ctx.sessions`; on
 * `createSessions`'s result each method takes the env last, when options are a function of env.
 */
export interface UserSessionsApi {
  /** The user's live sessions, most recently seen first; expired and ended ones are dropped on the way. */
  list(userId: string): Promise<SessionListEntry[]>;
  /** Ends the session `ref` names (a racing save of it fails with `ERR_SESSION_INTERRUPTED`); false when there was none. */
  revoke(ref: string): Promise<boolean>;
  /** Ends every session of the user but `except` (a ref, e.g. this device's); returns how many ended. */
  revokeAll(userId: string, options?: { except?: string }): Promise<number>;
}

/** The user operations on the options `resolve` gives, seen from `handle`'s request when there is one. */
export function userSessions(resolve: () => ResolvedOptions, handle?: RequestSession<SessionData>): UserSessionsApi {
  const users = () => {
    const { carrier, onEvent, store } = resolve();
    return { users: carrier.users, events: new SessionEvents(onEvent, store.name) };
  };
  return {
    async list(userId) {
      const { users: found, events } = users();
      const entries = await found.list(checkedUserId(userId), events);
      const current = await handle?.currentRef();
      return current === undefined ? entries : entries.map((entry) => (entry.ref === current ? { ...entry, current: true } : entry));
    },
    // Async, so a bad argument rejects like every other failure instead of throwing.
    async revoke(ref) {
      const { users: found, events } = users();
      return found.revoke(ref, events);
    },
    async revokeAll(userId, { except } = {}) {
      const { users: found, events } = users();
      return found.revokeAll(checkedUserId(userId), except, events);
    },
  };
}

function checkedUserId(userId: unknown): string {
  if (typeof userId === "string" && userId !== "") return userId;
  throw new TypeError(`coatcheck: a user id is a non-empty string; got ${String(userId)}.`);
}
