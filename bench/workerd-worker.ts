// The Worker `npm run bench:workerd` runs in workerd (Miniflare): coatcheck's bench app
// (candidates/coatcheck-app.ts) on the Durable Object store (/do/…) and on Workers KV (/kv/…), and
// the floor (/floor/…), a plain handler with the same route lookup. Every response, the floor's too,
// is copied once to carry `x-bench-counts`: this request's store reads, writes and deletes, and its
// calls to the backend (RPCs to a Durable Object, or Workers KV operations), counted here.
import { cloudflareKVStore, type KVNamespaceLike } from "../adapters/cloudflare-kv.js";
import { CoatcheckSessionObject, durableObjectStore, type SessionObjectNamespace } from "../adapters/durable-object.workerd.js";
import { withSession } from "../src/index.js";
import { coatcheckApp, countingStore } from "./candidates/coatcheck-app.js";
import { route, text } from "./candidates/shared.js";
import { type FetchHandler, type StoreCounts, zeroCounts } from "./harness.js";

export { CoatcheckSessionObject };

interface Env {
  SESSIONS: DurableObjectNamespace<CoatcheckSessionObject>;
  KV: KVNamespace;
}

let backendCalls = 0;
const counted =
  <Args extends unknown[], Result>(call: (...args: Args) => Result) =>
  (...args: Args): Result => (backendCalls++, call(...args));

/** Every RPC made through a stub of this namespace is counted. */
function countingNamespace(namespace: SessionObjectNamespace<DurableObjectId>): SessionObjectNamespace<DurableObjectId> {
  return {
    idFromName: (name) => namespace.idFromName(name),
    get(id) {
      const stub = namespace.get(id);
      return {
        readSession: counted((now) => stub.readSession(now)),
        writeSession: counted((value, expiry) => stub.writeSession(value, expiry)),
        swapSession: counted((value, expected, expiry) => stub.swapSession(value, expected, expiry)),
        deleteSession: counted(() => stub.deleteSession()),
      };
    },
  };
}

function countingKV(kv: KVNamespace): KVNamespaceLike {
  return {
    getWithMetadata: counted((key: string, type: "text") => kv.getWithMetadata(key, type)) as KVNamespaceLike["getWithMetadata"],
    put: counted((key: string, value: string, options?: KVNamespacePutOptions) => kv.put(key, value, options)),
    delete: counted((key: string) => kv.delete(key)),
  };
}

let apps: Record<string, { fetch: FetchHandler; counts: StoreCounts }> | undefined;

function appsFor(env: Env) {
  const app = (store: Parameters<typeof countingStore>[0]) => {
    const { store: countedStore, counts } = countingStore(store);
    return { fetch: coatcheckApp({ withSession }, countedStore), counts };
  };
  const floor = async (request: Request) => (route(request.url), text("ok"));
  return {
    floor: { fetch: floor, counts: zeroCounts() },
    do: app(durableObjectStore(countingNamespace(env.SESSIONS))),
    kv: app(cloudflareKVStore(countingKV(env.KV))),
  };
}

export default {
  async fetch(request, env) {
    apps ??= appsFor(env);
    const app = apps[new URL(request.url).pathname.split("/")[1]!];
    if (!app) return new Response("not found", { status: 404 });
    backendCalls = 0;
    Object.assign(app.counts, zeroCounts());
    const response = await app.fetch(request);
    const copy = new Response(response.body, response);
    const { reads, writes, deletes } = app.counts;
    copy.headers.set("x-bench-counts", `${reads},${writes},${deletes},${backendCalls}`);
    return copy;
  },
} satisfies ExportedHandler<Env>;
