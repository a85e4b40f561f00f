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

/** §5.6 trims names and values of WSP (space and horizontal tab) only: never U+00A0 or other Unicode spaces. */
function trimWsp(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === " " || text[start] === "\t")) start++;
  while (end > start && (text[end - 1] === " " || text[end - 1] === "\t")) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/**
 * The values of the cookies `accept`ed from a `Cookie` header, in header order, as a map from
 * name to every value sent under it (a browser sends several when paths or domains differ).
 * Lenient as §5.6 asks a server to be: pairs without "=" are skipped, and surrounding DQUOTEs are
 * removed from values. Values are not percent-decoded: coatcheck's own values never need it.
 * Names are compared exactly: a `\u00A0__Host-sid` is not `__Host-sid` (browsers do not hold it to
 * the prefix's rules). A value repeated under one name is kept once, and at most `maxValues` are
 * kept per name, plus one that tells there were more: the work a forged header causes is bounded.
 */
export function readCookies(
  header: string | null,
  accept: (name: string) => boolean,
  maxValues = Number.POSITIVE_INFINITY,
): Map<string, string[]> {
  const found = new Map<string, string[]>();
  if (!header) return found;
  for (const pair of header.split(";")) {
    const equals = pair.indexOf("=");
    if (equals < 0) continue;
    const name = trimWsp(pair.slice(0, equals));
    if (!accept(name)) continue;
    let value = trimWsp(pair.slice(equals + 1));
    if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    const values = found.get(name);
    if (!values) found.set(name, [value]);
    else if (values.length <= maxValues && !values.includes(value)) values.push(value);
  }
  return found;
}

export interface CookieAttributes {
  path: string;
  domain?: string;
  httpOnly: boolean;
  sameSite: "lax" | "strict" | "none";
  partitioned: boolean;
}

const SAME_SITE = { lax: "Lax", strict: "Strict", none: "None" } as const;

/**
 * Writes `Set-Cookie` lines. `maxAge` undefined makes a browser-close cookie, 0 expires it now;
 * larger values are capped at 400 days (§5.5).
 */
export type CookieSerializer = (name: string, value: string, maxAge: number | undefined, secure: boolean) => string;

/** The serializer of a cookie's lines, its attributes written once (per options, not per response). */
export function cookieSerializer(attributes: CookieAttributes): CookieSerializer {
  let path = `; Path=${attributes.path}`;
  if (attributes.domain) path += `; Domain=${attributes.domain}`;
  const httpOnly = attributes.httpOnly ? "; HttpOnly" : "";
  // CHIPS: https://datatracker.ietf.org/doc/draft-cutler-httpbis-partitioned-cookies/
  const sameSite = `; SameSite=${SAME_SITE[attributes.sameSite]}${attributes.partitioned ? "; Partitioned" : ""}`;
  return (name, value, maxAge, secure) =>
    `${name}=${value}${path}${maxAge === undefined ? "" : `; Max-Age=${Math.min(Math.max(0, Math.floor(maxAge)), MAX_COOKIE_AGE_SECONDS)}`}${httpOnly}${secure ? "; Secure" : ""}${sameSite}`;
}
