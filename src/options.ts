// The options: their types, and their resolution, once, into what a request uses, the ticket
// carrier for the kind of store included.
import { type CookieSerializer, cookieSerializer } from "./cookie.js";
import { optionError } from "./errors.js";
import type { SessionEventListener } from "./events.js";
import { OPTION_NAMES, refuseUnknown, resolveCookie, resolveSecrets, resolveStore, seconds } from "./option-checks.js";
import type { LifetimePolicy } from "./record.js";
import { sealedCookieCarrier } from "./sealed-cookie-carrier.js";
import { Keyring } from "./signature.js";
import { signedIdCarrier } from "./signed-id-carrier.js";
import { type AnySessionStore, isSealedCookieStore } from "./store.js";
import type { TicketCarrier } from "./ticket-carrier.js";

/** Cookie attributes. Defaults are the secure ones; see the README's options table. */
export interface CookieOptions {
  /** ["sid"] `__Host-` and `__Secure-` prefixes are enforced. */
  name?: string;
  /** ["/"] */
  path?: string;
  /** [none: host-only] */
  domain?: string;
  /** ["auto": on for https requests, off for http] */
  secure?: boolean | "auto";
  /** [true] */
  httpOnly?: boolean;
  /** ["lax"] */
  sameSite?: "lax" | "strict" | "none";
  /** [false] CHIPS partitioned cookie; needs `secure`. */
  partitioned?: boolean;
}

/** Options of {@link withSession} and {@link createSessions}. */
export interface SessionOptions {
  /**
   * One secret or an ordered list, each at least 32 characters without whitespace. The first signs;
   * all verify. An environment variable holding several separated by spaces: `value.split(" ")`.
   */
  secrets: string | readonly string[];
  /** A store adapter, e.g. `memoryStore()`. */
  store: AnySessionStore;
  /** The session cookie's name and attributes (`name` [`"sid"`], `path`, `domain`, `secure`, `httpOnly`, `sameSite`, `partitioned`). */
  cookie?: CookieOptions;
  /** [1209600 = 14 days] Idle lifetime in seconds (not milliseconds), enforced by the server; at most 400 days. */
  maxAge?: number;
  /** [none] Seconds after creation after which the session dies, whatever the activity; at most 400 days. */
  absoluteTimeout?: number;
  /** [maxAge / 10] Seconds between expiry refreshes of an unmodified session. */
  touchAfter?: number;
  /** [false] Cookie without Max-Age: gone when the browser closes. */
  expireAtBrowserClose?: boolean;
  /** [false] Save the session even when the response status is >= 500. */
  saveOnError?: boolean;
  /** [none] Called with lifecycle events. A listener that throws or rejects is logged and cannot fail the request. */
  onEvent?: SessionEventListener;
  /** [5000] Milliseconds one store call may take before it fails with `ERR_SESSION_STORE_TIMEOUT`; 0 for no limit. */
  storeTimeout?: number;
  /** [Date.now] The clock, in milliseconds since the epoch. For tests. */
  clock?: () => number;
  /**
   * [none] Store-independent revocation: the app's current version of a user's credentials (a
   * counter it bumps on a password change or "log out everywhere"). The version current at
   * `setUser` is kept in the session; a later load that finds another ends the session (a `revoked`
   * event). Works on every store, the cookie store included.
   */
  userVersion?: (userId: string, env: unknown) => string | number | Promise<string | number>;
  /** [0] Seconds a user's version is remembered per isolate; 0 asks on every load of a user's session. */
  userVersionCacheSeconds?: number;
}

/** What a request uses: the options checked, with defaults, and the carrier chosen for the store. */
export interface ResolvedOptions {
  store: AnySessionStore;
  /** How the ticket travels: a signed id, or the sealed record. Chosen here, once. */
  carrier: TicketCarrier;
  cookieName: string;
  /** Writes the cookie's `Set-Cookie` lines. */
  cookie: CookieSerializer;
  secure: boolean | "auto";
  policy: LifetimePolicy;
  saveOnError: boolean;
  onEvent: SessionEventListener | undefined;
  clock: () => number;
  userVersion: SessionOptions["userVersion"];
  userVersionCacheSeconds: number;
}

export const DEFAULT_MAX_AGE = 1_209_600;

/**
 * Keyrings by their list of secrets, shared by every resolution of the options: where options are a
 * function of an env that is a new object per request (Deno.serve's `info`, a Node adapter's
 * `{ incoming, outgoing }`), the keys are still imported once and verified tickets still remembered.
 */
const keyrings = new Map<string, Keyring>();
const KEYRINGS_KEPT = 16;

function keyringFor(secrets: readonly string[]): Keyring {
  const id = JSON.stringify(secrets);
  let keyring = keyrings.get(id);
  if (!keyring) {
    if (keyrings.size >= KEYRINGS_KEPT) keyrings.delete(keyrings.keys().next().value!);
    keyring = new Keyring(secrets);
    keyrings.set(id, keyring);
  }
  return keyring;
}
export function resolveOptions(options: SessionOptions): ResolvedOptions {
  if (!options || typeof options !== "object") {
    throw optionError("options are required: `{ secrets, store }` at the least.");
  }
  refuseUnknown(options, OPTION_NAMES, "");
  const secrets = resolveSecrets(options.secrets);
  const store = resolveStore(options.store);
  const cookie = resolveCookie(options.cookie);
  const policy = resolvePolicy(options);
  const storeTimeout = options.storeTimeout ?? 5000;
  if (typeof storeTimeout !== "number" || !(storeTimeout >= 0)) {
    throw optionError("`storeTimeout` must be a non-negative number of milliseconds (0 for no limit).");
  }
  for (const name of ["onEvent", "clock", "userVersion"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") throw optionError(`\`${name}\` must be a function.`);
  }
  const clock = options.clock ?? Date.now;
  const carrier = isSealedCookieStore(store)
    ? sealedCookieCarrier({ store, secrets, cookieName: cookie.name, policy, clock })
    : signedIdCarrier({ store, keyring: keyringFor(secrets), cookieName: cookie.name, policy, storeTimeout, clock });
  return {
    store,
    carrier,
    cookieName: cookie.name,
    cookie: cookieSerializer(cookie.attributes),
    secure: cookie.secure,
    policy,
    saveOnError: options.saveOnError === true,
    onEvent: options.onEvent,
    clock,
    userVersion: options.userVersion,
    userVersionCacheSeconds: seconds("userVersionCacheSeconds", options.userVersionCacheSeconds, 0, true)!,
  };
}

function resolvePolicy(options: SessionOptions): LifetimePolicy {
  const maxAge = seconds("maxAge", options.maxAge, DEFAULT_MAX_AGE)!;
  const absoluteTimeout = seconds("absoluteTimeout", options.absoluteTimeout, undefined);
  const touchAfter = seconds("touchAfter", options.touchAfter, maxAge / 10, true)!;
  if (touchAfter > maxAge) throw optionError(`\`touchAfter\` (${touchAfter}) must not exceed \`maxAge\` (${maxAge}).`);
  return { maxAge, absoluteTimeout, touchAfter, expireAtBrowserClose: options.expireAtBrowserClose === true };
}
