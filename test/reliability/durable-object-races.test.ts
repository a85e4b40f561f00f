// Races inside workerd on the Durable Object store, beside Workers KV: the Worker of
// test/runtimes/entries/durable-object-worker.ts holds every racing request at a barrier (itself a
// Durable Object) after it loads its session, so all of them read the same record before any
// writes, as races.test.ts does in Node. The same races run with the requests split over two Worker
// scripts bound to the same namespace: two isolates, which share no save queue, so only the
// object's compare-and-set keeps the guarantees there.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar } from "../helpers.js";
import { startDurableObjectWorkers } from "../runtimes/durable-object-miniflare.js";

const INCREMENTS = 40;
const RACERS = 20;

type Body = { isNew: boolean; data: Record<string, unknown>; error?: string };
type Send = Awaited<ReturnType<typeof startDurableObjectWorkers>>["fetchA"];

let workers: Awaited<ReturnType<typeof startDurableObjectWorkers>>;
let groups = 0;

beforeAll(async () => {
  workers = await startDurableObjectWorkers();
}, 60_000);

afterAll(async () => {
  await workers?.mf.dispose();
});

/** One request of the race app; the jar takes its cookies unless `apply` is false. */
async function send(via: Send, jar: CookieJar, path: string, apply = true): Promise<Body> {
  const cookie = jar.header();
  const response = await via(path, { headers: cookie ? { cookie } : {} });
  if (apply) jar.apply(response as unknown as Response);
  return (await response.json()) as Body;
}

/** A jar holding a new session with `{ cbase: 1 }` in the given store. */
async function seeded(store: "do" | "kv"): Promise<CookieJar> {
  const jar = new CookieJar();
  await send(workers.fetchA, jar, `/race/${store}/set?n=base`);
  return jar;
}

function copyOf(jar: CookieJar): CookieJar {
  const copy = new CookieJar();
  for (const [name, value] of jar.cookies) copy.cookies.set(name, value);
  return copy;
}

/** Query parameters that hold a request at a fresh barrier until `count` requests have arrived. */
function barrier(count: number): string {
  return `wait=${count}&group=g${++groups}`;
}

/** The isolate the n-th racer goes through: all through "a", or alternating between "a" and "b". */
const through = (isolates: 1 | 2) => (n: number) => (isolates === 2 && n % 2 === 1 ? workers.fetchB : workers.fetchA);

const outcome = (body: Body) => body.error ?? "ok";

describe("races inside workerd: update() increments of one session", () => {
  it.each([
    ["durable-object", "do", INCREMENTS],
    ["cloudflare-kv (last-write-wins)", "kv", 1],
  ] as const)(`%s: ${INCREMENTS} concurrent increments in one isolate`, async (name, store, kept) => {
    const jar = await seeded(store);
    const wait = barrier(INCREMENTS);
    const bodies = await Promise.all(
      Array.from({ length: INCREMENTS }, () => send(workers.fetchA, copyOf(jar), `/race/${store}/inc?${wait}`, false)),
    );
    expect(bodies.map(outcome)).toEqual(Array(INCREMENTS).fill("ok"));
    const { data } = await send(workers.fetchA, jar, `/race/${store}/read`);
    expect(data).toEqual({ cbase: 1, count: kept });
    console.log(`[races] workerd, ${name}: ${INCREMENTS} concurrent update() increments of one session, ${kept} kept`);
  });

  it(`durable-object: ${INCREMENTS} concurrent increments over two isolates: every answered increment kept`, async () => {
    const jar = await seeded("do");
    const wait = barrier(INCREMENTS);
    const via = through(2);
    const bodies = await Promise.all(
      Array.from({ length: INCREMENTS }, (_, n) => send(via(n), copyOf(jar), `/race/do/inc?${wait}`, false)),
    );
    const outcomes = bodies.map(outcome);
    const answered = outcomes.filter((code) => code === "ok").length;
    // Each isolate queues its own saves, but the two queues' heads meet at the object: a save that
    // keeps losing there gives up after the core's retries, with an error and nothing written.
    for (const code of outcomes) expect(["ok", "ERR_SESSION_CONFLICT"]).toContain(code);
    const { data } = await send(workers.fetchA, jar, "/race/do/read");
    expect(data).toEqual({ cbase: 1, count: answered });
    console.log(
      `[races] workerd, durable-object, two isolates: ${INCREMENTS} concurrent update() increments of one session, ${answered} answered and kept, ${INCREMENTS - answered} refused (ERR_SESSION_CONFLICT), none lost`,
    );
  });
});

describe.each([1, 2] as const)("races inside workerd on the durable-object store, %i isolate(s)", (isolates) => {
  const via = through(isolates);

  it(`a logout racing ${RACERS} saves: each save lands before it or is interrupted; nothing is brought back`, async () => {
    const jar = await seeded("do");
    const old = copyOf(jar);
    const wait = barrier(RACERS + 1);
    const saves = Array.from({ length: RACERS }, (_, n) => send(via(n), copyOf(jar), `/race/do/set?n=${n}&${wait}`, false));
    const logout = send(via(RACERS), jar, `/race/do/logout?${wait}`);
    const outcomes = (await Promise.all(saves)).map(outcome);
    expect(outcome(await logout)).toBe("ok");
    for (const code of outcomes) expect(["ok", "ERR_SESSION_INTERRUPTED"]).toContain(code);
    expect(jar.header()).toBeUndefined();
    const later = await Promise.all([workers.fetchA, workers.fetchB].map((fetch) => send(fetch, copyOf(old), "/race/do/read", false)));
    expect(later).toEqual([
      { isNew: true, data: {} },
      { isNew: true, data: {} },
    ]);
    console.log(
      `[races] workerd, durable-object, ${isolates} isolate(s): a logout racing ${RACERS} saves: ${outcomes.filter((code) => code === "ok").length} landed before it, the rest interrupted, nothing brought back`,
    );
  });

  it(`a login racing ${RACERS} saves on the old cookie: landed saves merged into the new id, the old one never back`, async () => {
    const jar = await seeded("do");
    const old = copyOf(jar);
    const wait = barrier(RACERS + 1);
    const saves = Array.from({ length: RACERS }, (_, n) => send(via(n), copyOf(jar), `/race/do/set?n=${n}&${wait}`, false));
    const login = send(via(RACERS), jar, `/race/do/login?${wait}`);
    const outcomes = (await Promise.all(saves)).map(outcome);
    expect(outcome(await login)).toBe("ok");
    expect(jar.header()).not.toBe(old.header());
    const current = await send(workers.fetchB, jar, "/race/do/read");
    expect(current.isNew).toBe(false);
    expect(current.data.user).toBe("ada");
    outcomes.forEach((code, n) => {
      expect(["ok", "ERR_SESSION_INTERRUPTED"]).toContain(code);
      expect(current.data[`c${n}`], `save ${n}: ${code}`).toBe(code === "ok" ? 1 : undefined);
    });
    expect(await send(workers.fetchA, copyOf(old), "/race/do/read", false)).toEqual({ isNew: true, data: {} });
    console.log(
      `[races] workerd, durable-object, ${isolates} isolate(s): a login racing ${RACERS} saves: ${outcomes.filter((code) => code === "ok").length} landed and merged into the new id, the rest interrupted`,
    );
  });
});
