import { MAX_COOKIE_AGE_SECONDS, MAX_COOKIE_NAME_VALUE_BYTES, readCookies, serializeCookie } from "./cookie.js";
import { SessionError } from "./errors.js";
import { deliverEvent, type SessionEvent, type TamperReason } from "./events.js";
import { newSessionId, storeKeyFor } from "./id.js";
import { type ResolvedOptions, resolveOptions, type SessionOptions } from "./options.js";
import { parseRecord, Session, type SessionData, type SessionRecord, SessionState } from "./session.js";
import type { SealedCookieStore, SessionStore, StoredValue, StoreVersion, StoreWriteOptions } from "./store.js";

/** Options, or a function of the env that returns them (Workers bindings). */
export type SessionOptionsInput<Env> = SessionOptions | ((env: Env) => SessionOptions);

/**
 * The part of a Workers `ExecutionContext` a handler uses. Elsewhere (Deno, Bun, Node), where the
 * server passes none, `waitUntil` lets the promise run on and logs it if it rejects.
 */
export interface ExecutionContextLike {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException?(): void;
}

/**
 * What a wrapped handler receives beside the request. Declare a handler apart from `withSession`
 * with it.
 *
 * @example
 * ```ts
 * import type { SessionContext } from "coatcheck";
 *
 * type Data = { visits: number };
 * export async function handler(request: Request, ctx: SessionContext<Data>): Promise<Response> {
 *   const session = await ctx.session();
 *   session.update("visits", (visits = 0) => visits + 1);
 *   return new Response(`visit ${session.get("visits")}`);
 * }
 * ```
 */
export interface SessionContext<Data extends SessionData = SessionData, Env = unknown> {
  /** The session, loaded from the store on the first call only. */
  session(): Promise<Session<Data>>;
  /**
   * The second argument the runtime passed: the bindings on Workers, `info` under `Deno.serve`, the
   * `Server` under `Bun.serve`. Name its type with the second type parameter: `withSession<Data, Env>`.
   */
  env: Env;
  /** The Workers `ExecutionContext`; elsewhere a stand-in whose `waitUntil` lets the promise run on. */
  executionCtx: ExecutionContextLike;
}

/** One request's session, opened from a request and committed onto its response. */
export interface SessionHandle<Data extends SessionData = SessionData> {
  /** Loads the session on the first call (one store read at most); later calls return the same one. */
  session(): Promise<Session<Data>>;
  /**
   * Saves what changed and sets the cookie on `response` (or on a copy when its headers are
   * immutable). A response whose handler never loaded the session comes back untouched.
   */
  commit(response: Response): Promise<Response>;
}

/** Opens session handles; the open/commit pair frameworks build on. */
export interface Sessions<Data extends SessionData = SessionData, Env = unknown> {
  open(request: Request, env?: Env): Promise<SessionHandle<Data>>;
}

const CAS_ATTEMPTS = 8;
/** How long a regenerated session's old key stays closed against racing saves. */
const TOMBSTONE_SECONDS = 60;
const TOMBSTONE = '{"v":0}';
/** Settles at once: raced against a store call, it tells whether that call has already answered. */
const PENDING = Symbol("pending");
const NOT_YET = Promise.resolve(PENDING);
const TIMED_OUT = Symbol("timed out");

/**
 * The framework-agnostic pair under {@link withSession}: `open` a handle from a request, use its
 * session, `commit` it onto the response. Options are validated here when static.
 *
 * @example
 * ```ts
 * import { createSessions } from "coatcheck";
 * import { memoryStore } from "coatcheck/adapters/memory";
 *
 * const sessions = createSessions<{ user?: string }>({ secrets: [SECRET], store: memoryStore() });
 * async function handle(request: Request): Promise<Response> {
 *   const handle = await sessions.open(request);
 *   const session = await handle.session();
 *   return handle.commit(new Response(`hello ${session.get("user") ?? "stranger"}`));
 * }
 * ```
 */
export function createSessions<Data extends SessionData = SessionData, Env = unknown>(
  options: SessionOptionsInput<Env>,
): Sessions<Data, Env> {
  const resolve = optionsResolver(options);
  return {
    async open(request, env) {
      const resolved = resolve(env as Env);
      const handle = new RequestSession<Data>(resolved, request);
      claimRequest(request, resolved.cookieName, handle as RequestSession<SessionData>);
      return handle;
    },
  };
}

/** A fetch handler wrapped with sessions: the shape of a Workers `fetch` export and of `Deno.serve`/`Bun.serve` handlers. */
export type WrappedHandler<Env, Result = Response> = (request: Request, env?: Env, executionCtx?: unknown) => Promise<Result>;

/**
 * Wraps a fetch handler with sessions. The result is a Workers `fetch` export, a `Deno.serve` or
 * `Bun.serve` handler, or anything else that takes `(request) => Response`. A handler that returns
 * nothing after Bun's `server.upgrade()` is passed through (the wrapper then returns `undefined`,
 * as Bun expects).
 *
 * @example
 * ```ts
 * import { withSession } from "coatcheck";
 * import { memoryStore } from "coatcheck/adapters/memory";
 *
 * export default {
 *   fetch: withSession<{ visits: number }>(
 *     async (request, ctx) => {
 *       const session = await ctx.session();
 *       session.set("visits", (session.get("visits") ?? 0) + 1);
 *       return new Response(`visit ${session.get("visits")}`);
 *     },
 *     { secrets: [SECRET], store: memoryStore() },
 *   ),
 * };
 * ```
 */
export function withSession<Data extends SessionData = SessionData, Env = unknown>(
  handler: (request: Request, ctx: SessionContext<Data, Env>) => Response | Promise<Response>,
  options: SessionOptionsInput<Env>,
): WrappedHandler<Env>;
export function withSession<Data extends SessionData = SessionData, Env = unknown>(
  // biome-ignore lint/suspicious/noConfusingVoidType: Bun's idiom after `server.upgrade()` is a bare `return;`.
  handler: (request: Request, ctx: SessionContext<Data, Env>) => Response | void | Promise<Response | void>,
  options: SessionOptionsInput<Env>,
): WrappedHandler<Env, Response | undefined>;
export function withSession<Data extends SessionData = SessionData, Env = unknown>(
  // biome-ignore lint/suspicious/noConfusingVoidType: as above.
  handler: (request: Request, ctx: SessionContext<Data, Env>) => Response | void | Promise<Response | void>,
  options: SessionOptionsInput<Env>,
): WrappedHandler<Env, Response | undefined> {
  const sessions = createSessions<Data, Env>(options);
  return async (request, env, executionCtx) => {
    const handle = await sessions.open(request, env);
    let response: unknown;
    try {
      response = await handler(request, { session: () => handle.session(), env: env as Env, executionCtx: executionContext(executionCtx) });
    } catch (error) {
      abandonHandle(handle as SessionHandle<SessionData>);
      throw error;
    }
    return handle.commit(response as Response);
  };
}

/** @internal The handler threw: `handle` will not be committed, and the request may be handled again. */
export function abandonHandle(handle: SessionHandle<SessionData>): void {
  (handle as RequestSession<SessionData>).abandon();
}

/** Outside Workers: `waitUntil` lets the promise run on (the process lives on) and logs a rejection. */
const BACKGROUND: ExecutionContextLike = {
  waitUntil(promise) {
    Promise.resolve(promise).then(undefined, (error) =>
      console.error("coatcheck: a promise given to `ctx.executionCtx.waitUntil` rejected.", error),
    );
  },
};

function executionContext(given: unknown): ExecutionContextLike {
  const candidate = given as Partial<ExecutionContextLike> | undefined;
  return typeof candidate?.waitUntil === "function" ? (candidate as ExecutionContextLike) : BACKGROUND;
}

/** The session handles still open on each request, by cookie name: two at once is a double mount. */
const openHandles = new WeakMap<Request, Map<string, RequestSession<SessionData>>>();

function claimRequest(request: Request, cookieName: string, handle: RequestSession<SessionData>): void {
  let open = openHandles.get(request);
  if (!open) openHandles.set(request, (open = new Map()));
  if (open.get(cookieName)?.open) {
    throw new SessionError(
      "ERR_SESSION_OPTIONS",
      `sessions for the cookie \`${cookieName}\` were opened twice for one request: \`withSession\` (or the middleware) is mounted twice around this handler. Remove one; two would send two \`${cookieName}\` cookies and lose data.`,
    );
  }
  open.set(cookieName, handle);
}

/**
 * Options resolved once: static options at once, a function of env once per env object. A function
 * that makes a new store for each env (a per-request `info` on Deno or Node, with `memoryStore()`
 * inside the function) starts every request empty: said once, on the console.
 */
function optionsResolver<Env>(options: SessionOptionsInput<Env>): (env: Env) => ResolvedOptions {
  if (typeof options !== "function") {
    const resolved = resolveOptions(options);
    return () => resolved;
  }
  const perEnv = new WeakMap<object, ResolvedOptions>();
  let withoutEnv: ResolvedOptions | undefined;
  let lastStore: object | undefined;
  let storesSeen = 0;
  const fresh = (env: Env) => {
    const resolved = resolveOptions(options(env));
    if (resolved.store !== lastStore && ++storesSeen === NEW_STORES_BEFORE_WARNING) warnStorePerEnv(resolved.store.name);
    lastStore = resolved.store;
    return resolved;
  };
  return (env) => {
    if (typeof env !== "object" || env === null) return (withoutEnv ??= fresh(env));
    let resolved = perEnv.get(env);
    if (!resolved) {
      resolved = fresh(env);
      perEnv.set(env, resolved);
    }
    return resolved;
  };
}

const NEW_STORES_BEFORE_WARNING = 3;

function warnStorePerEnv(storeName: string): void {
  console.warn(
    `coatcheck: the options function returned a new ${storeName} store for each new env. Deno.serve, Bun.serve and Node adapters pass a new second argument on every request, so a store created inside the function (e.g. \`memoryStore()\`) starts every request with no sessions. Create the store once, outside the function, or pass static options.`,
  );
}

/** What the request brought: the cookie's ticket and the record it led to. */
interface Loaded {
  state: SessionState;
  session: Session<SessionData>;
  /** Id-backed stores: the session's id and store key; sealed stores: undefined. */
  id?: string;
  /** The cookie value that carries `id` under the first secret, when known: re-sent without signing again. */
  signed?: string;
  storeKey?: string;
  version?: StoreVersion;
  /** The cookie was stamped (or sealed) with an older secret. */
  stale: boolean;
  /** Names of our cookies the request carried, to expire when the session ends. */
  sentCookies: string[];
}

/**
 * Of the values a request sends under our cookie name, at most this many distinct ones are tried: a
 * browser sends one per matching domain and path (two when a sibling subdomain tossed one in). More
 * is an attack on our CPU, answered with no session and no crypto at all.
 */
const MAX_TICKETS_TRIED = 4;

class RequestSession<Data extends SessionData> implements SessionHandle<Data> {
  readonly #options: ResolvedOptions;
  readonly #request: Request;
  #loading: Promise<Loaded> | undefined;
  #committed = false;
  #abandoned = false;
  #tamperReported = false;

  constructor(options: ResolvedOptions, request: Request) {
    this.#options = options;
    this.#request = request;
  }

  /** Neither committed nor abandoned: another handle for this request and cookie would be a double mount. */
  get open(): boolean {
    return !this.#committed && !this.#abandoned;
  }

  /** The handler threw: nothing will be committed. */
  abandon(): void {
    this.#abandoned = true;
  }

  async session(): Promise<Session<Data>> {
    if (!this.#loading && this.#committed) {
      // Background work (`waitUntil`) after the response: its changes could never be saved.
      throw new SessionError(
        "ERR_SESSION_CLOSED",
        "the session was first loaded after its response was committed (in `waitUntil` or other background work); changes made there could never be saved. Load it before returning the response.",
      );
    }
    this.#loading ??= this.#options.sealed ? this.#loadSealed() : this.#loadById();
    return (await this.#loading).session as unknown as Session<Data>;
  }

  #emit(event: SessionEvent): void {
    deliverEvent(this.#options.onEvent, event);
  }

  /** One `tampered` event per request at most, however many bad values it carried. */
  #tampered(reason: TamperReason): void {
    if (this.#tamperReported) return;
    this.#tamperReported = true;
    this.#emit({ type: "tampered", store: this.#options.store.name, reason });
  }

  /** Runs one store call under the timeout, turning any failure into a SessionError. */
  async #store<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const { store, storeTimeout } = this.#options;
    let error: SessionError;
    try {
      const answer = await withinTime(call(), storeTimeout);
      if (answer !== TIMED_OUT) return answer;
      error = new SessionError(
        "ERR_SESSION_STORE_TIMEOUT",
        `${store.name} store: ${operation} took longer than ${storeTimeout} ms (\`storeTimeout\`).`,
      );
    } catch (cause) {
      error =
        cause instanceof SessionError
          ? cause
          : new SessionError("ERR_SESSION_STORE", `${store.name} store: ${operation} failed.`, { cause });
    }
    this.#emit({ type: "store-error", store: store.name, error });
    throw error;
  }

  /** The record's absolute expiry in ms, from its own lifetime settings. */
  #expiresAt(record: SessionRecord): number {
    const { maxAge, absoluteTimeout } = this.#options;
    const idle = record.e === null || record.e === 0 ? maxAge : record.e;
    const idleEnd = record.t + idle * 1000;
    return absoluteTimeout === undefined ? idleEnd : Math.min(idleEnd, record.c + absoluteTimeout * 1000);
  }

  #browserClose(record: SessionRecord): boolean {
    return record.e === 0 || (record.e === null && this.#options.expireAtBrowserClose);
  }

  /** A loaded record, or null when it is missing, corrupt, foreign or expired. */
  #accept(text: string | undefined, storeKey: string | undefined): SessionRecord | null {
    if (text === undefined || text === TOMBSTONE) return null;
    const record = parseRecord(text);
    if (!record) {
      this.#tampered("corrupt-record");
      return null;
    }
    if (storeKey !== undefined && record.k !== storeKey) {
      this.#tampered("foreign-record");
      return null;
    }
    if (this.#expiresAt(record) <= this.#options.clock()) {
      this.#emit({ type: "expired", store: this.#options.store.name });
      return null;
    }
    return record;
  }

  #loaded(record: SessionRecord | null, rest: Omit<Loaded, "state" | "session">): Loaded {
    const state = new SessionState(record);
    return { state, session: new Session(state), ...rest };
  }

  /**
   * The ticket among the request's values of our cookie. Forged values are ignored; two valid
   * tickets for different sessions, or more values than a browser would send, are ambiguous: no
   * session, and nothing of ours is expired (an expiring `Set-Cookie` would delete the victim's
   * host cookie and keep one tossed in from a sibling domain: an account swap).
   */
  async #loadById(): Promise<Loaded> {
    const { cookieName, keyring, store } = this.#options;
    const cookies = readCookies(this.#request.headers.get("cookie"), (name) => name === cookieName, MAX_TICKETS_TRIED);
    const values = cookies.get(cookieName) ?? [];
    if (values.length > MAX_TICKETS_TRIED) return this.#ambiguous();
    let ticket: Awaited<ReturnType<typeof keyring.verify>> = null;
    let ticketValue: string | undefined;
    for (const value of values) {
      const verified = await keyring.verify(cookieName, value);
      if (!verified) {
        this.#tampered("bad-signature");
      } else if (ticket && ticket.id !== verified.id) {
        return this.#ambiguous();
      } else if (!ticket || verified.keyIndex < ticket.keyIndex) {
        ticket = verified;
        ticketValue = value;
      }
    }
    const sentCookies = values.length > 0 ? [cookieName] : [];
    if (!ticket) return this.#loaded(null, { stale: false, sentCookies });
    ticket.storeKey ??= await storeKeyFor(ticket.id);
    const storeKey = ticket.storeKey;
    const found = await this.#store("get", () => (store as SessionStore).get(storeKey));
    const record = this.#accept(storedText(found), storeKey);
    if (!record) return this.#loaded(null, { stale: false, sentCookies });
    const stale = ticket.keyIndex > 0;
    const signed = stale ? undefined : ticketValue;
    return this.#loaded(record, { id: ticket.id, signed, storeKey, version: found?.version, stale, sentCookies });
  }

  /** No session, and no cookie of ours to expire: the request cannot tell whose cookie is whose. */
  #ambiguous(): Loaded {
    this.#tampered("ambiguous-cookies");
    return this.#loaded(null, { stale: false, sentCookies: [] });
  }

  async #loadSealed(): Promise<Loaded> {
    const { cookieName, store, secrets, clock } = this.#options;
    const { maxChunks } = store as SealedCookieStore;
    const prefix = `${cookieName}.`;
    // Only `<name>.<n>` up to maxChunks is ours: an app's own `sid.csrf` must not be joined in or
    // expired, and `sid.1` … `sid.1000` sent by a client must not cost a thousand expiring lines.
    const isOurs = (name: string) => name === cookieName || (name.startsWith(prefix) && isChunkIndex(name.slice(prefix.length), maxChunks));
    const cookies = readCookies(this.#request.headers.get("cookie"), isOurs, MAX_TICKETS_TRIED);
    const sentCookies = [...cookies.keys()];
    // Every `<name>` value (a browser sends one per path or domain), and the chunks joined.
    const tokens = [...(cookies.get(cookieName) ?? [])];
    if (tokens.length > MAX_TICKETS_TRIED) return this.#ambiguous();
    if (cookies.has(`${prefix}1`)) {
      let joined = "";
      for (let index = 1; cookies.has(`${prefix}${index}`); index++) joined += cookies.get(`${prefix}${index}`)![0];
      tokens.push(joined);
    }
    const context = { secrets, cookieName, expiresAt: 0, now: clock() };
    let found: { value: string; stale: boolean } | undefined;
    for (const token of tokens) {
      if (!token) continue;
      const opened = await (store as SealedCookieStore).unseal(token, context).catch(() => null);
      if (opened === "expired") this.#emit({ type: "expired", store: store.name });
      else if (!opened) this.#tampered("bad-signature");
      // Two authentic sessions at once: trust neither, as with two valid ids.
      else if (found && found.value !== opened.value) return this.#ambiguous();
      else found ??= opened;
    }
    const record = found ? this.#accept(found.value, undefined) : null;
    return this.#loaded(record, { stale: record !== null && found!.stale, sentCookies });
  }

  async commit(response: Response): Promise<Response> {
    this.#committed = true;
    const passThrough = passesThrough(response, this.#request);
    if (!this.#loading) return response;
    let loaded: Loaded;
    try {
      loaded = await this.#loading;
    } catch {
      // The handler was told (ctx.session() rejected) and answered anyway: nothing to save.
      return response;
    }
    loaded.state.closed = true;
    if (passThrough) return response;
    const cookies = response.status < 500 || this.#options.saveOnError ? await this.#persist(loaded) : [];
    return this.#decorate(response, cookies);
  }

  /**
   * The response with `Vary: Cookie` and, when there are cookies, on a copy: a handler may return one
   * `Response` object to every request (a module-level redirect), and cookies appended to it would
   * reach the next visitor. Without cookies, `Vary` is added in place when the headers allow it.
   */
  #decorate(response: Response, cookies: string[]): Response {
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

  #cookie(name: string, value: string, maxAge: number | undefined): string {
    const { secure, cookie } = this.#options;
    // Request.url is always absolute and serialised with a lower-case scheme: no URL parse needed.
    const isSecure = secure === "auto" ? this.#request.url.startsWith("https:") : secure;
    return serializeCookie(name, value, { ...cookie, secure: isSecure }, maxAge);
  }

  /** The cookie's Max-Age for a record (undefined: ends with the browser). */
  #cookieMaxAge(record: SessionRecord, now: number): number | undefined {
    if (this.#browserClose(record)) return undefined;
    return Math.max(1, Math.ceil((this.#expiresAt(record) - now) / 1000));
  }

  /**
   * Stores what changed and returns the Set-Cookie lines to send. The one decision table for
   * both kinds of store; only where the record goes (a store key, or the cookie itself) differs.
   */
  async #persist(loaded: Loaded): Promise<string[]> {
    const { state, stale } = loaded;
    const { store, sealed } = this.#options;
    const now = this.#options.clock();
    const base = state.base;
    if (base && (state.destroyed || state.empty)) {
      if (!sealed) await this.#store("delete", () => (store as SessionStore).delete(loaded.storeKey!));
      this.#emit({ type: "destroyed", store: store.name });
    }
    if (state.empty) return this.#expireSent(loaded, []);
    const fresh = !base || state.destroyed;
    const touch = !fresh && !state.modified && this.#touchDue(base, now);
    if (!fresh && !state.modified && !state.regenerate && !touch) {
      // Stamped by an older secret: re-issue under the first one (lazy migration), same expiry.
      return stale ? this.#setCookies(loaded, base, now) : [];
    }
    const record = sealed ? state.applyTo(fresh ? null : base, now) : await this.#writeRecord(loaded, fresh, touch, now);
    // The store skipped a touch-only write: the cookie must not outlive the stored expiry either.
    if (!record) return [];
    if (fresh) this.#emit({ type: "created", store: store.name });
    else if (state.regenerate) this.#emit({ type: "regenerated", store: store.name });
    // The same signed id in a browser-close cookie, before and after: nothing for the browser to learn.
    const cookieUnchanged = !sealed && !fresh && !state.regenerate && !stale && this.#browserClose(record) && this.#browserClose(base!);
    return cookieUnchanged ? [] : this.#setCookies(loaded, record, now);
  }

  /** Set-Cookie lines carrying `record`, and expiring whichever of our cookies the request sent that they replace no more. */
  async #setCookies(loaded: Loaded, record: SessionRecord, now: number): Promise<string[]> {
    const maxAge = this.#cookieMaxAge(record, now);
    const pairs = await this.#ticket(loaded, record, now);
    const lines = pairs.map(([name, value]) => this.#cookie(name, value, maxAge));
    return [
      ...lines,
      ...this.#expireSent(
        loaded,
        pairs.map(([name]) => name),
      ),
    ];
  }

  /** Expiring Set-Cookie lines for the cookies of ours the request carried, except those in `keep`. */
  #expireSent(loaded: Loaded, keep: readonly string[]): string[] {
    return loaded.sentCookies.filter((name) => !keep.includes(name)).map((name) => this.#cookie(name, "", 0));
  }

  /** The cookies, as [name, value], that carry `record`: a signed id, or the sealed record split into chunks. */
  async #ticket(loaded: Loaded, record: SessionRecord, now: number): Promise<[string, string][]> {
    const { cookieName, keyring, secrets } = this.#options;
    if (!this.#options.sealed) {
      loaded.signed ??= await keyring.sign(cookieName, loaded.id!, loaded.storeKey);
      return [[cookieName, loaded.signed]];
    }
    const store = this.#options.store as SealedCookieStore;
    const token = await store.seal(JSON.stringify(record), { secrets, cookieName, expiresAt: this.#expiresAt(record), now });
    // The longest line each name could make, Max-Age at its cap: the value gets what is left.
    const emptyLineLength = (name: string) => this.#cookie(name, "", MAX_COOKIE_AGE_SECONDS).length;
    const chunks = splitToken(cookieName, token, store.maxChunks, emptyLineLength);
    if (!chunks) {
      throw new SessionError(
        "ERR_SESSION_TOO_LARGE",
        `${store.name} store: the sealed session is ${token.length} bytes, more than ${store.maxChunks} cookies can carry; keep less in the session or use a server-side store.`,
      );
    }
    return chunks;
  }

  #touchDue(record: SessionRecord, now: number): boolean {
    return now - record.t >= this.#options.touchAfter * 1000;
  }

  /**
   * Writes the record of an id-backed session and returns it; sets `loaded.id` to the id the
   * cookie must carry. A new or regenerated session gets a new id, never one the client chose.
   */
  async #writeRecord(loaded: Loaded, fresh: boolean, touchOnly: boolean, now: number): Promise<SessionRecord | null> {
    const { state } = loaded;
    if (state.regenerate && !fresh) return this.#regenerateRecord(loaded, now);
    if (!fresh) return this.#compareAndSet(loaded, now, { touchOnly });
    const record = state.applyTo(null, now);
    const ticket = await this.#mint();
    record.k = ticket.storeKey;
    await this.#write(ticket.storeKey, JSON.stringify(record), null, this.#writeOptions(record, now, false));
    Object.assign(loaded, ticket);
    return record;
  }

  /**
   * Moves the session to a new id. The new record is written before the old key is closed, so a
   * failure on the way leaves the visitor in the old session (not logged out) and the new record
   * unreachable: no cookie names it. With compare-and-set the old key becomes a short-lived
   * tombstone only if unchanged since read, so a racing save on the old id fails instead of
   * bringing it back; changes merged in while closing it are written to the new key too.
   */
  async #regenerateRecord(loaded: Loaded, now: number): Promise<SessionRecord> {
    const store = this.#options.store as SessionStore;
    const ticket = await this.#mint();
    const key = ticket.storeKey;
    const record = loaded.state.applyTo(loaded.state.base, now);
    record.k = key;
    const value = JSON.stringify(record);
    await this.#write(key, value, null, this.#writeOptions(record, now, false));
    let closed = record;
    if (store.compareAndSet) {
      closed = (await this.#compareAndSet(loaded, now, { close: true }))!;
      closed.k = key;
      const merged = JSON.stringify(closed);
      // Nobody else knows the new id yet: a plain set cannot overwrite anyone's write.
      if (merged !== value) await this.#store("set", () => store.set(key, merged, this.#writeOptions(closed, now, false)));
    } else {
      await this.#store("delete", () => store.delete(loaded.storeKey!));
    }
    Object.assign(loaded, ticket);
    return closed;
  }

  /** A new id (never one the client chose), its store key and its signed cookie value, hashed and signed at once. */
  async #mint(): Promise<{ id: string; storeKey: string; signed: string }> {
    const { keyring, cookieName } = this.#options;
    const id = newSessionId();
    const storeKey = storeKeyFor(id);
    const signed = await keyring.sign(cookieName, id, storeKey);
    return { id, storeKey: await storeKey, signed };
  }

  #writeOptions(record: SessionRecord, now: number, touchOnly: boolean): StoreWriteOptions {
    const expiresAt = this.#expiresAt(record);
    return { expiresAt, ttlSeconds: Math.max(1, Math.ceil((expiresAt - now) / 1000)), touchOnly };
  }

  /**
   * One write: compare-and-set when the store has it (false when the version moved), else a plain
   * set ("skipped" when the store dropped a touch-only write).
   */
  async #write(key: string, value: string, expected: StoreVersion | null, options: StoreWriteOptions): Promise<boolean | "skipped"> {
    const store = this.#options.store as SessionStore;
    if (store.compareAndSet) return this.#store("compareAndSet", () => store.compareAndSet!(key, value, expected, options));
    const written = await this.#store("set", () => store.set(key, value, options));
    return written === false && options.touchOnly ? "skipped" : true;
  }

  /**
   * Writes this request's changes over the loaded record (or, with `close`, puts a short-lived
   * tombstone in its place and returns the record as it would have been). With compare-and-set, a
   * record changed since it was read is re-read and the changes re-applied to it; a record gone
   * (destroyed or regenerated elsewhere) is never recreated: ERR_SESSION_INTERRUPTED. Null when
   * the store skipped a touch-only write.
   */
  #compareAndSet(loaded: Loaded, now: number, mode: { touchOnly?: boolean; close?: boolean }): Promise<SessionRecord | null> {
    const store = this.#options.store as SessionStore;
    const key = loaded.storeKey!;
    const tombstone = { expiresAt: now + TOMBSTONE_SECONDS * 1000, ttlSeconds: TOMBSTONE_SECONDS, touchOnly: false };
    return oneAtATime(store, key, this.#options.storeTimeout, async () => {
      let base = loaded.state.base!;
      let version = loaded.version ?? null;
      for (let attempt = 1; ; attempt++) {
        const record = loaded.state.applyTo(base, now);
        record.k = key;
        const written = mode.close
          ? await this.#write(key, TOMBSTONE, version, tombstone)
          : await this.#write(key, JSON.stringify(record), version, this.#writeOptions(record, now, mode.touchOnly === true));
        if (written === "skipped") return null;
        if (written) return record;
        this.#emit({ type: "conflict", store: store.name, attempt });
        if (attempt === CAS_ATTEMPTS) {
          throw new SessionError(
            "ERR_SESSION_CONFLICT",
            `${store.name} store: the session kept changing under this request; gave up after ${attempt} attempts.`,
          );
        }
        await backoff(attempt);
        const found = await this.#store("get", () => store.get(key));
        // Gone, a tombstone, corrupt or another key's record: the session ended; never write over it.
        const fresh = this.#accept(storedText(found), key);
        if (!fresh) throw interrupted(store.name);
        base = fresh;
        version = found!.version ?? null;
      }
    });
  }
}

/**
 * The text a store answered: undefined for a missing key. A malformed answer (not a `StoredValue`)
 * becomes "", which parses as a corrupt record and is reported, instead of passing for a missing one.
 */
function storedText(found: StoredValue | null): string | undefined {
  if (found == null) return undefined;
  const value = (found as { value?: unknown }).value;
  return typeof value === "string" ? value : "";
}

/** Per store, the last queued write of each key this isolate is saving. */
const savingNow = new WeakMap<SessionStore, Map<string, Promise<void>>>();

/**
 * Runs the saves of one key from this isolate one after another. Requests racing on one session
 * here queue instead of colliding: each then needs one re-read at most, however many there are
 * (optimistic retries alone give up under enough same-key contention). Saves from other isolates
 * or processes are still caught by compare-and-set. A save waits for the one before it at most
 * `waitAtMost` ms (0: no limit): a save that never settles (a Workers request cancelled with its
 * I/O) must not block the session; compare-and-set keeps a save that goes ahead correct.
 */
function oneAtATime<T>(store: SessionStore, key: string, waitAtMost: number, save: () => Promise<T>): Promise<T> {
  let queue = savingNow.get(store);
  if (!queue) savingNow.set(store, (queue = new Map()));
  const previous = queue.get(key);
  const result = (previous ? withinTime(previous, waitAtMost) : Promise.resolve()).then(save);
  const done = result.then(
    () => {},
    () => {},
  );
  queue.set(key, done);
  done.then(() => {
    if (queue.get(key) === done) queue.delete(key);
  });
  return result;
}

/**
 * `promise`'s value, or TIMED_OUT once `ms` have passed first (0: no limit). A promise that has
 * already settled (an in-process store) arms no timer: a timer costs microseconds per call.
 */
async function withinTime<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  if (ms <= 0) return promise;
  const early = await Promise.race([promise, NOT_YET]);
  if (early !== PENDING) return early as T;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([promise, new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(resolve, ms, TIMED_OUT)))]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Waits before a compare-and-set retry. The first retry is immediate (two tabs rarely collide
 * twice); later ones wait a random, growing while, so requests that collided do not retry in
 * lock-step and collide again (with N of them, lock-step retries land one write per round).
 */
function backoff(attempt: number): Promise<void> | undefined {
  if (attempt < 2) return undefined;
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** Math.min(attempt + 2, 9)));
}

function interrupted(storeName: string): SessionError {
  return new SessionError(
    "ERR_SESSION_INTERRUPTED",
    `${storeName} store: the session was destroyed or regenerated by another request while this one ran; its changes were not saved.`,
  );
}

/** `1` … `maxChunks`, spelled canonically (no leading zero). */
function isChunkIndex(text: string, maxChunks: number): boolean {
  if (!/^[1-9]\d{0,2}$/.test(text)) return false;
  return Number(text) <= maxChunks;
}

/**
 * Commit leaves these untouched: a `101`/WebSocket response (no cookies can travel on it), and
 * nothing at all after Bun's `server.upgrade()`. Anything else that is not a `Response` is the
 * handler's mistake, named here rather than deep inside the runtime.
 */
function passesThrough(response: unknown, request: Request): boolean {
  if (response === undefined && request.headers.get("upgrade") !== null) return true;
  const candidate = response as Partial<Response> | null | undefined;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    typeof candidate.status !== "number" ||
    typeof candidate.headers?.append !== "function"
  ) {
    const got =
      candidate === null ? "null" : typeof candidate === "object" ? (candidate.constructor?.name ?? "an object") : typeof candidate;
    throw new TypeError(
      `coatcheck: the handler must return a Response; it returned ${got === "undefined" ? "nothing" : got}. Wrap text as \`new Response(text)\` or data as \`Response.json(data)\`.`,
    );
  }
  return candidate.status === 101 || (candidate as { webSocket?: unknown }).webSocket != null;
}

/** Cache-Control directives, split on the commas outside quoted strings (RFC 9111 §5.2). */
function cacheDirectives(value: string): string[] {
  return (value.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? []).map((part) => part.trim()).filter(Boolean);
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

function addVaryCookie(headers: Headers): void {
  const vary = headers.get("vary");
  if (vary && /(?:^|,)\s*(?:cookie|\*)\s*(?:,|$)/i.test(vary)) return;
  headers.append("vary", "Cookie");
}

/**
 * A sealed token as [cookie name, value] pairs, each whole `Set-Cookie` line, attributes included,
 * within 4096 bytes: RFC 6265bis §5.7 counts name and value only, but the strictest browsers count
 * the line. `emptyLineLength(name)` is the length of the line for `name` with an empty value (all of
 * it ASCII, so characters are bytes). The plain name when one cookie is enough, `<name>.1` …
 * otherwise. Null when more than `maxChunks` cookies would be needed.
 */
export function splitToken(
  cookieName: string,
  token: string,
  maxChunks: number,
  emptyLineLength: (name: string) => number,
): [string, string][] | null {
  if (emptyLineLength(cookieName) + token.length <= MAX_COOKIE_NAME_VALUE_BYTES) return [[cookieName, token]];
  const room = MAX_COOKIE_NAME_VALUE_BYTES - emptyLineLength(`${cookieName}.${maxChunks}`);
  const count = Math.ceil(token.length / room);
  if (count > maxChunks) return null;
  const chunks: [string, string][] = [];
  for (let index = 0; index < count; index++) chunks.push([`${cookieName}.${index + 1}`, token.slice(index * room, (index + 1) * room)]);
  return chunks;
}
