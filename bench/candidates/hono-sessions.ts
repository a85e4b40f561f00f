// The hono-sessions (memory) candidate: `sessionMiddleware` with its MemoryStore on a Hono app,
// the store's calls counted by a subclass.
import { Hono } from "hono";
import { MemoryStore as HonoMemoryStore, type Session as HonoSession, sessionMiddleware } from "hono-sessions";
import { zeroCounts } from "../harness.js";
import { type Candidate, MAX_AGE, SECRET } from "./shared.js";

class CountingHonoMemoryStore extends HonoMemoryStore {
  readonly counts = zeroCounts();
  override getSessionById(sid: string) {
    this.counts.reads++;
    return super.getSessionById(sid);
  }
  override createSession(sid: string, initialData: Parameters<HonoMemoryStore["createSession"]>[1]) {
    this.counts.writes++;
    return super.createSession(sid, initialData);
  }
  override persistSessionData(sid: string, data: Parameters<HonoMemoryStore["persistSessionData"]>[1]) {
    this.counts.writes++;
    return super.persistSessionData(sid, data);
  }
  override deleteSession(sid: string) {
    this.counts.deletes++;
    return super.deleteSession(sid);
  }
}

export const honoSessions: Candidate = {
  name: "hono-sessions (memory)",
  floor: "hono",
  store: "server",
  note: "`sessionMiddleware({ store: new MemoryStore(), encryptionKey })` on a Hono app, `app.fetch`; the id cookie is sealed (iron)",
  async create() {
    const store = new CountingHonoMemoryStore();
    const app = new Hono<{ Variables: { session: HonoSession<{ count: number }>; session_key_rotation: boolean } }>();
    app.use(
      "*",
      sessionMiddleware({
        store,
        encryptionKey: SECRET,
        expireAfterSeconds: MAX_AGE,
        cookieOptions: { sameSite: "Lax", path: "/", httpOnly: true },
      }),
    );
    app.get("/s1", (c) => c.text(`count=${c.get("session").get("count")}`));
    app.get("/s2", (c) => {
      const current = c.get("session");
      const count = (current.get("count") ?? 0) + 1;
      current.set("count", count);
      return c.text(`count=${count}`);
    });
    app.get("/s3", (c) => {
      c.get("session").set("count", 0);
      return c.text("count=0");
    });
    app.get("/s4", (c) => c.text("ok"));
    return { fetch: async (request) => app.fetch(request), counts: store.counts };
  },
};
