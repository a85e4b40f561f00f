// The express-session (memory) candidate: express 5 + `express-session` with its MemoryStore,
// through light-my-request, the store's calls counted by a subclass.
import express from "express";
import session from "express-session";
import { zeroCounts } from "../harness.js";
import { viaLightMyRequest } from "./light-my-request.js";
import { type Candidate, MAX_AGE, SECRET } from "./shared.js";

class CountingExpressStore extends session.MemoryStore {
  readonly counts = zeroCounts();
  override get(sid: string, callback: (error: unknown, data?: session.SessionData | null) => void): void {
    this.counts.reads++;
    super.get(sid, callback);
  }
  override set(sid: string, data: session.SessionData, callback?: (error?: unknown) => void): void {
    this.counts.writes++;
    super.set(sid, data, callback);
  }
  override touch(sid: string, data: session.SessionData, callback?: () => void): void {
    this.counts.writes++;
    super.touch(sid, data, callback);
  }
  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.counts.deletes++;
    super.destroy(sid, callback);
  }
}

declare module "express-session" {
  interface SessionData {
    count: number;
  }
}

export const expressSession: Candidate = {
  name: "express-session (memory)",
  floor: "express",
  store: "server",
  note: "express 5 + `express-session` (MemoryStore, `resave: false`, `saveUninitialized: false`) through light-my-request",
  async create() {
    const store = new CountingExpressStore();
    const app = express();
    app.use(
      session({ secret: SECRET, store, resave: false, saveUninitialized: false, cookie: { maxAge: MAX_AGE * 1000, sameSite: "lax" } }),
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
      request.session.count = 0;
      response.type("text/plain").send("count=0");
    });
    app.get("/s4", (_request, response) => {
      response.type("text/plain").send("ok");
    });
    return { fetch: viaLightMyRequest(app), counts: store.counts };
  },
};
