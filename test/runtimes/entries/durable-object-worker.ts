// The Worker the Durable Object store's tests run in workerd (Miniflare): bundled with esbuild by
// test/adapters/durable-object.test.ts and test/reliability/durable-object-races.test.ts. It
// exports the real CoatcheckSessionObject (bound as SESSIONS), two subclasses that only add a way
// to look at the storage or make the object fail, and a barrier object that holds racing requests
// until all of them have loaded their session. Routes:
//   /conformance                   the shared store suite, run here; one JSON result per case
//   /race/<do|kv>/<inc|set|login|logout|read>?wait=<n>   the race app; `wait` joins the barrier
//   /names                         a session saved through a namespace that records every object name
//   /store/<op>                    one store call on SESSIONS, INSPECTABLE or LAZY (JSON body)
//   /inspect                       the raw storage of an INSPECTABLE or LAZY object
//   /fail/<throw|abort>            a session saved to an object that throws or resets
import { DurableObject } from "cloudflare:workers";
import { cloudflareKVStore } from "../../../adapters/cloudflare-kv.js";
import { CoatcheckSessionObject, durableObjectStore, type SessionObjectNamespace } from "../../../adapters/durable-object.workerd.js";
import { type SessionStore, withSession } from "../../../src/index.js";
import { collectStoreConformance } from "../../../src/testing.js";
import { SECRET } from "../../helpers.js";
import { DURABLE_OBJECT_CAPABILITIES } from "./durable-object-capabilities.js";
import { runCases } from "./report-cases.js";

export { CoatcheckSessionObject };

interface Env {
  SESSIONS: DurableObjectNamespace<CoatcheckSessionObject>;
  INSPECTABLE: DurableObjectNamespace<InspectableSessionObject>;
  LAZY: DurableObjectNamespace<LazyAlarmSessionObject>;
  FAILING: DurableObjectNamespace<FailingSessionObject>;
  RESETTING: DurableObjectNamespace<ResettingSessionObject>;
  BARRIER: DurableObjectNamespace<Barrier>;
  KV: KVNamespace;
}

/** The real class, plus a look at what its storage holds. */
export class InspectableSessionObject extends CoatcheckSessionObject {
  inspect() {
    const tables = this.ctx.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'session'");
    const rows = tables.toArray().length ? this.ctx.storage.sql.exec("SELECT * FROM session").toArray() : [];
    return this.ctx.storage.getAlarm().then((alarm) => ({ rows, alarm }));
  }
}

/** The real class with its alarm switched off, so that only the read-time check can hide a record. */
export class LazyAlarmSessionObject extends InspectableSessionObject {
  override async alarm(): Promise<void> {}
}

/** An object whose every call throws. */
export class FailingSessionObject extends CoatcheckSessionObject {
  override readSession(): never {
    throw new Error("coatcheck test: the object failed");
  }
  override swapSession(): never {
    throw new Error("coatcheck test: the object failed");
  }
}

/** An object that resets itself on every call, as one whose machine went away would look. */
export class ResettingSessionObject extends CoatcheckSessionObject {
  override readSession(): never {
    return this.#reset();
  }
  override swapSession(): never {
    return this.#reset();
  }
  #reset(): never {
    this.ctx.abort("coatcheck test: object reset");
    throw new Error("unreachable: abort() ends the object");
  }
}

/** Holds each `arrive(count)` call until `count` calls have arrived. */
export class Barrier extends DurableObject {
  #waiting: (() => void)[] = [];
  arrive(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      if (this.#waiting.length < count) return;
      for (const release of this.#waiting.splice(0)) release();
    });
  }
}

let prefixes = 0;

async function runConformance(env: Env): Promise<Response> {
  const cases = collectStoreConformance({
    name: "durable-object (workerd)",
    create: async (clock) => ({ store: durableObjectStore(env.SESSIONS, { clock, prefix: `conformance-${++prefixes}:` }) }),
    capabilities: DURABLE_OBJECT_CAPABILITIES,
  });
  return Response.json(await runCases(cases));
}

const errorCode = (error: unknown) => (error as { code?: string })?.code ?? String(error);

let raceHandlers: Record<"kv" | "do", ReturnType<typeof raceHandler>> | undefined;

/** The race app of test/reliability/races.test.ts, on the Durable Object store or on Workers KV. */
function raceHandler(env: Env, store: SessionStore) {
  return withSession<Record<string, unknown>>(
    async (request, ctx) => {
      const url = new URL(request.url);
      const session = await ctx.session();
      const wait = url.searchParams.get("wait");
      if (wait) await env.BARRIER.get(env.BARRIER.idFromName(url.searchParams.get("group") ?? "")).arrive(Number(wait));
      const action = url.pathname.split("/")[3];
      const n = url.searchParams.get("n");
      if (action === "inc") session.update("count", (count = 0) => (count as number) + 1);
      if (action === "set") session.set(`c${n}`, 1);
      if (action === "login") {
        session.regenerate();
        session.set("user", "ada");
      }
      if (action === "logout") session.destroy();
      return Response.json({ isNew: session.isNew, data: Object.fromEntries(session.entries()) });
    },
    { secrets: SECRET, store, storeTimeout: 20_000 },
  );
}

/** A namespace that records the name of every object asked for. */
function recording(namespace: SessionObjectNamespace<DurableObjectId>, names: string[]): SessionObjectNamespace<DurableObjectId> {
  return { idFromName: (name) => (names.push(name), namespace.idFromName(name)), get: (id) => namespace.get(id) };
}

async function savedThroughRecorder(request: Request, env: Env): Promise<Response> {
  const names: string[] = [];
  const handler = withSession<{ n: number }>(
    async (_request, ctx) => {
      (await ctx.session()).set("n", 1);
      return new Response();
    },
    { secrets: SECRET, store: durableObjectStore(recording(env.SESSIONS, names)) },
  );
  const response = await handler(request);
  return Response.json({ names, setCookie: response.headers.get("set-cookie") });
}

async function storeCall(env: Env, op: string, body: Record<string, unknown>): Promise<unknown> {
  const names: string[] = [];
  const namespace = { SESSIONS: env.SESSIONS, INSPECTABLE: env.INSPECTABLE, LAZY: env.LAZY }[String(body.namespace ?? "SESSIONS")];
  const store = durableObjectStore(recording(namespace!, names));
  const key = String(body.key);
  const ttlSeconds = Number(body.ttlSeconds ?? 3600);
  const options = { expiresAt: Date.now() + ttlSeconds * 1000, ttlSeconds, touchOnly: false };
  try {
    if (op === "get") return { result: await store.get(key), names };
    if (op === "set") return { result: await store.set(key, "x".repeat(Number(body.length ?? 1)), options), names };
    return { result: await store.delete(key), names };
  } catch (error) {
    return { error: { code: errorCode(error), message: (error as Error).message }, names };
  }
}

/** A session saved to an object that throws (`throw`) or resets (`abort`). */
async function failingSave(request: Request, env: Env, mode: string): Promise<Response> {
  const handler = withSession(
    async (_request, ctx) => {
      (await ctx.session()).set("n", 1);
      return new Response();
    },
    { secrets: SECRET, store: durableObjectStore(mode === "abort" ? env.RESETTING : env.FAILING) },
  );
  try {
    await handler(request);
    return Response.json({ failed: false });
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    return Response.json({ failed: true, code: errorCode(error), message: (error as Error).message, cause: String(cause?.message) });
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, route, op] = url.pathname.split("/");
    if (route === "conformance") return runConformance(env);
    if (route === "race") {
      // Built once per isolate, as a Worker's options are: the per-key save queue lives with them.
      raceHandlers ??= { kv: raceHandler(env, cloudflareKVStore(env.KV)), do: raceHandler(env, durableObjectStore(env.SESSIONS)) };
      const handler = op === "kv" ? raceHandlers.kv : raceHandlers.do;
      return handler(request).catch((error) => Response.json({ error: errorCode(error) }, { status: 500 }));
    }
    if (route === "names") return savedThroughRecorder(request, env);
    if (route === "store") return Response.json(await storeCall(env, op!, await request.json()));
    if (route === "inspect") {
      const namespace = url.searchParams.get("namespace") === "LAZY" ? env.LAZY : env.INSPECTABLE;
      return Response.json(await namespace.get(namespace.idFromName(`coatcheck:${url.searchParams.get("key")}`)).inspect());
    }
    if (route === "fail") return failingSave(request, env, op!);
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
