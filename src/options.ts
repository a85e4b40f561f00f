import { type CookieAttributes, isCookieDomain, isCookieName, isCookiePath } from "./cookie.js";
import { optionError, type SessionError } from "./errors.js";
import { Keyring } from "./signature.js";
import { type AnySessionStore, isSealedCookieStore } from "./store.js";

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

/** Why a `tampered` event fired. */
export type TamperReason = "bad-signature" | "ambiguous-cookies" | "corrupt-record" | "foreign-record";

/**
 * A lifecycle event for logs and metrics. Events never carry a session id or a cookie value.
 */
export type SessionEvent =
  | { type: "created" | "regenerated" | "destroyed" | "expired"; store: string }
  | { type: "tampered"; store: string; reason: TamperReason }
  | { type: "conflict"; store: string; attempt: number }
  | { type: "store-error"; store: string; error: SessionError };

/** Options of {@link withSession} and {@link createSessions}. */
export interface SessionOptions {
  /** One secret or an ordered list, each at least 32 characters. The first signs; all verify. */
  secrets: string | readonly string[];
  /** A store adapter, e.g. `memoryStore()`. */
  store: AnySessionStore;
  cookie?: CookieOptions;
  /** [1209600 = 14 days] Idle lifetime in seconds, enforced by the server. */
  maxAge?: number;
  /** [none] Seconds after creation after which the session dies, whatever the activity. */
  absoluteTimeout?: number;
  /** [maxAge / 10] Seconds between expiry refreshes of an unmodified session. */
  touchAfter?: number;
  /** [false] Cookie without Max-Age: gone when the browser closes. */
  expireAtBrowserClose?: boolean;
  /** [false] Save the session even when the response status is >= 500. */
  saveOnError?: boolean;
  /** [none] Called with lifecycle events. */
  onEvent?: (event: SessionEvent) => void;
  /** [5000] Milliseconds one store call may take before it fails with `ERR_SESSION_STORE_TIMEOUT`; 0 for no limit. */
  storeTimeout?: number;
  /** [Date.now] The clock, in milliseconds since the epoch. For tests. */
  clock?: () => number;
}

export interface ResolvedOptions {
  secrets: readonly string[];
  keyring: Keyring;
  store: AnySessionStore;
  sealed: boolean;
  cookieName: string;
  cookie: Omit<CookieAttributes, "secure">;
  secure: boolean | "auto";
  maxAge: number;
  absoluteTimeout: number | undefined;
  touchAfter: number;
  expireAtBrowserClose: boolean;
  saveOnError: boolean;
  onEvent: ((event: SessionEvent) => void) | undefined;
  storeTimeout: number;
  clock: () => number;
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
const MIN_SECRET_LENGTH = 32;

function seconds(name: string, value: unknown, fallback: number | undefined, allowZero = false): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw optionError(`\`${name}\` must be a ${allowZero ? "non-negative" : "positive"} number of seconds; got ${String(value)}.`);
  }
  return value;
}

function resolveSecrets(secrets: unknown): readonly string[] {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  if (!Array.isArray(list) || list.length === 0) {
    throw optionError("`secrets` is required: pass a string of at least 32 random characters, or a list with the newest first.");
  }
  list.forEach((secret, index) => {
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) {
      throw optionError(
        `\`secrets[${index}]\` must be a string of at least ${MIN_SECRET_LENGTH} characters; generate one with \`openssl rand -base64 32\`.`,
      );
    }
  });
  return Object.freeze([...list]);
}

function resolveStore(store: unknown): AnySessionStore {
  const candidate = store as AnySessionStore | undefined;
  const valid =
    candidate &&
    typeof candidate === "object" &&
    (isSealedCookieStore(candidate)
      ? typeof candidate.seal === "function" && typeof candidate.unseal === "function"
      : typeof candidate.get === "function" && typeof candidate.set === "function" && typeof candidate.delete === "function");
  if (!valid) {
    throw optionError("`store` is required: pass a store adapter such as `memoryStore()` from `coatcheck/adapters/memory`.");
  }
  return candidate;
}

function resolveCookie(cookie: CookieOptions = {}) {
  const name = cookie.name ?? "sid";
  const path = cookie.path ?? "/";
  const { domain, partitioned = false, httpOnly = true, sameSite = "lax" } = cookie;
  let secure = cookie.secure ?? "auto";
  if (!isCookieName(name)) {
    throw optionError(
      `\`cookie.name\` ${JSON.stringify(name)} is not an RFC 6265bis token: use letters, digits and !#$%&'*+-.^_\`|~ only.`,
    );
  }
  if (!isCookiePath(path)) {
    throw optionError(`\`cookie.path\` ${JSON.stringify(path)} must start with "/" and hold no ";" or control characters.`);
  }
  if (domain !== undefined && !isCookieDomain(domain)) {
    throw optionError(`\`cookie.domain\` ${JSON.stringify(domain)} is not a host name (letters, digits, "-" and ".").`);
  }
  if (!["lax", "strict", "none"].includes(sameSite)) {
    throw optionError('`cookie.sameSite` must be "lax", "strict" or "none".');
  }
  if (![true, false, "auto"].includes(secure)) throw optionError('`cookie.secure` must be true, false or "auto".');
  // RFC 6265bis §4.1.3: browsers reject prefixed cookies that break these rules, silently.
  const prefix = name.startsWith("__Host-") ? "__Host-" : name.startsWith("__Secure-") ? "__Secure-" : undefined;
  const needsSecure = prefix
    ? `a \`${prefix}\` cookie name`
    : sameSite === "none"
      ? '`sameSite: "none"`'
      : partitioned
        ? "`partitioned`"
        : undefined;
  if (needsSecure) {
    if (secure === false) throw optionError(`${needsSecure} requires a Secure cookie: remove \`cookie.secure: false\`.`);
    // Secure cookies set over http://localhost are accepted by browsers, so "auto" becomes true here.
    secure = true;
  }
  if (prefix === "__Host-" && (domain !== undefined || path !== "/")) {
    throw optionError('a `__Host-` cookie name requires no `cookie.domain` and `cookie.path: "/"`; drop the domain or the prefix.');
  }
  return { name, attributes: { path, domain, httpOnly, sameSite, partitioned }, secure };
}

export function resolveOptions(options: SessionOptions): ResolvedOptions {
  if (!options || typeof options !== "object") {
    throw optionError("options are required: `{ secrets, store }` at the least.");
  }
  const secrets = resolveSecrets(options.secrets);
  const store = resolveStore(options.store);
  const cookie = resolveCookie(options.cookie);
  const maxAge = seconds("maxAge", options.maxAge, DEFAULT_MAX_AGE)!;
  const absoluteTimeout = seconds("absoluteTimeout", options.absoluteTimeout, undefined);
  const touchAfter = seconds("touchAfter", options.touchAfter, maxAge / 10, true)!;
  if (touchAfter > maxAge) throw optionError(`\`touchAfter\` (${touchAfter}) must not exceed \`maxAge\` (${maxAge}).`);
  const storeTimeout = options.storeTimeout ?? 5000;
  if (typeof storeTimeout !== "number" || !(storeTimeout >= 0)) {
    throw optionError("`storeTimeout` must be a non-negative number of milliseconds (0 for no limit).");
  }
  for (const name of ["onEvent", "clock"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") throw optionError(`\`${name}\` must be a function.`);
  }
  return {
    secrets,
    keyring: keyringFor(secrets),
    store,
    sealed: isSealedCookieStore(store),
    cookieName: cookie.name,
    cookie: cookie.attributes,
    secure: cookie.secure,
    maxAge,
    absoluteTimeout,
    touchAfter,
    expireAtBrowserClose: options.expireAtBrowserClose === true,
    saveOnError: options.saveOnError === true,
    onEvent: options.onEvent,
    storeTimeout,
    clock: options.clock ?? Date.now,
  };
}
