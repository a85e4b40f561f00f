// coatcheck's side of every coatcheck candidate: the four routes behind `withSession` and the store
// counter, taking the implementation as an argument so this checkout and a baseline commit
// (coatcheck-baseline.ts) run exactly the same app.
import type { memoryStore } from "../../adapters/memory.js";
import type { AnySessionStore, SessionStore, withSession } from "../../src/index.js";
import { type FetchHandler, type StoreCounts, zeroCounts } from "../harness.js";
import { MAX_AGE, route, SECRET, text } from "./shared.js";

/** The parts of coatcheck's public API the candidates use: from src/ here, or from a baseline commit. */
export interface CoatcheckBuild {
  withSession: typeof withSession;
  memoryStore: typeof memoryStore;
}

/** `store` with its calls counted in `counts` (a new counter unless given). */
export function countingStore(store: SessionStore, counts: StoreCounts = zeroCounts()): { store: SessionStore; counts: StoreCounts } {
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

/** What the growth curves vary: data a new visitor's session starts with besides `count`, and the secrets. */
export interface AppOptions {
  payload?: Record<string, unknown>;
  secrets?: string[];
}

export function coatcheckApp(
  build: Pick<CoatcheckBuild, "withSession">,
  store: AnySessionStore,
  { payload = {}, secrets = [SECRET] }: AppOptions = {},
): FetchHandler {
  return build.withSession<{ count: number } & Record<string, unknown>>(
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
          for (const [key, value] of Object.entries(payload)) session.set(key, value);
          session.set("count", 0);
          return text("count=0");
        }
        default:
          return text("ok");
      }
    },
    { secrets, store, maxAge: MAX_AGE },
  );
}
