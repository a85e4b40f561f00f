// The candidates: coatcheck and the libraries a user would pick instead, each reduced to one
// fetch-shaped handler with the same four routes, and the framework floor it is measured against.
//
// Routes (every candidate): /s1 reads `count`, /s2 increments it and saves, /s3 is a new visitor
// who gets a session with `count = 0` (also used to log the virtual users in), /s4 never touches
// the session. Libraries with an explicit API (react-router, iron-session, h3) are not called at all
// on /s4; middleware (coatcheck's wrapper, hono-sessions, express-session) runs anyway.
import express from "express";
import session from "express-session";
import { H3, useSession } from "h3";
import { Hono } from "hono";
import { MemoryStore as HonoMemoryStore, type Session as HonoSession, sessionMiddleware } from "hono-sessions";
import { getIronSession } from "iron-session";
import inject from "light-my-request";
import { createCookie, createCookieSessionStorage, createSessionStorage, type SessionStorage } from "react-router";
import { memoryStore } from "../adapters/memory.js";
import { type AnySessionStore, type SessionStore, withSession } from "../src/index.js";
import { type FetchHandler, type StoreCounts, zeroCounts } from "./harness.js";

export const SECRET = "bench-secret-bench-secret-bench-secret-0001";
const MAX_AGE = 14 * 24 * 3600;

export interface Instance {
  fetch: FetchHandler;
  /** Counts of the store's calls; absent for stateless (cookie) stores. */
  counts?: StoreCounts;
}

export interface Candidate {
  name: string;
  /** The floor (see {@link floors}) this candidate's overhead is measured over. */
  floor: string;
  /** Where the data lives. */
  store: "server" | "cookie";
  /** One line for the notes: what exactly runs. */
  note: string;
  create(): Promise<Instance>;
}

export interface Floor {
  name: string;
  note: string;
  create(): Promise<FetchHandler>;
}

/** The last path segment: a route lookup every candidate and floor pays alike. */
const route = (url: string): string => url.slice(url.lastIndexOf("/"));

const text = (body: string) => new Response(body, { headers: { "content-type": "text/plain;charset=UTF-8" } });

// --- Floors -----------------------------------------------------------------------------------

const fetchFloor: Floor = {
  name: "fetch",
  note: "a plain fetch handler",
  async create() {
    return async (request) => {
      // The same route lookup the session candidates do, so the floor pays it too.
      route(request.url);
      return text("ok");
    };
  },
};

const honoFloor: Floor = {
  name: "hono",
  note: "a Hono app without middleware, `app.fetch`",
  async create() {
    const app = new Hono();
    app.get("/:scenario", (c) => c.text("ok"));
    return async (request) => app.fetch(request);
  },
};

const h3Floor: Floor = {
  name: "h3",
  note: "an h3 v2 app without sessions, `app.fetch`",
  async create() {
    const app = new H3();
    app.get("/:scenario", () => "ok");
    return async (request) => app.fetch(request);
  },
};

const expressFloor: Floor = {
  name: "express",
  note: "plain express 5 through light-my-request (no socket), converted to a Response",
  async create() {
    const app = express();
    app.get("/:scenario", (_request, response) => {
      response.type("text/plain").send("ok");
    });
    return viaLightMyRequest(app);
  },
};

export const floors: Floor[] = [fetchFloor, honoFloor, h3Floor, expressFloor];

// --- coatcheck --------------------------------------------------------------------------------

function countingStore(store: SessionStore): { store: SessionStore; counts: StoreCounts } {
  const counts = zeroCounts();
  const counted: SessionStore = {
    name: store.name,
    get: (key) => (counts.reads++, store.get(key)),
    set: (key, value, options) => (counts.writes++, store.set(key, value, options)),
    delete: (key) => (counts.deletes++, store.delete(key)),
  };
  if (store.compareAndSet) {
    counted.compareAndSet = (key, value, expected, options) => (counts.writes++, store.compareAndSet!(key, value, expected, options));
  }
  return { store: counted, counts };
}

function coatcheckApp(store: AnySessionStore): FetchHandler {
  return withSession<{ count: number }>(
    async (request, ctx) => {
      switch (route(request.url)) {
        case "/s1": {
          const session = await ctx.session();
          return text(`count=${session.get("count")}`);
        }
        case "/s2": {
          const session = await ctx.session();
          const count = (session.get("count") ?? 0) + 1;
          session.set("count", count);
          return text(`count=${count}`);
        }
        case "/s3": {
          const session = await ctx.session();
          session.set("count", 0);
          return text("count=0");
        }
        default:
          return text("ok");
      }
    },
    { secrets: [SECRET], store, maxAge: MAX_AGE },
  );
}

const coatcheckMemory: Candidate = {
  name: "coatcheck (memory)",
  floor: "fetch",
  store: "server",
  note: "`withSession` + `memoryStore({ maxEntries: 100_000 })` (room for every S3 visitor, so none evicts a logged-in user), store wrapped by a counter",
  async create() {
    const { store, counts } = countingStore(memoryStore({ maxEntries: 100_000 }));
    return { fetch: coatcheckApp(store), counts };
  },
};

/** `adapters/cookie.ts`, bundled beside this file by bench/run.mjs when it exists. */
async function coatcheckCookie(): Promise<Candidate | string> {
  let module: { cookieStore?: (options?: unknown) => AnySessionStore };
  try {
    const url = new URL("./cookie-adapter.mjs", import.meta.url).href;
    module = await import(url);
  } catch {
    return "coatcheck (cookie): adapters/cookie.ts did not exist when this bench was built";
  }
  const factory = module.cookieStore;
  if (typeof factory !== "function") return "coatcheck (cookie): adapters/cookie.ts exports no `cookieStore`";
  return {
    name: "coatcheck (cookie)",
    floor: "fetch",
    store: "cookie",
    note: "`withSession` + `cookieStore()` (JWE via jose)",
    async create() {
      return { fetch: coatcheckApp(factory()) };
    },
  };
}

// --- react-router -----------------------------------------------------------------------------

const remixCookie = () => createCookie("__session", { secrets: [SECRET], httpOnly: true, sameSite: "lax", path: "/", maxAge: MAX_AGE });

type RemixStorage = SessionStorage<{ count: number }>;

function remixApp(storage: RemixStorage): FetchHandler {
  return async (request) => {
    switch (route(request.url)) {
      case "/s1": {
        const session = await storage.getSession(request.headers.get("cookie"));
        return text(`count=${session.get("count")}`);
      }
      case "/s2": {
        const session = await storage.getSession(request.headers.get("cookie"));
        const count = (session.get("count") ?? 0) + 1;
        session.set("count", count);
        const response = text(`count=${count}`);
        response.headers.append("set-cookie", await storage.commitSession(session));
        return response;
      }
      case "/s3": {
        const session = await storage.getSession(request.headers.get("cookie"));
        session.set("count", 0);
        const response = text("count=0");
        response.headers.append("set-cookie", await storage.commitSession(session));
        return response;
      }
      default:
        return text("ok");
    }
  };
}

const remixMemory: Candidate = {
  name: "react-router memory",
  floor: "fetch",
  store: "server",
  note: "`createSessionStorage` with `createMemorySessionStorage`'s own Map strategy (copied verbatim) plus counters, signed cookie",
  async create() {
    const counts = zeroCounts();
    // createMemorySessionStorage (react-router 7, lib/server-runtime/sessions/memoryStorage.ts) is exactly
    // this strategy over createSessionStorage; copied so its reads and writes can be counted.
    const map = new Map<string, { data: unknown; expires: Date | undefined }>();
    const storage = createSessionStorage<{ count: number }>({
      cookie: remixCookie(),
      async createData(data, expires) {
        counts.writes++;
        const id = Math.random().toString(36).substring(2, 10);
        map.set(id, { data, expires });
        return id;
      },
      async readData(id) {
        counts.reads++;
        const entry = map.get(id);
        if (entry) {
          if (!entry.expires || entry.expires > new Date()) return entry.data as never;
          map.delete(id);
        }
        return null;
      },
      async updateData(id, data, expires) {
        counts.writes++;
        map.set(id, { data, expires });
      },
      async deleteData(id) {
        counts.deletes++;
        map.delete(id);
      },
    });
    return { fetch: remixApp(storage), counts };
  },
};

const remixCookieStorage: Candidate = {
  name: "react-router cookie",
  floor: "fetch",
  store: "cookie",
  note: "`createCookieSessionStorage`, signed cookie",
  async create() {
    return { fetch: remixApp(createCookieSessionStorage<{ count: number }>({ cookie: remixCookie() })) };
  },
};

// --- iron-session -----------------------------------------------------------------------------

const ironSession: Candidate = {
  name: "iron-session",
  floor: "fetch",
  store: "cookie",
  note: "`getIronSession(request, response, …)` (fetch form); `save()` on S2/S3",
  async create() {
    const options = { password: SECRET, cookieName: "iron", ttl: MAX_AGE, cookieOptions: { secure: false } };
    return {
      async fetch(request) {
        const scenario = route(request.url);
        if (scenario !== "/s1" && scenario !== "/s2" && scenario !== "/s3") return text("ok");
        // iron-session appends its Set-Cookie to the response it is given; the body is decided later.
        const carrier = new Response(null);
        const session = await getIronSession<{ count?: number }>(request, carrier, options);
        let body: string;
        if (scenario === "/s1") body = `count=${session.count}`;
        else {
          session.count = scenario === "/s2" ? (session.count ?? 0) + 1 : 0;
          await session.save();
          body = `count=${session.count}`;
        }
        const response = text(body);
        for (const line of carrier.headers.getSetCookie()) response.headers.append("set-cookie", line);
        return response;
      },
    };
  },
};

// --- hono-sessions ----------------------------------------------------------------------------

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

const honoSessions: Candidate = {
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

// --- h3 ---------------------------------------------------------------------------------------

const h3Sessions: Candidate = {
  name: "h3 useSession",
  floor: "h3",
  store: "cookie",
  note: "h3 v2 `useSession(event, { password })` (sealed cookie), `app.fetch`",
  async create() {
    const config = { password: SECRET, name: "h3", maxAge: MAX_AGE };
    const app = new H3();
    app.get("/s1", async (event) => {
      const current = await useSession<{ count: number }>(event, config);
      return `count=${current.data.count}`;
    });
    app.get("/s2", async (event) => {
      const current = await useSession<{ count: number }>(event, config);
      const count = (current.data.count ?? 0) + 1;
      await current.update({ count });
      return `count=${count}`;
    });
    app.get("/s3", async (event) => {
      const current = await useSession<{ count: number }>(event, config);
      await current.update({ count: 0 });
      return "count=0";
    });
    app.get("/s4", () => "ok");
    return { fetch: async (request) => app.fetch(request) };
  },
};

// --- express-session --------------------------------------------------------------------------

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

const expressSession: Candidate = {
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

/** A node-style app as a fetch handler, in-process: light-my-request fakes the socket. */
function viaLightMyRequest(app: express.Express): FetchHandler {
  return async (request) => {
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const url = new URL(request.url);
    const reply = await inject(app, { method: "GET", url: url.pathname + url.search, headers });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(reply.headers)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
      else responseHeaders.set(name, String(value));
    }
    return new Response(reply.rawPayload.length > 0 ? new Uint8Array(reply.rawPayload) : null, {
      status: reply.statusCode,
      headers: responseHeaders,
    });
  };
}

/** Every candidate that can be constructed here; a string names one that cannot, and why. */
export async function candidates(): Promise<(Candidate | string)[]> {
  return [coatcheckMemory, await coatcheckCookie(), remixMemory, remixCookieStorage, ironSession, honoSessions, h3Sessions, expressSession];
}
