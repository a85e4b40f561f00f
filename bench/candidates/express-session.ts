// The express-session (memory) candidate: express 5 + `express-session` with its MemoryStore,
// through light-my-request, the store's calls counted by a subclass (and, for the growth curves, delayed).
import express from "express";
import session from "express-session";
import { sleep, zeroCounts } from "../harness.js";
import { viaLightMyRequest } from "./light-my-request.js";
import { type Candidate, MAX_AGE, SECRET } from "./shared.js";

export class CountingExpressStore extends session.MemoryStore {
  readonly counts = zeroCounts();
  /** Each call first waits this long, as a networked store would. */
  constructor(readonly latencyMs = 0) {
    super();
  }
  override get(sid: string, callback: (error: unknown, data?: session.SessionData | null) => void): void {
    this.counts.reads++;
    this.#after(() => super.get(sid, callback));
  }
  override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void): void {
    this.counts.writes++;
    this.#after(() => super.set(sid, data, callback));
  }
  override touch(sid: string, data: session.SessionData, callback?: () => void): void {
    this.counts.writes++;
    this.#after(() => super.touch(sid, data, callback));
  }
  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.counts.deletes++;
    this.#after(() => super.destroy(sid, callback));
  }
  #after(call: () => void): void {
    if (this.latencyMs > 0) void sleep(this.latencyMs).then(call);
    else call();
  }
}

declare module "express-session" {
  interface SessionData {
    count: number;
    [key: string]: unknown;
  }
}

export interface ExpressAppOptions {
  /** Any express-session store: the counting MemoryStore here, connect-redis, connect-pg-simple. */
  store: session.Store;
  secrets?: string[];
  /** What a new visitor's session starts with besides `count` (the growth curves vary it). */
  payload?: Record<string, unknown>;
}

/** The four routes as an express app with express-session over `store`, as a fetch handler. */
export function expressSessionApp({ store, secrets = [SECRET], payload = {} }: ExpressAppOptions) {
  const app = express();
  app.use(
    session({ secret: secrets, store, resave: false, saveUninitialized: false, cookie: { maxAge: MAX_AGE * 1000, sameSite: "lax" } }),
  );
  app.get("/s1", (request, response) => {
    response.type("text/plain").send(`count=${request.session.count}`);
  });
  app.get("/s2", (request, response) => {
    const count = (request.session.count ?? 0) + 1;
    request.session.count = count;
    response.type("text/plain").send(`count=${count}`);
  });
  app.get("/s3", (request, response) => {
    Object.assign(request.session, payload);
    request.session.count = 0;
    response.type("text/plain").send("count=0");
  });
  app.get("/s4", (_request, response) => {
    response.type("text/plain").send("ok");
  });
  return viaLightMyRequest(app);
}

export const expressSession: Candidate = {
  name: "express-session (memory)",
  floor: "express",
  store: "server",
  note: "express 5 + `express-session` (MemoryStore, `resave: false`, `saveUninitialized: false`) through light-my-request",
  async create() {
    const store = new CountingExpressStore();
    return { fetch: expressSessionApp({ store }), counts: store.counts };
  },
};
