// The props the store conformance suite's cases share: its secret, a browser (a cookie jar, and a
// device that sends requests with it), and `heldWrites`, which makes racing requests interleave in
// one chosen order on any store. Private to `coatcheck/testing`: nothing here is exported from it.
import type { Session } from "./session.js";
import type { SessionStore } from "./store.js";
import type { Sessions } from "./with-session.js";

/** The suite's own secret: 32 characters or more, no whitespace. */
export const SECRET = "coatcheck-conformance-secret-0123456789";

/** A browser-like jar: applies every Set-Cookie (name=value; Max-Age=0 deletes) and sends the rest. */
export class CookieJar {
  readonly cookies: Map<string, string> = new Map();

  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  apply(response: Response): void {
    // Every runtime has getSetCookie; @cloudflare/workers-types does not declare it.
    for (const line of (response.headers as Headers & { getSetCookie(): string[] }).getSetCookie()) {
      const pair = line.split(";", 1)[0]!;
      const equals = pair.indexOf("=");
      const name = pair.slice(0, equals);
      if (/;\s*Max-Age=0(?:;|$)/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(equals + 1));
    }
  }

  request(url: string): Request {
    const cookie = this.header();
    return new Request(url, cookie ? { headers: { cookie } } : {});
  }
}

/** One browser: its cookie jar, and requests through `sessions` that act on the session. */
export class Device {
  readonly jar: CookieJar = new CookieJar();
  constructor(private readonly sessions: Sessions) {}

  /** A request in flight: its session loaded; `send()` commits it and keeps the cookies it sets. */
  async begin(): Promise<{ session: Session; send(): Promise<Session> }> {
    const handle = await this.sessions.open(this.jar.request("https://shop.test/"));
    const session = await handle.session();
    return {
      session,
      send: async () => {
        this.jar.apply(await handle.commit(new Response()));
        return session;
      },
    };
  }

  async visit(act: (session: Session) => void = () => {}): Promise<Session> {
    const request = await this.begin();
    act(request.session);
    return request.send();
  }
}

/** A store write that {@link heldWrites} may hold. */
export type WriteOperation = "set" | "compareAndSet" | "delete";

/** A store whose chosen writes wait for `release()`, as {@link heldWrites} returns it. */
export interface HeldWrites {
  store: SessionStore;
  /** Settles once `count` writes are held; rejects after `timeoutMs` saying how many came. */
  arrived(count: number, timeoutMs?: number): Promise<void>;
  /** How many writes are held now. */
  readonly waiting: number;
  /** Lets the held writes go, all at once, and every later one through. */
  release(): void;
}

/**
 * Wraps a store so that writes (set, compareAndSet, delete) for which `held(key, operation)` is true wait
 * until `release()`; others pass. `arrived(n)` settles once n writes are waiting, and rejects after
 * `timeoutMs` saying how many came, so a case that expected more fails instead of hanging.
 */
export function heldWrites(store: SessionStore, held: (key: string, operation: WriteOperation) => boolean): HeldWrites {
  const waiting: (() => void)[] = [];
  let open = false;
  let onArrival: (() => void) | undefined;
  const hold = async (key: string, operation: WriteOperation) => {
    if (open || !held(key, operation)) return;
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      onArrival?.();
    });
  };
  const wrapped: SessionStore = {
    name: store.name,
    get: (key) => store.get(key),
    set: async (key, value, options) => (await hold(key, "set"), store.set(key, value, options)),
    delete: async (key) => (await hold(key, "delete"), store.delete(key)),
  };
  if (store.compareAndSet) {
    wrapped.compareAndSet = async (key, value, expected, options) => (
      await hold(key, "compareAndSet"), store.compareAndSet!(key, value, expected, options)
    );
  }
  return {
    store: wrapped,
    arrived: (count, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          onArrival = undefined;
          reject(new Error(`heldWrites: ${waiting.length} of ${count} writes arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        onArrival = () => {
          if (waiting.length < count) return;
          clearTimeout(timer);
          onArrival = undefined;
          resolve();
        };
        onArrival();
      }),
    get waiting() {
      return waiting.length;
    },
    release() {
      open = true;
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}

/**
 * Runs `steps` while the `pending` requests are held at `gates`. Should a step fail (a write that
 * never came, a wrong answer), every held write is let go and `pending` settles before the error
 * is thrown: a failed case leaves nothing running past its cleanup and no rejection unhandled.
 */
export async function whileHeld(gates: HeldWrites[], pending: Promise<unknown>[], steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (error) {
    for (const gate of gates) gate.release();
    await Promise.allSettled(pending);
    throw error;
  }
}
