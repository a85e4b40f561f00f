// Users: the session's user binding (setUser, user, authenticatedAt, ref), a user's sessions
// (list, revoke, revokeAll, ctx.sessions), userVersion and its cache, and the cookie store's answer.
import { describe, expect, it } from "vitest";
import { cookieStore } from "../../adapters/cookie.js";
import { memoryStore } from "../../adapters/memory.js";
import { createSessions, type Session, type SessionOptions, type Sessions, withSession } from "../../src/index.js";
import { userIndexKey } from "../../src/user-index.js";
import { CookieJar, fakeClock, heldWrites, SECRET } from "../helpers.js";
import { setup } from "./fixture.js";

/** One browser: requests through `sessions` that act on the session, keeping the cookies. */
function device(sessions: Sessions, env?: unknown) {
  const jar = new CookieJar();
  const begin = async () => {
    const handle = await sessions.open(jar.request("https://shop.test/"), env);
    const session = await handle.session();
    return { session, send: async () => (jar.apply(await handle.commit(new Response())), session) };
  };
  const visit = async (act: (session: Session) => void = () => {}) => {
    const request = await begin();
    act(request.session);
    return request.send();
  };
  return { jar, begin, visit };
}

const login =
  (user = "ada") =>
  (session: Session) => {
    session.regenerate();
    session.setUser(user);
  };

describe("the user binding", () => {
  it("setUser binds the session: user, authenticatedAt from the clock; the id is kept apart from the data (keys() never lists it)", async () => {
    const { options, clock, memory } = setup();
    const ada = device(createSessions(options));
    const bound = await ada.visit((session) => {
      login()(session);
      expect(session.user).toBe("ada");
      expect(session.authenticatedAt).toBe(clock());
    });
    expect(bound.keys()).toEqual([]);
    expect(bound.entries()).toEqual([]);
    clock.advance(30);
    const later = await ada.visit((session) => session.set("n", 1));
    expect(later.user).toBe("ada");
    expect(later.authenticatedAt).toBe(clock() - 30_000);
    expect(later.keys()).toEqual(["n"]);
    expect(later.has("u" as never)).toBe(false);
    // In the stored record the user sits beside the data, not in it.
    const stored = JSON.parse((await memory.get(later.ref!))!.value);
    expect(stored.d).toEqual({ n: 1 });
    expect(stored.u).toBe("ada");
    // A later setUser (entering the password again) moves authenticatedAt.
    const again = await ada.visit((session) => session.setUser("ada"));
    expect(again.authenticatedAt).toBe(clock());
  });

  it("a session bound to a user but holding no data is kept: it is not empty", async () => {
    const { options } = setup();
    const ada = device(createSessions(options));
    await ada.visit((session) => session.setUser("ada"));
    expect(ada.jar.header()).toBeDefined();
    const next = await ada.visit();
    expect(next.isNew).toBe(false);
    expect(next.user).toBe("ada");
  });

  it("setUser(null) unbinds: user and authenticatedAt are undefined, the session leaves the user's list, and with no data it ends", async () => {
    const { options } = setup();
    const sessions = createSessions(options);
    const ada = device(sessions);
    await ada.visit(login());
    await ada.visit((session) => session.set("n", 1));
    const unbound = await ada.visit((session) => {
      session.setUser(null);
      expect(session.user).toBeUndefined();
      expect(session.authenticatedAt).toBeUndefined();
    });
    expect(await sessions.list("ada")).toEqual([]);
    const next = await ada.visit();
    expect(next.user).toBeUndefined();
    expect(next.ref).toBe(unbound.ref);
    expect(next.get("n" as never)).toBe(1);

    const bob = device(sessions);
    await bob.visit(login("bob"));
    await bob.visit((session) => session.setUser(null));
    expect(bob.jar.header()).toBeUndefined();
  });

  it("setUser to another user moves the session from one user's list to the other's", async () => {
    const { options } = setup();
    const sessions = createSessions(options);
    const shared = device(sessions);
    const first = await shared.visit(login("ada"));
    await shared.visit((session) => session.setUser("bob"));
    expect(await sessions.list("ada")).toEqual([]);
    expect((await sessions.list("bob")).map((entry) => entry.ref)).toEqual([first.ref]);
  });

  it("ref: undefined for a new session not yet stored; stable across requests; new after regenerate, the old one no longer listed", async () => {
    const { options, events } = setup();
    const sessions = createSessions(options);
    const ada = device(sessions);
    const { session, send } = await ada.begin();
    expect(session.ref).toBeUndefined();
    login()(session);
    expect(session.ref).toBeUndefined();
    await send();
    const ref = session.ref!;
    expect(ref).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await ada.visit()).ref).toBe(ref);
    expect((await ada.visit((s) => s.set("n", 1))).ref).toBe(ref);
    const regenerated = (await ada.visit((s) => s.regenerate())).ref!;
    expect(regenerated).not.toBe(ref);
    expect((await ada.visit()).ref).toBe(regenerated);
    expect((await sessions.list("ada")).map((entry) => entry.ref)).toEqual([regenerated]);
    // The old ref names nothing now (its key is a short-lived tombstone): no session, and no tampering reported.
    events.length = 0;
    expect(await sessions.revoke(ref)).toBe(false);
    expect(events).toEqual([]);
  });

  it("setUser takes a non-empty string of at most 256 characters, or null; list and revokeAll take a non-empty user id", async () => {
    const { options } = setup();
    const sessions = createSessions(options);
    const session = await (await sessions.open(new Request("https://shop.test/"))).session();
    for (const bad of ["", "x".repeat(257), 42, undefined, {}, ["ada"]]) {
      expect(() => session.setUser(bad as never)).toThrowError(
        /^coatcheck: setUser takes a non-empty string of at most 256 characters, or null/,
      );
    }
    expect(session.user).toBeUndefined();
    session.setUser("x".repeat(256));
    expect(session.user).toBe("x".repeat(256));
    for (const bad of ["", 1, undefined]) {
      await expect(sessions.list(bad as never)).rejects.toThrowError(/^coatcheck: a user id is a non-empty string/);
      await expect(sessions.revokeAll(bad as never)).rejects.toThrowError(/^coatcheck: a user id is a non-empty string/);
    }
    for (const bad of ["", "not-a-ref", "x".repeat(44), 1, undefined]) expect(await sessions.revoke(bad as never)).toBe(false);
  });

  it("setUser after the response was committed throws ERR_SESSION_CLOSED", async () => {
    const { options } = setup();
    const handle = await createSessions(options).open(new Request("https://shop.test/"));
    const session = await handle.session();
    await handle.commit(new Response());
    expect(() => session.setUser("ada")).toThrowError(expect.objectContaining({ code: "ERR_SESSION_CLOSED" }));
  });
});

describe("a user's sessions", () => {
  it("a list entry: ref, createdAt, lastSeenAt (refreshed by a touch, not by each request), authenticatedAt; most recently seen first", async () => {
    const { options, clock } = setup({ maxAge: 3600, touchAfter: 600 });
    const sessions = createSessions(options);
    const [phone, laptop] = [device(sessions), device(sessions)];
    await phone.visit((session) => session.set("n", 1));
    const start = clock();
    clock.advance(10);
    const phoneRef = (await phone.visit(login())).ref!;
    clock.advance(10);
    const laptopRef = (await laptop.visit(login())).ref!;
    expect(await sessions.list("ada")).toEqual([
      { ref: laptopRef, createdAt: start + 20_000, lastSeenAt: start + 20_000, authenticatedAt: start + 20_000 },
      { ref: phoneRef, createdAt: start, lastSeenAt: start + 10_000, authenticatedAt: start + 10_000 },
    ]);
    clock.advance(100);
    await phone.visit(); // inside touchAfter: no write, lastSeenAt unchanged
    expect((await sessions.list("ada"))[1]!.lastSeenAt).toBe(start + 10_000);
    clock.advance(600);
    await phone.visit(); // touch
    const [first] = await sessions.list("ada");
    expect(first).toEqual({ ref: phoneRef, createdAt: start, lastSeenAt: clock(), authenticatedAt: start + 10_000 });
  });

  it("ctx.sessions lists the user's sessions with this request's own marked current; revokeAll except it ends the others", async () => {
    const { options } = setup();
    const handler = withSession(async (request, ctx) => {
      const session = await ctx.session();
      const path = new URL(request.url).pathname;
      if (path === "/login") login()(session);
      if (path === "/list") return Response.json(await ctx.sessions.list("ada"));
      if (path === "/others") return Response.json(await ctx.sessions.revokeAll("ada", { except: session.ref }));
      return Response.json(session.user ?? null);
    }, options);
    const [phone, laptop, tablet] = [new CookieJar(), new CookieJar(), new CookieJar()];
    for (const jar of [phone, laptop, tablet]) jar.apply(await handler(jar.request("https://shop.test/login")));
    const listed = (await (await handler(laptop.request("https://shop.test/list"))).json()) as { current?: boolean }[];
    expect(listed).toHaveLength(3);
    expect(listed.filter((entry) => entry.current === true)).toHaveLength(1);
    expect(listed.filter((entry) => "current" in entry)).toHaveLength(1);
    expect(await (await handler(laptop.request("https://shop.test/others"))).json()).toBe(2);
    const users = [];
    for (const jar of [phone, laptop, tablet]) users.push(await (await handler(jar.request("https://shop.test/"))).json());
    expect(users).toEqual([null, "ada", null]);
    // From a request with no session of its own, nothing is current.
    const stranger = (await (await handler(new Request("https://shop.test/list"))).json()) as object[];
    expect(stranger).toEqual([expect.not.objectContaining({ current: expect.anything() })]);
  });

  it("revoke(ref) ends that one session (a revoked event) and is false the second time; logout leaves the list", async () => {
    const { options, events } = setup();
    const sessions = createSessions(options);
    const [phone, laptop, tablet] = [device(sessions), device(sessions), device(sessions)];
    const phoneRef = (await phone.visit(login())).ref!;
    const laptopRef = (await laptop.visit(login())).ref!;
    await tablet.visit(login());
    events.length = 0;
    expect(await sessions.revoke(phoneRef)).toBe(true);
    expect(events.map((event) => event.type)).toEqual(["revoked"]);
    expect(await sessions.revoke(phoneRef)).toBe(false);
    expect((await phone.visit()).user).toBeUndefined();
    await tablet.visit((session) => session.destroy());
    expect((await sessions.list("ada")).map((entry) => entry.ref)).toEqual([laptopRef]);
  });

  it("a burst of 50 logins of one user in one isolate queues its index changes: one in flight at a time, all listed, no compare-and-set conflict", async () => {
    const { options, memory, events } = setup();
    const indexKey = await userIndexKey("ada");
    const gate = heldWrites(memory, (key) => key === indexKey);
    const sessions = createSessions({ ...options, store: gate.store });
    const devices = Array.from({ length: 50 }, () => device(sessions));
    for (const each of devices) await each.visit((session) => session.set("n", 1));
    const logins = devices.map((each) => each.visit(login()));
    await gate.arrived(1);
    // Time for the other 49 to arrive, were they not queued behind the first.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gate.waiting).toBe(1);
    gate.release();
    await Promise.all(logins);
    expect(await sessions.list("ada")).toHaveLength(50);
    expect(events.filter((event) => event.type === "conflict")).toEqual([]);
  });

  it("an ended session is dropped from the stored index on the way, when a list finds it gone", async () => {
    const { options, clock, memory } = setup({ maxAge: 600 });
    const sessions = createSessions(options);
    const phone = device(sessions);
    await phone.visit(login());
    clock.advance(300);
    const laptopRef = (await device(sessions).visit(login())).ref!;
    clock.advance(301);
    const indexKey = await userIndexKey("ada");
    expect(Object.keys(JSON.parse((await memory.get(indexKey))!.value))).toHaveLength(2);
    expect((await sessions.list("ada")).map((entry) => entry.ref)).toEqual([laptopRef]);
    expect(Object.keys(JSON.parse((await memory.get(indexKey))!.value))).toEqual([laptopRef]);
  });
});

describe("userVersion", () => {
  function versioned(extra: Partial<SessionOptions> = {}) {
    const versions = new Map<string, number>([["ada", 1]]);
    const asked: string[] = [];
    const fixture = setup({
      userVersion: async (user) => {
        asked.push(user);
        return versions.get(user) ?? 0;
      },
      ...extra,
    });
    return { ...fixture, versions, asked };
  }

  it("a bump ends the session on its next load: a revoked event, isNew, its record deleted and its cookie expired", async () => {
    const { options, versions, events, memory } = versioned();
    const sessions = createSessions(options);
    const ada = device(sessions);
    const ref = (await ada.visit(login())).ref!;
    versions.set("ada", 2);
    events.length = 0;
    const ended = await ada.visit();
    expect(ended.isNew).toBe(true);
    expect(ended.user).toBeUndefined();
    expect(events.map((event) => event.type)).toEqual(["revoked", "destroyed"]);
    expect(await memory.get(ref)).toBeNull();
    expect(ada.jar.header()).toBeUndefined();
    expect(await sessions.list("ada")).toEqual([]);
  });

  it("userVersionCacheSeconds 0 (the default) asks on every load of a bound session, and never for an unbound one", async () => {
    const { options, asked } = versioned();
    const sessions = createSessions(options);
    const anonymous = device(sessions);
    await anonymous.visit((session) => session.set("n", 1));
    await anonymous.visit();
    expect(asked).toEqual([]);
    const ada = device(sessions);
    await ada.visit(login());
    expect(asked).toEqual(["ada"]); // at setUser
    for (let load = 0; load < 3; load++) await ada.visit();
    expect(asked).toHaveLength(4);
  });

  it("userVersionCacheSeconds: a bump inside the window is not seen until the window passes", async () => {
    const { options, versions, asked, clock } = versioned({ userVersionCacheSeconds: 60 });
    const ada = device(createSessions(options));
    await ada.visit(login());
    expect(asked).toHaveLength(1);
    clock.advance(20);
    await ada.visit();
    versions.set("ada", 2);
    clock.advance(39);
    expect((await ada.visit()).user).toBe("ada"); // 59 s after the answer was remembered
    expect(asked).toHaveLength(1);
    clock.advance(1);
    const ended = await ada.visit();
    expect(ended.user).toBeUndefined();
    expect(asked).toHaveLength(2);
  });

  it("a login right after a bump records the new version, even inside the cache window", async () => {
    const { options, versions, clock } = versioned({ userVersionCacheSeconds: 60 });
    const sessions = createSessions(options);
    const ada = device(sessions);
    await ada.visit(login());
    await ada.visit();
    // "Change password": the app bumps the version and logs this device in again at once.
    versions.set("ada", 2);
    await ada.visit(login());
    clock.advance(61);
    expect((await ada.visit()).user).toBe("ada");
  });

  it("a version one isolate remembered from before a bump does not end a session bound after it in another", async () => {
    const clock = fakeClock();
    const store = memoryStore({ clock });
    const versions = new Map([["ada", 1]]);
    const options: SessionOptions = {
      secrets: SECRET,
      store,
      clock,
      userVersion: (user) => versions.get(user)!,
      userVersionCacheSeconds: 60,
    };
    const [isolateA, isolateB] = [createSessions(options), createSessions(options)];
    const old = device(isolateA);
    await old.visit(login());
    await old.visit(); // isolate A now remembers version 1
    versions.set("ada", 2);
    const fresh = device(isolateB);
    await fresh.visit(login());
    // The new session's request lands on isolate A, inside its window.
    const cookie = fresh.jar.header()!;
    const handle = await isolateA.open(new Request("https://shop.test/", { headers: { cookie } }));
    expect((await handle.session()).user).toBe("ada");
  });

  it("a session bound before the option existed (no version recorded) is not ended, and asks nothing; bound again, it is", async () => {
    const { options, versions, asked } = versioned();
    const { userVersion: _, ...without } = options;
    const ada = device(createSessions(without));
    await ada.visit(login());
    const jar = ada.jar;
    const withOption = createSessions(options);
    const later = await withOption.open(jar.request("https://shop.test/"));
    versions.set("ada", 2);
    const session = await later.session();
    expect(session.user).toBe("ada");
    expect(asked).toEqual([]);
    login()(session);
    jar.apply(await later.commit(new Response()));
    versions.set("ada", 3);
    const ended = await (await withOption.open(jar.request("https://shop.test/"))).session();
    expect(ended.user).toBeUndefined();
  });

  it("a session bound with the option is not ended once the option is removed", async () => {
    const { options, versions } = versioned();
    const ada = device(createSessions(options));
    await ada.visit(login());
    versions.set("ada", 2);
    const { userVersion: _, ...without } = options;
    const handle = await createSessions(without).open(ada.jar.request("https://shop.test/"));
    expect((await handle.session()).user).toBe("ada");
  });

  it("gets the request's env, and its error propagates to the request, at load and at setUser", async () => {
    const env = { tenant: "t1" };
    const seen: unknown[] = [];
    let failing = false;
    const boom = new Error("the users database is down");
    const { options } = setup({
      userVersion: (_user, given) => {
        seen.push(given);
        if (failing) throw boom;
        return 1;
      },
    });
    const handler = withSession(async (request, ctx) => {
      const session = await ctx.session();
      if (new URL(request.url).pathname === "/login") login()(session);
      return new Response("ok");
    }, options);
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("https://shop.test/login"), env));
    expect(seen).toEqual([env]);
    failing = true;
    await expect(handler(jar.request("https://shop.test/"), env)).rejects.toBe(boom);
    await expect(handler(new CookieJar().request("https://shop.test/login"), env)).rejects.toBe(boom);
  });
});

describe("the cookie store", () => {
  it("binds a user (user, authenticatedAt, a random ref stable across requests and new after regenerate); list and revoke say a server-side store is needed", async () => {
    const clock = fakeClock();
    const sessions = createSessions({ secrets: SECRET, store: cookieStore(), clock });
    const ada = device(sessions);
    const first = await ada.visit((session) => {
      login()(session);
      expect(session.ref).toBeUndefined();
    });
    expect(first.ref).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(first.authenticatedAt).toBe(clock());
    const next = await ada.visit((session) => session.set("n", 1));
    expect(next.user).toBe("ada");
    expect(next.ref).toBe(first.ref);
    const regenerated = await ada.visit((session) => session.regenerate());
    expect(regenerated.ref).not.toBe(first.ref);
    const unsupported = {
      code: "ERR_SESSION_UNSUPPORTED",
      message: expect.stringMatching(/^coatcheck: cookie store: sessions cannot be listed or revoked.*`userVersion`/),
    };
    await expect(sessions.list("ada")).rejects.toMatchObject(unsupported);
    await expect(sessions.revoke(first.ref!)).rejects.toMatchObject(unsupported);
    await expect(sessions.revokeAll("ada")).rejects.toMatchObject(unsupported);
  });
});
