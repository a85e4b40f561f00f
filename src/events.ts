// Lifecycle events: their types, and the one function that delivers them to `onEvent`.
import type { SessionError } from "./errors.js";

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

/** What `onEvent` may be: its return value is ignored, but a promise it returns is watched for rejection. */
export type SessionEventListener = (event: SessionEvent) => unknown;

/**
 * Calls the listener, isolated from it: a listener that throws or rejects must not turn a forged
 * cookie into a failed request, or crash a Node process with an unhandled rejection. Its error is
 * logged, not swallowed.
 */
export function deliverEvent(listener: SessionEventListener | undefined, event: SessionEvent): void {
  if (!listener) return;
  try {
    const result = listener(event) as PromiseLike<unknown> | undefined;
    if (typeof result?.then === "function") result.then(undefined, listenerFailed);
  } catch (error) {
    listenerFailed(error);
  }
}

function listenerFailed(error: unknown): void {
  console.error("coatcheck: the `onEvent` listener threw; the request went on without it.", error);
}
