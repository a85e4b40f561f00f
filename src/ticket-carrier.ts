// The seam between a request's session lifecycle and the two ways a ticket travels: a signed id
// with the record in a store, or the record itself sealed into the cookie.
import type { SessionEvents } from "./events.js";
import type { SessionRecord } from "./record.js";
import type { SessionState } from "./session-state.js";
import type { SessionListEntry } from "./user-index.js";

/** What the handler changed, as the decision table saw it. */
export interface SavePlan {
  /** A new session (none was loaded, or it was destroyed and written to again): a new ticket. */
  fresh: boolean;
  /** Only the expiry of unchanged data is refreshed (a store may skip such a write). */
  touchOnly: boolean;
}

/**
 * One request's ticket, as its carrier loaded it. Whatever one kind of carrier needs besides (an id,
 * a store key, a version) stays inside that carrier's own ticket.
 */
export interface Ticket {
  /** The record the cookie led to; null for no cookie, a forged or ambiguous one, or a record gone or expired. */
  readonly record: SessionRecord | null;
  /** An older secret stamped or sealed it: the first secret re-issues it. */
  readonly stale: boolean;
  /** The exact cookie value that carried `record` in (undefined without a record). */
  readonly cookieValue: string | undefined;
  /** The names of our cookies the request sent, to expire those the response no longer sets. */
  readonly sentCookies: readonly string[];
  /** The session's ref as loaded, or as saved once `save` ran; undefined before it is first stored. */
  readonly ref: string | undefined;
  /** Writes this request's changes (`state`) as `plan` says: the record as stored, or null when the store skipped a touch. */
  save(state: SessionState, plan: SavePlan, now: number): Promise<SessionRecord | null>;
  /** Ends the loaded session: its record deleted where there is one. */
  discard(): Promise<void>;
  /**
   * The cookies, as [name, value], that carry `record` after a save. `emptyLineLength(name)` is the
   * length of that cookie's `Set-Cookie` line with an empty value: what its attributes take.
   */
  cookies(record: SessionRecord, now: number, emptyLineLength: (name: string) => number): Promise<[string, string][]>;
}

/** Reads a request's ticket; chosen once, when options are resolved, by the kind of store. */
export interface TicketCarrier {
  load(request: Request, events: SessionEvents): Promise<Ticket>;
  /** A user's sessions, where the store can find them. */
  readonly users: UserSessions;
}

/** What `sessions.list` / `revoke` / `revokeAll` stand on. */
export interface UserSessions {
  list(userId: string, events: SessionEvents): Promise<SessionListEntry[]>;
  revoke(ref: string, events: SessionEvents): Promise<boolean>;
  revokeAll(userId: string, except: string | undefined, events: SessionEvents): Promise<number>;
}

/**
 * Of the values a request sends under our cookie name, at most this many distinct ones are tried: a
 * browser sends one per matching domain and path (two when a sibling subdomain tossed one in). More
 * is an attack on our CPU, answered with no session and no crypto at all.
 */
export const MAX_TICKETS_TRIED = 4;
