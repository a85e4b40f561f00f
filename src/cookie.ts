// Cookie syntax, written against RFC 6265bis (draft-ietf-httpbis-rfc6265bis), the spec browsers
// now implement: https://datatracker.ietf.org/doc/draft-ietf-httpbis-rfc6265bis/
// Hand-written rather than the `cookie` package because coatcheck needs the prefix rules, the
// 400-day cap and construction-time validation of its own cookie only, and the whole core has a
// 4 KB budget.

/** §4.1.1 cookie-name = token (RFC 9110 §5.6.2). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** §4.1.1 path-value = *av-octet: any CHAR except CTLs or ";". */
const PATH_VALUE = /^\/[\x20-\x3a\x3c-\x7e]*$/;
/** §4.1.2.3 domain-value = subdomain (RFC 1034 §3.5, RFC 1123 §2.1), optionally with a leading dot. */
const DOMAIN_VALUE = /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** §5.5 (cookie-age limit): user agents cap Max-Age and Expires at 400 days. */
export const MAX_COOKIE_AGE_SECONDS = 400 * 24 * 60 * 60;
/** §5.7: user agents drop a cookie whose name plus value passes 4096 octets. */
export const MAX_COOKIE_NAME_VALUE_BYTES = 4096;

export const isCookieName = (name: string): boolean => TOKEN.test(name);
export const isCookiePath = (path: string): boolean => PATH_VALUE.test(path);
export const isCookieDomain = (domain: string): boolean => DOMAIN_VALUE.test(domain);

/**
 * The values of the cookies named in `names` from a `Cookie` header, in header order, as a map from
 * name to every value sent under it (a browser sends several when paths or domains differ).
 * Lenient as §5.6 asks a server to be: pairs without "=" are skipped, and surrounding DQUOTEs are
 * removed from values. Values are not percent-decoded: coatcheck's own values never need it.
 */
export function readCookies(header: string | null, accept: (name: string) => boolean): Map<string, string[]> {
  const found = new Map<string, string[]>();
  if (!header) return found;
  for (const pair of header.split(";")) {
    const equals = pair.indexOf("=");
    if (equals < 0) continue;
    const name = pair.slice(0, equals).trim();
    if (!accept(name)) continue;
    let value = pair.slice(equals + 1).trim();
    if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    const values = found.get(name);
    if (values) values.push(value);
    else found.set(name, [value]);
  }
  return found;
}

export interface CookieAttributes {
  path: string;
  domain?: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: "lax" | "strict" | "none";
  partitioned: boolean;
}

const SAME_SITE = { lax: "Lax", strict: "Strict", none: "None" } as const;

/**
 * A `Set-Cookie` line. `maxAge` undefined makes a browser-close cookie, 0 expires it now; larger
 * values are capped at 400 days (§5.5).
 */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes, maxAge: number | undefined): string {
  let line = `${name}=${value}; Path=${attributes.path}`;
  if (attributes.domain) line += `; Domain=${attributes.domain}`;
  if (maxAge !== undefined) line += `; Max-Age=${Math.min(Math.max(0, Math.floor(maxAge)), MAX_COOKIE_AGE_SECONDS)}`;
  if (attributes.httpOnly) line += "; HttpOnly";
  if (attributes.secure) line += "; Secure";
  line += `; SameSite=${SAME_SITE[attributes.sameSite]}`;
  // CHIPS: https://datatracker.ietf.org/doc/draft-cutler-httpbis-partitioned-cookies/
  if (attributes.partitioned) line += "; Partitioned";
  return line;
}
