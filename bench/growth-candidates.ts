// The three server-side stores the growth curves compare, each built for one point of a curve:
// coatcheck's memory store, react-router's memory storage and express-session's MemoryStore, with
// the session a new visitor starts with, the secrets, and an added store latency as parameters.
import { memoryStore } from "../adapters/memory.js";
import { type SessionStore, withSession } from "../src/index.js";
import { coatcheckApp } from "./candidates/coatcheck-app.js";
import { CountingExpressStore, expressSessionApp } from "./candidates/express-session.js";
import { remixApp } from "./candidates/react-router-app.js";
import { type RemixMap, remixMemoryStorage } from "./candidates/react-router-memory.js";
import { route, SECRET } from "./candidates/shared.js";
import { type FetchHandler, sleep } from "./harness.js";

/** One point of a curve. */
export interface Setup {
  /** What a new visitor's session holds besides `count`. */
  payload: Record<string, unknown>;
  /** The secrets the measured app verifies with, first one signing. */
  secrets: string[];
  /**
   * The secrets the users were logged in with (`/s3`), when not `secrets`: their first one stamps
   * the tickets. A list the measured app does not use, so coatcheck has not seen those tickets.
   */
  loginSecrets?: string[];
  /** Added before every store call, as a networked store would; 0: none. */
  latencyMs: number;
}

export interface Library {
  name: string;
  /** The floor its overhead is measured over (see candidates/floors.ts). */
  floor: "fetch" | "express";
  create(setup: Setup): FetchHandler;
}

/** Secrets for the rotation curve: the first signs, the others only verify. */
export const SECRETS = Array.from({ length: 10 }, (_, index) => `${SECRET.slice(0, -4)}${String(index + 1).padStart(4, "0")}`);
/** Makes a login list unlike any measured list, though its first secret stamps the ticket. */
const LOGIN_ONLY = "bench-login-only-secret-never-measured-0000";

/** `/s3` goes to the login app (the users' tickets are stamped there), everything else to the measured one. */
function splitLogin(login: FetchHandler | undefined, measured: FetchHandler): FetchHandler {
  if (!login) return measured;
  return (request) => (route(request.url) === "/s3" ? login(request) : measured(request));
}

const loginListOf = (setup: Setup) => (setup.loginSecrets ? [...setup.loginSecrets, LOGIN_ONLY] : undefined);

function delayed(store: SessionStore, ms: number): SessionStore {
  if (ms <= 0) return store;
  const compareAndSet = store.compareAndSet;
  return {
    name: store.name,
    get: async (key) => (await sleep(ms), store.get(key)),
    set: async (key, value, options) => (await sleep(ms), store.set(key, value, options)),
    delete: async (key) => (await sleep(ms), store.delete(key)),
    ...(compareAndSet && {
      compareAndSet: async (key, value, expected, options) => (await sleep(ms), compareAndSet.call(store, key, value, expected, options)),
    }),
  };
}

const build = { withSession };

export const coatcheck: Library = {
  name: "coatcheck (memory)",
  floor: "fetch",
  create(setup) {
    // Room for every session a curve makes, in entries and in bytes, so none is evicted.
    const store = delayed(memoryStore({ maxEntries: 1_000_000, maxBytes: 2 ** 31 }), setup.latencyMs);
    const measured = coatcheckApp(build, store, { payload: setup.payload, secrets: setup.secrets });
    const loginSecrets = loginListOf(setup);
    return splitLogin(loginSecrets && coatcheckApp(build, store, { payload: setup.payload, secrets: loginSecrets }), measured);
  },
};

export const reactRouter: Library = {
  name: "react-router memory",
  floor: "fetch",
  create(setup) {
    const map: RemixMap = new Map();
    const storage = (secrets: string[]) => remixMemoryStorage({ secrets, map, latencyMs: setup.latencyMs });
    const loginSecrets = loginListOf(setup);
    return splitLogin(loginSecrets && remixApp(storage(loginSecrets), setup.payload), remixApp(storage(setup.secrets), setup.payload));
  },
};

export const expressSession: Library = {
  name: "express-session (memory)",
  floor: "express",
  create(setup) {
    const store = new CountingExpressStore(setup.latencyMs);
    const app = (secrets: string[]) => expressSessionApp({ store, secrets, payload: setup.payload });
    const loginSecrets = loginListOf(setup);
    return splitLogin(loginSecrets && app(loginSecrets), app(setup.secrets));
  },
};

export const libraries = [coatcheck, reactRouter, expressSession];
