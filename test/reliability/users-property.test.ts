// Users, property-based (fast-check): over random flows of logins as random user ids, logouts,
// regenerates, revokes, revokeAll, lists and version bumps, no event, list entry or ref ever carries
// a session id, a cookie value or the user id; and no store key names the user.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoryStore } from "../../adapters/memory.js";
import { createSessions, type SessionEvent } from "../../src/index.js";
import { CookieJar, countingStore, fakeClock, SECRET } from "../helpers.js";

/** Marked, so that finding it anywhere is a leak, not a coincidence with base64 or an event name. */
const userId = fc.string({ minLength: 1, maxLength: 40 }).map((text) => `«${text}»`);

const step = fc.oneof(
  fc.record({ kind: fc.constant("login" as const), device: fc.nat(3), user: fc.nat(2) }),
  fc.record({ kind: fc.constant("bind" as const), device: fc.nat(3), user: fc.nat(2) }),
  fc.record({
    kind: fc.constantFrom("logout" as const, "regenerate" as const, "unbind" as const, "write" as const, "read" as const),
    device: fc.nat(3),
  }),
  fc.record({ kind: fc.constant("revoke" as const), device: fc.nat(3) }),
  fc.record({ kind: fc.constant("revokeAll" as const), user: fc.nat(2), exceptDevice: fc.option(fc.nat(3)) }),
  fc.record({ kind: fc.constant("bump" as const), user: fc.nat(2) }),
  fc.record({ kind: fc.constant("wait" as const), seconds: fc.constantFrom(10, 700, 4000) }),
);

describe("users: events, list entries and refs", () => {
  it("never carry a session id, a cookie value or the user id, over random flows", async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(userId, { minLength: 3, maxLength: 3 }),
        fc.array(step, { minLength: 1, maxLength: 25 }),
        async (users, steps) => {
          const clock = fakeClock();
          const store = countingStore(memoryStore({ clock }));
          const events: SessionEvent[] = [];
          const versions = new Map<string, number>();
          const sessions = createSessions({
            secrets: SECRET,
            store,
            clock,
            maxAge: 3600,
            touchAfter: 600,
            userVersion: (user) => versions.get(user) ?? 0,
            onEvent: (event) => events.push(event),
          });
          const jars = [new CookieJar(), new CookieJar(), new CookieJar(), new CookieJar()];
          const refs = new Map<number, string>();
          /** What a leak would show: everything the client ever held, and the user ids. */
          const secrets = new Set<string>(users);
          /** What may be shown: events, list entries, refs. */
          const shown: string[] = [];
          for (const action of steps) {
            seen.add(action.kind);
            switch (action.kind) {
              case "login":
              case "bind":
              case "logout":
              case "regenerate":
              case "unbind":
              case "write":
              case "read": {
                const jar = jars[action.device]!;
                const handle = await sessions.open(jar.request("https://shop.test/"));
                const session = await handle.session();
                if (action.kind === "login") session.regenerate();
                if (action.kind === "login" || action.kind === "bind") session.setUser(users[action.user]!);
                if (action.kind === "logout") session.destroy();
                if (action.kind === "regenerate") session.regenerate();
                if (action.kind === "unbind") session.setUser(null);
                if (action.kind === "write") session.set("n", action.device);
                const response = await handle.commit(new Response());
                for (const line of response.headers.getSetCookie()) {
                  const value = line.slice(line.indexOf("=") + 1).split(";")[0]!;
                  if (value) secrets.add(value).add(value.split(".")[0]!);
                }
                jar.apply(response);
                if (session.ref !== undefined) {
                  refs.set(action.device, session.ref);
                  shown.push(session.ref);
                }
                break;
              }
              case "revoke": {
                const ref = refs.get(action.device);
                if (ref) await sessions.revoke(ref);
                break;
              }
              case "revokeAll": {
                const except = action.exceptDevice === null ? undefined : refs.get(action.exceptDevice);
                await sessions.revokeAll(users[action.user]!, { except });
                break;
              }
              case "bump":
                versions.set(users[action.user]!, (versions.get(users[action.user]!) ?? 0) + 1);
                break;
              case "wait":
                clock.advance(action.seconds);
                break;
            }
            for (const user of users) {
              const listed = await sessions.list(user);
              if (listed.length > 0) seen.add("listed");
              shown.push(JSON.stringify(listed));
            }
          }
          for (const event of events) seen.add(`event:${event.type}`);
          shown.push(...events.map((event) => JSON.stringify({ ...event, error: (event as { error?: Error }).error?.message })));
          for (const text of shown) for (const secret of secrets) expect(text).not.toContain(secret);
          for (const key of store.written) for (const user of users) expect(key).not.toContain(user);
        },
      ),
      { numRuns: 150 },
    );
    // The flows reach every action, non-empty lists, and the revoked event.
    for (const kind of [
      "bind",
      "bump",
      "login",
      "logout",
      "read",
      "regenerate",
      "revoke",
      "revokeAll",
      "unbind",
      "wait",
      "write",
      "listed",
      "event:revoked",
    ]) {
      expect(seen).toContain(kind);
    }
  });
});
