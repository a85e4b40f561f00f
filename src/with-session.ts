// The public API: `withSession`, `createSessions` and their types; options resolved once per env,
// and a request claimed by one handle per cookie name.
import { SessionError } from "./errors.js";
import { type ResolvedOptions, resolveOptions, type SessionOptions } from "./options.js";
import type { SessionData } from "./record.js";
import { RequestSession, type SessionHandle } from "./request-session.js";
import type { Session } from "./session.js";
import type { SessionListEntry } from "./user-index.js";
import { type UserSessionsApi, userSessions } from "./user-sessions.js";
import { UserVersions } from "./user-version.js";

export type { SessionHandle } from "./request-session.js";
export type { UserSessionsApi } from "./user-sessions.js";

/** Options, or a function of the env that returns them (Workers bindings). */
export type SessionOptionsInput<Env> = SessionOptions | ((env: Env) => SessionOptions);

/**
 * The part of a Workers `ExecutionContext` a handler uses. Elsewhere (Deno, Bun, Node), where the
 * server passes none, `waitUntil` lets the promise run on and logs it if it rejects.
 */
export interface ExecutionContextLike {
  /** Keeps the isolate alive until `promise` settles (Workers); elsewhere lets it run on. */
  waitUntil(promise: Promise<unknown>): void;
  /** Workers only: on an exception, pass the request on to the origin. */
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
  /** A user's sessions: list, revoke, revoke all; a list marks this request's own session `current`. */
  sessions: UserSessionsApi;
}

/** Opens session handles; the open/commit pair frameworks build on. And a user's sessions. */
export interface Sessions<Data extends SessionData = SessionData, Env = unknown> {
  /** Opens a handle for one request; nothing is read until `handle.session()`. `env` is needed when options are a function of it. */
  open(request: Request, env?: Env): Promise<SessionHandle<Data>>;
  /** The user's live sessions, most recently seen first. */
  list(userId: string, env?: Env): Promise<SessionListEntry[]>;
  /** Ends the session `ref` names; true when a session ended. A ref is not a proof of ownership: check it is in `list(user)` first. */
  revoke(ref: string, env?: Env): Promise<boolean>;
  /** Ends every session of the user but `except`; resolves how many ended. */
  revokeAll(userId: string, options?: { except?: string }, env?: Env): Promise<number>;
  /** The user operations bound to one env, marking `current` the session of `handle` when given. */
  bind(env?: Env, handle?: SessionHandle<Data>): UserSessionsApi;
}

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
  const versions = new UserVersions();
  const bind = (env?: Env, handle?: SessionHandle<Data>): UserSessionsApi =>
    userSessions(() => resolve(env as Env), handle instanceof RequestSession ? handle : undefined);
  return {
    async open(request, env) {
      const resolved = resolve(env as Env);
      const handle = new RequestSession<Data>(resolved, request, env, versions);
      claimRequest(request, handle);
      return handle;
    },
    list: (userId, env) => bind(env).list(userId),
    revoke: (ref, env) => bind(env).revoke(ref),
    revokeAll: (userId, options, env) => bind(env).revokeAll(userId, options),
    bind,
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
/** The same, for a Bun handler that returns nothing after `server.upgrade()`: the upgrade passes through untouched. */
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
      response = await handler(request, {
        session: () => handle.session(),
        env: env as Env,
        executionCtx: executionContext(executionCtx),
        // Built on first use: a request that never asks costs nothing.
        get sessions() {
          return sessions.bind(env, handle);
        },
      });
    } catch (error) {
      handle.release();
      throw error;
    }
    return handle.commit(response as Response);
  };
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

/** The session handle still open on each request: a second for the same cookie name is a double mount. */
const openHandles = new WeakMap<Request, RequestSession<SessionData>>();

function claimRequest<Data extends SessionData>(request: Request, handle: RequestSession<Data>): void {
  const { cookieName } = handle;
  const open = openHandles.get(request);
  if (open?.open && open.cookieName === cookieName) {
    throw new SessionError(
      "ERR_SESSION_OPTIONS",
      `sessions for the cookie \`${cookieName}\` were opened twice for one request: \`withSession\` (or the middleware) is mounted twice around this handler. Remove one; two would send two \`${cookieName}\` cookies and lose data.`,
    );
  }
  openHandles.set(request, handle as RequestSession<SessionData>);
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
