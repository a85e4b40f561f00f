/**
 * The stable codes a {@link SessionError} carries. Match on `code`, never on the message.
 *
 * - `ERR_SESSION_OPTIONS`: a bad option; thrown at construction (or on the first request for an env).
 * - `ERR_SESSION_STORE`: the store failed to read, write or delete; `cause` holds the store's error.
 * - `ERR_SESSION_STORE_TIMEOUT`: a store call took longer than `storeTimeout`.
 * - `ERR_SESSION_INTERRUPTED`: another request destroyed or regenerated this session while this one ran.
 * - `ERR_SESSION_CONFLICT`: compare-and-set kept failing after every retry.
 * - `ERR_SESSION_CLOSED`: the session was used after its response was committed.
 * - `ERR_SESSION_TOO_LARGE`: the session does not fit the store (or the cookie store's cap).
 * - `ERR_SESSION_UNSUPPORTED`: the store cannot do this (the cookie store cannot list or revoke sessions).
 */
export type SessionErrorCode =
  | "ERR_SESSION_OPTIONS"
  | "ERR_SESSION_STORE"
  | "ERR_SESSION_STORE_TIMEOUT"
  | "ERR_SESSION_INTERRUPTED"
  | "ERR_SESSION_CONFLICT"
  | "ERR_SESSION_CLOSED"
  | "ERR_SESSION_TOO_LARGE"
  | "ERR_SESSION_UNSUPPORTED";

/**
 * The one error class coatcheck throws. Messages start with `coatcheck:`; `cause` is kept.
 *
 * @example
 * ```ts
 * import { SessionError } from "coatcheck";
 * try {
 *   return await handler(request, env, ctx);
 * } catch (error) {
 *   if (error instanceof SessionError && error.code === "ERR_SESSION_INTERRUPTED") {
 *     return new Response("Your session ended in another tab.", { status: 400 });
 *   }
 *   throw error;
 * }
 * ```
 */
export class SessionError extends Error {
  /** Always `"SessionError"`. */
  override readonly name = "SessionError";
  /** A stable code to branch on, e.g. `ERR_SESSION_STORE`; the message may change, the code does not. */
  readonly code: SessionErrorCode;

  /** An error with `code`; the message is prefixed with `coatcheck: ` and `cause` is kept. */
  constructor(code: SessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(`coatcheck: ${message}`, options);
    this.code = code;
  }
}

export function optionError(message: string): SessionError {
  return new SessionError("ERR_SESSION_OPTIONS", message);
}
