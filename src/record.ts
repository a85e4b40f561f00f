// The stored record and its lifetime: its format, how a loaded one is accepted, when it expires.
import type { SessionEvents } from "./events.js";

/** The shape of session data: string keys, JSON values. */
export type SessionData = Record<string, unknown>;

/**
 * What a store holds for one session, serialised as JSON. Library metadata sits beside the user's
 * data (`d`), never inside it, so no user key can forge a timestamp.
 */
export interface SessionRecord {
  v: 1;
  /** The store key the record was written under (id-backed stores): a record under another key is foreign. */
  k?: string;
  /** Created at, ms since the epoch. */
  c: number;
  /** Expiry last refreshed at, ms since the epoch. */
  t: number;
  /** `setExpiry` override in seconds; null follows the configured policy. */
  e: number | null;
  /** User data. */
  d: SessionData;
  /** Flashed values for the next request that loads the session. */
  f?: SessionData;
  /** The user the session is bound to (`setUser`), apart from the data. */
  u?: string;
  /** When `u` was last set, ms since the epoch. */
  a?: number;
  /** The app's `userVersion` for `u` when it was set. */
  uv?: string;
  /** A sealed record's ref (an id-backed session's ref is its store key). */
  r?: string;
}

/** What a regenerated session's old key holds for a short while, so a racing save finds it closed. */
export const TOMBSTONE = '{"v":0}';

/** The configured lifetime every record is measured against. */
export interface LifetimePolicy {
  /** Idle lifetime in seconds. */
  maxAge: number;
  absoluteTimeout: number | undefined;
  touchAfter: number;
  expireAtBrowserClose: boolean;
}

const optional = (value: unknown, type: "string" | "number"): boolean => value === undefined || typeof value === type;
const isDataObject = (value: unknown): boolean => typeof value === "object" && value !== null && !Array.isArray(value);

/** Parses a stored record; null for anything that is not one. */
export function parseRecord(text: string): SessionRecord | null {
  try {
    const record = JSON.parse(text) as SessionRecord | null;
    const valid =
      record?.v === 1 &&
      typeof record.c === "number" &&
      typeof record.t === "number" &&
      (record.e === null || typeof record.e === "number") &&
      isDataObject(record.d) &&
      (record.f === undefined || isDataObject(record.f)) &&
      optional(record.u, "string") &&
      optional(record.a, "number") &&
      optional(record.uv, "string") &&
      optional(record.r, "string");
    return valid ? record : null;
  } catch {
    return null;
  }
}

/**
 * A loaded record, or null when it is missing, corrupt, foreign (written under another store key)
 * or expired; the last three are reported.
 */
export function acceptRecord(
  text: string | undefined,
  storeKey: string | undefined,
  policy: LifetimePolicy,
  now: number,
  events: SessionEvents,
): SessionRecord | null {
  if (text === undefined) return null;
  const record = parseRecord(text);
  if (!record) {
    events.tampered("corrupt-record");
    return null;
  }
  if (storeKey !== undefined && record.k !== storeKey) {
    events.tampered("foreign-record");
    return null;
  }
  if (expiresAt(record, policy) <= now) {
    events.emit("expired");
    return null;
  }
  return record;
}

/** The record's absolute expiry in ms, from its own lifetime settings. */
export function expiresAt(record: SessionRecord, policy: LifetimePolicy): number {
  const idle = record.e === null || record.e === 0 ? policy.maxAge : record.e;
  const idleEnd = record.t + idle * 1000;
  return policy.absoluteTimeout === undefined ? idleEnd : Math.min(idleEnd, record.c + policy.absoluteTimeout * 1000);
}

/** Its cookie ends with the browser: `setExpiry(0)`, or `expireAtBrowserClose` and no override. */
export function endsWithBrowser(record: SessionRecord, policy: LifetimePolicy): boolean {
  return record.e === 0 || (record.e === null && policy.expireAtBrowserClose);
}

/** An unmodified record's expiry is due for a refresh. */
export function touchDue(record: SessionRecord, policy: LifetimePolicy, now: number): boolean {
  return now - record.t >= policy.touchAfter * 1000;
}

/** The cookie's Max-Age for a record, in seconds (undefined: ends with the browser). */
export function cookieMaxAge(record: SessionRecord, policy: LifetimePolicy, now: number): number | undefined {
  if (endsWithBrowser(record, policy)) return undefined;
  return Math.max(1, Math.ceil((expiresAt(record, policy) - now) / 1000));
}
