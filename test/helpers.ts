import { type SessionOptions, type SessionStore, withSession } from "../src/index.js";

export const SECRET = "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-0001";
export const OLD_SECRET = "0ld-s3cr3t-0ld-s3cr3t-0ld-s3cr3t-00002";

/** Where every fake clock starts: 2026-01-01T00:00:00Z. */
export const CLOCK_START = Date.UTC(2026, 0, 1);

/** A clock tests move by hand, in seconds. Starts at CLOCK_START. */
export function fakeClock(start = CLOCK_START) {
  let now = start;
  const clock = () => now;
  clock.advance = (seconds: number) => {
    now += seconds * 1000;
  };
  return clock;
}

/** Wraps a store and counts each call by operation. */
export function countingStore<S extends SessionStore>(store: S) {
  const calls = { get: 0, set: 0, delete: 0, compareAndSet: 0 };
  /** Every key written, in order. */
  const written = new Set<string>();
  const counted: SessionStore & { calls: typeof calls; written: Set<string>; writes(): number; reset(): void } = {
    name: store.name,
    calls,
    written,
    writes: () => calls.set + calls.compareAndSet,
    reset: () => {
      for (const key of Object.keys(calls) as (keyof typeof calls)[]) calls[key] = 0;
    },
    get: (key) => (calls.get++, store.get(key)),
    set: (key, value, options) => (calls.set++, written.add(key), store.set(key, value, options)),
    delete: (key) => (calls.delete++, store.delete(key)),
  };
  if (store.compareAndSet) {
    counted.compareAndSet = (key, value, expected, options) => (
      calls.compareAndSet++, written.add(key), store.compareAndSet!(key, value, expected, options)
    );
  }
  return counted;
}

/** A handler that counts requests in its session (`n`) and answers the count as JSON. */
export function countingHandler(options: SessionOptions) {
  return withSession<{ n?: number }>(async (_request, ctx) => {
    const session = await ctx.session();
    session.set("n", (session.get("n") ?? 0) + 1);
    return Response.json(session.get("n"));
  }, options);
}

/** A browser-like jar: applies every Set-Cookie (name=value, Max-Age=0 deletes) and sends the rest. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  apply(response: Response): string[] {
    const lines = response.headers.getSetCookie();
    for (const line of lines) {
      const [pair] = line.split(";");
      const equals = pair!.indexOf("=");
      const name = pair!.slice(0, equals);
      const value = pair!.slice(equals + 1);
      if (/;\s*Max-Age=0(?:;|$)/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return lines;
  }

  request(url = "http://shop.test/", init: RequestInit = {}): Request {
    const headers = new Headers(init.headers);
    const cookie = this.header();
    if (cookie) headers.set("cookie", cookie);
    return new Request(url, { ...init, headers });
  }
}

/**
 * A browser against the server at `base`: sends the jar's cookies, keeps what the server sets and
 * follows no redirect. `sameOrigin`: its POSTs carry `Origin: <base>`, as a form on the app's own
 * page does (frameworks refuse cross-site form posts). `headers`: sent unless a request sets them.
 */
export function httpBrowser(
  base: string,
  { sameOrigin = false, headers: defaults = {} }: { sameOrigin?: boolean; headers?: Record<string, string> } = {},
) {
  const jar = new CookieJar();
  const visit = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (sameOrigin && init.method === "POST") headers.set("origin", base);
    for (const [name, value] of Object.entries(defaults)) if (!headers.has(name)) headers.set(name, value);
    const response = await fetch(jar.request(`${base}${path}`, { ...init, headers, redirect: "manual" }));
    jar.apply(response);
    return response;
  };
  const post = (path: string, fields: Record<string, string>, headers?: Record<string, string>) =>
    visit(path, { method: "POST", body: new URLSearchParams(fields), headers });
  return { jar, visit, post };
}

/**
 * Wraps a store so that chosen writes wait until `release()`: racing requests interleave in one
 * chosen order, on any store. One copy, the conformance suite's own (src/testing-helpers.ts).
 */
export { heldWrites } from "../src/testing-helpers.js";
