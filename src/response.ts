// The response: what passes through untouched, and how a committed one is decorated with `Vary`,
// `Set-Cookie` and private caching, on a copy when it carries cookies.

/**
 * Commit leaves these untouched: a `101`/WebSocket response (no cookies can travel on it), and
 * nothing at all after Bun's `server.upgrade()`. Anything else that is not a `Response` is the
 * handler's mistake, named here rather than deep inside the runtime.
 */
export function passesThrough(response: unknown, request: Request): boolean {
  if (response === undefined && request.headers.get("upgrade") !== null) return true;
  const candidate = response as Partial<Response> | null | undefined;
  if (typeof candidate?.status !== "number" || typeof candidate.headers?.append !== "function") {
    throw new TypeError(
      `coatcheck: the handler must return a Response; it returned ${describe(response)}. Wrap text as \`new Response(text)\` or data as \`Response.json(data)\`.`,
    );
  }
  return candidate.status === 101 || (candidate as { webSocket?: unknown }).webSocket != null;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  return typeof value === "object" ? (value.constructor?.name ?? "an object") : typeof value;
}

/**
 * The response with `Vary: Cookie` and, when there are cookies, on a copy: a handler may return one
 * `Response` object to every request (a module-level redirect), and cookies appended to it would
 * reach the next visitor. Without cookies, `Vary` is added in place when the headers allow it.
 */
export function decorate(response: Response, cookies: readonly string[]): Response {
  if (cookies.length === 0) {
    try {
      addVaryCookie(response.headers);
      return response;
    } catch {
      // Immutable headers (a response from fetch, Response.redirect): decorate a copy.
    }
  }
  const copy = new Response(response.body, response);
  addVaryCookie(copy.headers);
  if (cookies.length === 0) return copy;
  for (const cookie of cookies) copy.headers.append("set-cookie", cookie);
  keepOutOfSharedCaches(copy.headers);
  return copy;
}

function addVaryCookie(headers: Headers): void {
  const vary = headers.get("vary");
  if (vary && /(?:^|,)\s*(?:cookie|\*)\s*(?:,|$)/i.test(vary)) return;
  headers.append("vary", "Cookie");
}

/** RFC 9213 targeted fields (`CDN-Cache-Control`, `Cloudflare-CDN-Cache-Control`, …) and `Surrogate-Control`. */
const CDN_TARGETED_FIELD = /^(?:[a-z0-9-]+-)?cdn-cache-control$|^surrogate-control$/;

/**
 * A shared cache must never replay someone's cookie: `Cache-Control` gets `private` unless it already
 * has an unqualified `private` or `no-store` (a qualified `private="field"` still lets a cache store
 * the rest), and CDN-targeted fields go, since a CDN that honours one ignores `Cache-Control`.
 */
function keepOutOfSharedCaches(headers: Headers): void {
  const cacheControl = headers.get("cache-control");
  const directives = cacheControl ? cacheDirectives(cacheControl) : [];
  if (!directives.some((directive) => /^(?:private|no-store)$/i.test(directive))) {
    const kept = directives.filter((directive) => !/^(?:public|private\s*=.*)$/is.test(directive));
    headers.set("cache-control", ["private", ...kept].join(", "));
  }
  const targeted: string[] = [];
  headers.forEach((_, name) => {
    if (CDN_TARGETED_FIELD.test(name)) targeted.push(name);
  });
  for (const name of targeted) headers.delete(name);
}

/** Cache-Control directives, split on the commas outside quoted strings (RFC 9111 §5.2). */
function cacheDirectives(value: string): string[] {
  return (value.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? []).map((part) => part.trim()).filter(Boolean);
}
