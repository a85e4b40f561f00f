import { MAX_COOKIE_NAME_VALUE_BYTES, readCookies, serializeCookie } from "./cookie.js";
import { SessionError } from "./errors.js";
import { newSessionId, storeKeyFor } from "./id.js";
import { type ResolvedOptions, resolveOptions, type SessionEvent, type SessionOptions, type TamperReason } from "./options.js";
import { parseRecord, Session, type SessionData, type SessionRecord, SessionState } from "./session.js";
import type { SealedCookieStore, SessionStore, StoredValue, StoreVersion, StoreWriteOptions } from "./store.js";

/** Options, or a function of the env that returns them (Workers bindings). */
export type SessionOptionsInput<Env> = SessionOptions | ((env: Env) => SessionOptions);

/** What a wrapped handler receives beside the request. */
export interface SessionContext<Data extends SessionData = SessionData, Env = unknown> {
  /** The session, loaded from the store on the first call only. */
  session(): Promise<Session<Data>>;
  env: Env;
  executionCtx: unknown;
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
      return new RequestSession<Data>(resolve(env as Env), request);
    },
  };
}

/**
 * Wraps a fetch handler with sessions. The result is a Workers `fetch` export, a `Deno.serve` or
 * `Bun.serve` handler, or anything else that takes `(request) => Response`.
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
): (request: Request, env?: Env, executionCtx?: unknown) => Promise<Response> {
  const sessions = createSessions<Data, Env>(options);
  return async (request, env, executionCtx) => {
    const handle = await sessions.open(request, env);
    const response = await handler(request, { session: () => handle.session(), env: env as Env, executionCtx });
    return handle.commit(response);
  };
}

function optionsResolver<Env>(options: SessionOptionsInput<Env>): (env: Env) => ResolvedOptions {
  if (typeof options !== "function") {
    const resolved = resolveOptions(options);
    return () => resolved;
  }
  const perEnv = new WeakMap<object, ResolvedOptions>();
  let withoutEnv: ResolvedOptions | undefined;
  return (env) => {
    if (typeof env !== "object" || env === null) return (withoutEnv ??= resolveOptions(options(env)));
    let resolved = perEnv.get(env);
    if (!resolved) {
      resolved = resolveOptions(options(env));
      perEnv.set(env, resolved);
    }
    return resolved;
  };
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

class RequestSession<Data extends SessionData> implements SessionHandle<Data> {
  readonly #options: ResolvedOptions;
  readonly #request: Request;
  #loading: Promise<Loaded> | undefined;

  constructor(options: ResolvedOptions, request: Request) {
    this.#options = options;
    this.#request = request;
  }

  async session(): Promise<Session<Data>> {
    this.#loading ??= this.#options.sealed ? this.#loadSealed() : this.#loadById();
    return (await this.#loading).session as unknown as Session<Data>;
  }

  #emit(event: SessionEvent): void {
    this.#options.onEvent?.(event);
  }

  #tampered(reason: TamperReason): void {
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

  async #loadById(): Promise<Loaded> {
    const { cookieName, keyring, store } = this.#options;
    const values = readCookies(this.#request.headers.get("cookie"), (name) => name === cookieName).get(cookieName) ?? [];
    let ticket: Awaited<ReturnType<typeof keyring.verify>> = null;
    let ticketValue: string | undefined;
    for (const value of values) {
      const verified = await keyring.verify(cookieName, value);
      if (!verified) {
        this.#tampered("bad-signature");
      } else if (ticket && ticket.id !== verified.id) {
        // Two valid tickets for different sessions: trust neither.
        this.#tampered("ambiguous-cookies");
        ticket = null;
        break;
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

  async #loadSealed(): Promise<Loaded> {
    const { cookieName, store, secrets, clock } = this.#options;
    const prefix = `${cookieName}.`;
    // Only `<name>.<n>` is ours: an app's own `sid.csrf` must not be joined in or expired.
    const isOurs = (name: string) => name === cookieName || (name.startsWith(prefix) && /^[1-9]\d*$/.test(name.slice(prefix.length)));
    const cookies = readCookies(this.#request.headers.get("cookie"), isOurs);
    const sentCookies = [...cookies.keys()];
    // Every `<name>` value (a browser sends one per path or domain), and the chunks joined.
    const tokens = [...(cookies.get(cookieName) ?? [])];
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
      else if (found && found.value !== opened.value) {
        // Two authentic sessions at once: trust neither, as with two valid ids.
        this.#tampered("ambiguous-cookies");
        return this.#loaded(null, { stale: false, sentCookies });
      } else found ??= opened;
    }
    const record = found ? this.#accept(found.value, undefined) : null;
    return this.#loaded(record, { stale: record !== null && found!.stale, sentCookies });
  }

  async commit(response: Response): Promise<Response> {
    if (!this.#loading) return response;
    let loaded: Loaded;
    try {
      loaded = await this.#loading;
    } catch {
      // The handler was told (ctx.session() rejected) and answered anyway: nothing to save.
      return response;
    }
    // WebSocket upgrades carry no cookies and must not be re-wrapped.
    if (response.status === 101 || (response as { webSocket?: unknown }).webSocket) return response;
    loaded.state.closed = true;
    const cookies = response.status < 500 || this.#options.saveOnError ? await this.#persist(loaded) : [];
    return this.#decorate(response, cookies);
  }

  #decorate(response: Response, cookies: string[]): Response {
    let headers = response.headers;
    try {
      addVaryCookie(headers);
    } catch {
      // Immutable headers (a response from fetch, Response.redirect): copy, keeping the body stream.
      response = new Response(response.body, response);
      headers = response.headers;
      addVaryCookie(headers);
    }
    if (cookies.length === 0) return response;
    for (const cookie of cookies) headers.append("set-cookie", cookie);
    // A shared cache must never replay someone's cookie.
    const cacheControl = headers.get("cache-control");
    if (!cacheControl) headers.set("cache-control", "private");
    else if (!/(?:^|,)\s*(?:private|no-store)\b/i.test(cacheControl)) {
      const directives = cacheControl
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part && !/^public$/i.test(part));
      headers.set("cache-control", ["private", ...directives].join(", "));
    }
    return response;
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
    const chunks = splitToken(cookieName, token, store.maxChunks);
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

function addVaryCookie(headers: Headers): void {
  const vary = headers.get("vary");
  if (vary && /(?:^|,)\s*(?:cookie|\*)\s*(?:,|$)/i.test(vary)) return;
  headers.append("vary", "Cookie");
}

/**
 * A sealed token as [cookie name, value] pairs, each pair within the 4096-byte name+value limit
 * (RFC 6265bis §5.7): the plain name when one cookie is enough, `<name>.1` … otherwise. Null when
 * more than `maxChunks` cookies would be needed.
 */
export function splitToken(cookieName: string, token: string, maxChunks: number): [string, string][] | null {
  if (cookieName.length + token.length <= MAX_COOKIE_NAME_VALUE_BYTES) return [[cookieName, token]];
  const room = MAX_COOKIE_NAME_VALUE_BYTES - `${cookieName}.${maxChunks}`.length;
  const count = Math.ceil(token.length / room);
  if (count > maxChunks) return null;
  const chunks: [string, string][] = [];
  for (let index = 0; index < count; index++) chunks.push([`${cookieName}.${index + 1}`, token.slice(index * room, (index + 1) * room)]);
  return chunks;
}
