// A store that fails, hangs or returns someone else's record: the request rejects with a stable
// code, or the record counts as no session.
import { describe, expect, it } from "vitest";
import { SessionError, withSession } from "../../src/index.js";
import { CookieJar } from "../helpers.js";
import { app, setup } from "./fixture.js";

describe("store failures", () => {
  it("a failing read rejects with ERR_SESSION_STORE, cause kept, and the handler never sees an empty session", async () => {
    const { options, events } = setup();
    const jar = new CookieJar();
    jar.apply(await app(options)(jar.request("http://shop.test/add")));
    const cause = new Error("disk on fire");
    const broken = { ...options, store: { ...options.store, name: "broken", get: async () => Promise.reject(cause) } };
    let handlerSaw: unknown = "nothing";
    const handler = withSession(async (_request, ctx) => {
      handlerSaw = await ctx.session();
      return new Response("ok");
    }, broken);
    const error = await handler(jar.request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SessionError);
    expect(error).toMatchObject({ code: "ERR_SESSION_STORE", cause });
    expect((error as Error).message).toMatch(/^coatcheck: broken store: get failed/);
    expect(handlerSaw).toBe("nothing");
    expect(events.at(-1)).toMatchObject({ type: "store-error", store: "broken" });
  });

  it("a failing write rejects, so no Set-Cookie points at data that was not stored", async () => {
    const { options } = setup();
    const cause = new Error("quota");
    const broken = { ...options, store: { ...options.store, compareAndSet: async () => Promise.reject(cause) } };
    const error = await app(broken)(new Request("http://shop.test/add")).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ERR_SESSION_STORE", cause });
  });

  it("a hung store call ends after storeTimeout with its own code", async () => {
    const { options } = setup({ storeTimeout: 50 });
    const hung = { ...options, store: { ...options.store, compareAndSet: () => new Promise<boolean>(() => {}) } };
    const error = await app(hung)(new Request("http://shop.test/add")).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ERR_SESSION_STORE_TIMEOUT" });
  });

  it("a corrupt or foreign record is no session, reported as tampered", async () => {
    const { options, memory, store, events } = setup();
    const handler = app(options);
    const a = new CookieJar();
    const b = new CookieJar();
    a.apply(await handler(a.request("http://shop.test/add?item=a")));
    b.apply(await handler(b.request("http://shop.test/add?item=b")));
    const [keyA, keyB] = [...store.written];
    const recordB = (await memory.get(keyB!))!.value;
    const far = { expiresAt: Date.UTC(2100, 0), ttlSeconds: 1e6, touchOnly: false };
    await memory.set(keyA!, recordB, far);
    expect(await (await handler(a.request())).json()).toMatchObject({ isNew: true });
    await memory.set(keyA!, "{not json", far);
    expect(await (await handler(a.request())).json()).toMatchObject({ isNew: true });
    const reasons = events.flatMap((event) => (event.type === "tampered" ? [event.reason] : []));
    expect(reasons).toEqual(["foreign-record", "corrupt-record"]);
  });
});
