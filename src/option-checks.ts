// Each option's check, with a message that names the fix: secrets, the store, cookie attributes,
// lifetimes in seconds, and option names coatcheck does not know.
import { isCookieDomain, isCookieName, isCookiePath, MAX_COOKIE_AGE_SECONDS } from "./cookie.js";
import { optionError } from "./errors.js";
import type { CookieOptions, SessionOptions } from "./options.js";
import { type AnySessionStore, isSealedCookieStore } from "./store.js";

const MIN_SECRET_LENGTH = 32;

export function seconds(name: string, value: unknown, fallback: number | undefined, allowZero = false): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw optionError(`\`${name}\` must be a ${allowZero ? "non-negative" : "positive"} number of seconds; got ${String(value)}.`);
  }
  // Browsers keep a cookie 400 days at most, so a longer lifetime buys nothing; and a value this
  // large is nearly always milliseconds (the express-session habit), which would mean decades.
  if (value > MAX_COOKIE_AGE_SECONDS) {
    const years = Math.round(value / (365 * 24 * 3600));
    throw optionError(
      `\`${name}\` is ${value} seconds (about ${years} years): it is in seconds, not milliseconds (did you mean ${value / 1000}?), and at most ${MAX_COOKIE_AGE_SECONDS} (400 days, the longest a browser keeps a cookie).`,
    );
  }
  return value;
}

export function resolveSecrets(secrets: unknown): readonly string[] {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  if (!Array.isArray(list) || list.length === 0) {
    throw optionError(
      `\`secrets\` is required (it is ${describeMissing(secrets)}): pass a string of at least ${MIN_SECRET_LENGTH} random characters (\`openssl rand -base64 32\`), or a list with the newest first.`,
    );
  }
  list.forEach((secret, index) => {
    const name = typeof secrets === "string" ? "`secrets`" : `\`secrets[${index}]\``;
    if (typeof secret !== "string" || secret === "") {
      throw optionError(
        `${name} is ${describeMissing(secret)}: is its environment variable set? Generate one with \`openssl rand -base64 32\`.`,
      );
    }
    if (/\s/.test(secret)) {
      throw optionError(
        `${name} contains whitespace. Several secrets in one variable must be split into a list, e.g. \`SESSION_SECRETS.split(" ")\`; a single secret must not keep a trailing newline.`,
      );
    }
    if (secret.length < MIN_SECRET_LENGTH) {
      throw optionError(
        `${name} must be a string of at least ${MIN_SECRET_LENGTH} characters; generate one with \`openssl rand -base64 32\`.`,
      );
    }
  });
  return Object.freeze([...list]);
}

function describeMissing(value: unknown): string {
  if (value === undefined || value === null) return `missing (${value})`;
  if (value === "" || (Array.isArray(value) && value.length === 0)) return "empty";
  return `not a string (${typeof value})`;
}

/** Backends that look like a store but are not one, and the adapter to wrap each in. */
function unwrappedBackend(store: object): string | undefined {
  const has = (name: string) => typeof (store as Record<string, unknown>)[name] === "function";
  if (store instanceof Map) return "a `Map`: use `memoryStore()` from `coatcheck/adapters/memory`";
  if (has("atomic") && has("getMany")) return "a raw `Deno.Kv`: wrap it as `denoKVStore(kv)` from `coatcheck/adapters/deno-kv`";
  if (has("put") && has("getWithMetadata")) {
    return "a raw Workers KV namespace: wrap it as `cloudflareKVStore(env.SESSIONS)` from `coatcheck/adapters/cloudflare-kv`";
  }
  return undefined;
}

export function resolveStore(store: unknown): AnySessionStore {
  if (!store || typeof store !== "object") {
    throw optionError("`store` is required: pass a store adapter such as `memoryStore()` from `coatcheck/adapters/memory`.");
  }
  const backend = unwrappedBackend(store);
  if (backend) throw optionError(`\`store\` is ${backend}.`);
  const candidate = store as AnySessionStore;
  const valid =
    typeof candidate.name === "string" &&
    (isSealedCookieStore(candidate)
      ? typeof candidate.seal === "function" && typeof candidate.unseal === "function"
      : typeof candidate.get === "function" && typeof candidate.set === "function" && typeof candidate.delete === "function");
  if (!valid) {
    throw optionError(
      "`store` is not a store adapter (a `SessionStore`: `name`, `get`, `set`, `delete`): pass one such as `memoryStore()` from `coatcheck/adapters/memory`.",
    );
  }
  return candidate;
}

export function resolveCookie(cookie: CookieOptions = {}) {
  if (typeof cookie !== "object" || cookie === null)
    throw optionError('`cookie` must be an object of cookie attributes, e.g. `{ name: "__Host-sid" }`.');
  refuseUnknown(cookie, COOKIE_OPTION_NAMES, "cookie.");
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
  secure = prefixRules(name, { domain, path, sameSite, partitioned, secure });
  return { name, attributes: { path, domain, httpOnly, sameSite, partitioned }, secure };
}

/**
 * RFC 6265bis §4.1.3: browsers reject prefixed cookies that break these rules, silently; they match
 * the prefixes case-insensitively (§5.7 step 22), so `__HOST-sid` obeys the same rules. Returns the
 * `secure` setting to use: what needs Secure gets it, since browsers accept Secure cookies set over
 * http://localhost.
 */
function prefixRules(
  name: string,
  cookie: { domain: string | undefined; path: string; sameSite: string; partitioned: boolean; secure: boolean | "auto" },
): boolean | "auto" {
  const lowerName = name.toLowerCase();
  const prefix = lowerName.startsWith("__host-") ? "__Host-" : lowerName.startsWith("__secure-") ? "__Secure-" : undefined;
  if (prefix === "__Host-" && (cookie.domain !== undefined || cookie.path !== "/")) {
    throw optionError('a `__Host-` cookie name requires no `cookie.domain` and `cookie.path: "/"`; drop the domain or the prefix.');
  }
  const needsSecure = prefix
    ? `a \`${prefix}\` cookie name`
    : cookie.sameSite === "none"
      ? '`sameSite: "none"`'
      : cookie.partitioned
        ? "`partitioned`"
        : undefined;
  if (!needsSecure) return cookie.secure;
  if (cookie.secure === false) throw optionError(`${needsSecure} requires a Secure cookie: remove \`cookie.secure: false\`.`);
  return true;
}

export const OPTION_NAMES = [
  "secrets",
  "store",
  "cookie",
  "maxAge",
  "absoluteTimeout",
  "touchAfter",
  "expireAtBrowserClose",
  "saveOnError",
  "onEvent",
  "storeTimeout",
  "clock",
  "userVersion",
  "userVersionCacheSeconds",
] as const satisfies readonly (keyof SessionOptions)[];
const COOKIE_OPTION_NAMES = [
  "name",
  "path",
  "domain",
  "secure",
  "httpOnly",
  "sameSite",
  "partitioned",
] as const satisfies readonly (keyof CookieOptions)[];
/** Names other libraries use, and where they live here. */
const KNOWN_ELSEWHERE: Record<string, string> = {
  secret: "secrets",
  cookieName: "cookie.name",
  ttl: "maxAge",
  expires: "maxAge",
  rolling: "touchAfter",
};

/** An option name coatcheck does not know is an error naming the nearest one it does: never silently ignored. */
export function refuseUnknown(given: object, known: readonly string[], path: "" | "cookie."): void {
  for (const name of Object.keys(given)) {
    if (known.includes(name)) continue;
    throw optionError(`\`${path}${name}\` is not an option${suggest(name, path)}.`);
  }
}

function suggest(name: string, path: "" | "cookie."): string {
  const lower = name.toLowerCase();
  if (path === "" && KNOWN_ELSEWHERE[name]) return `; did you mean \`${KNOWN_ELSEWHERE[name]}\`?`;
  if (path === "" && COOKIE_OPTION_NAMES.some((known) => known.toLowerCase() === lower)) {
    return `; cookie attributes go inside \`cookie\`: \`cookie: { ${COOKIE_OPTION_NAMES.find((known) => known.toLowerCase() === lower)}: … }\``;
  }
  if (path === "cookie." && OPTION_NAMES.some((known) => known.toLowerCase() === lower)) {
    return `; \`${OPTION_NAMES.find((known) => known.toLowerCase() === lower)}\` is a top-level option, beside \`cookie\``;
  }
  const own: readonly string[] = path === "" ? OPTION_NAMES : COOKIE_OPTION_NAMES;
  const nearest = own.find((known) => known.toLowerCase() === lower) ?? own.find((known) => editDistance(known.toLowerCase(), lower) <= 2);
  return nearest ? `; did you mean \`${path}${nearest}\`?` : `; the options are ${own.map((known) => `\`${known}\``).join(", ")}`;
}

/** Levenshtein distance, for short option names only. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
