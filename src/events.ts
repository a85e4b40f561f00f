// Lifecycle events: their types, and the one per-request reporter that builds and delivers them.
import type { SessionError } from "./errors.js";

/** Why a `tampered` event fired. */
export type TamperReason = "bad-signature" | "ambiguous-cookies" | "corrupt-record" | "foreign-record";

/**
 * A lifecycle event for logs and metrics. Events never carry a session id or a cookie value.
 */
export type SessionEvent =
  | { type: "created" | "regenerated" | "destroyed" | "expired" | "revoked"; store: string }
  | { type: "tampered"; store: string; reason: TamperReason }
  | { type: "conflict"; store: string; attempt: number }
  | { type: "store-error"; store: string; error: SessionError };

/** What `onEvent` may be: its return value is ignored, but a promise it returns is watched for rejection. */
export type SessionEventListener = (event: SessionEvent) => unknown;

/**
 * One request's events. Each is built here, from nothing that could carry an id, and delivered
 * isolated from the listener: one that throws or rejects must not turn a forged cookie into a
 * failed request, or crash a Node process with an unhandled rejection. Its error is logged.
 */
export class SessionEvents {
  readonly #listener: SessionEventListener | undefined;
  readonly #store: string;
  #tamperReported = false;

  constructor(listener: SessionEventListener | undefined, store: string) {
    this.#listener = listener;
    this.#store = store;
  }

  emit(type: "created" | "regenerated" | "destroyed" | "expired" | "revoked"): void {
    this.#deliver({ type, store: this.#store });
  }

  /** One `tampered` event per request at most, however many bad values it carried. */
  tampered(reason: TamperReason): void {
    if (this.#tamperReported) return;
    this.#tamperReported = true;
    this.#deliver({ type: "tampered", store: this.#store, reason });
  }

  conflict(attempt: number): void {
    this.#deliver({ type: "conflict", store: this.#store, attempt });
  }

  storeError(error: SessionError): void {
    this.#deliver({ type: "store-error", store: this.#store, error });
  }

  #deliver(event: SessionEvent): void {
    if (!this.#listener) return;
    try {
      const result = this.#listener(event) as PromiseLike<unknown> | undefined;
      if (typeof result?.then === "function") result.then(undefined, listenerFailed);
    } catch (error) {
      listenerFailed(error);
    }
  }
}

function listenerFailed(error: unknown): void {
  console.error("coatcheck: the `onEvent` listener threw; the request went on without it.", error);
}
