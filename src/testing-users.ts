// The users cases of the store conformance suite: who is signed in where (`setUser`, `list`,
// `revoke`, `revokeAll`, `userVersion`) on the store under test. The index of a user's sessions
// lives in the store and changes by compare-and-set, so these cases run when the store has it;
// the `userVersion` case runs on every store.
import type { SessionEvent } from "./events.js";
import type { SessionOptions } from "./options.js";
import type { Session } from "./session.js";
import type { AnySessionStore } from "./store.js";
import type { ConformanceFixture } from "./testing.js";
import * as assert from "./testing-assert.js";
import type { CaseRegistry } from "./testing-cases.js";
import { Device, heldWrites, SECRET, whileHeld } from "./testing-helpers.js";
import { userIndexKey } from "./user-index.js";
import { createSessions, type Sessions } from "./with-session.js";

/** Log in, as the README says: a new id, then the user. */
const login =
  (user = "ada") =>
  (session: Session) => {
    session.regenerate();
    session.setUser(user);
  };

const refsOf = (entries: { ref: string }[]) => entries.map((entry) => entry.ref).sort();

/** Registers the users cases, in the suite's order: after the store's own, before the whole sessions. */
export function registerUserCases({ test, sessionTest }: CaseRegistry, { compareAndSet }: { compareAndSet: boolean }): void {
  if (compareAndSet) {
    test(
      "users: 50 concurrent logins of one user from 5 isolates, all loaded and at their first write before any proceeds, are all listed; revokeAll ends all 50",
      fiftyConcurrentLogins,
    );
    test(
      "users (better-auth#11073), a missing index: list and revokeAll find nothing and do not throw; a session found again once it re-registers (login or touch); userVersion ends the rest",
      missingIndex,
    );
    test(
      "users (better-auth#11073), a refresh after revoke: a request in flight when its session was revoked fails with ERR_SESSION_INTERRUPTED and brings nothing back (a write, a touch, a re-login)",
      refreshAfterRevoke,
    );
    test("users (better-auth#11073), a login after revokeAll is listed and works; the revoked sessions stay ended", loginAfterRevokeAll);
    test(
      "users: a session regenerated while another isolate's revokeAll runs does not survive under its new id, whichever lands first",
      regenerateRacingRevokeAll,
    );
    test("users: revokeAll with except keeps exactly that one session", revokeAllExcept);
    test("users: expired sessions are never listed, by the store's expiry or by the policy's", expiredNeverListed);
  }
  sessionTest(
    "users: a bump of userVersion ends the user's sessions on their next load (a revoked event); another user's stay",
    userVersionBump,
  );
}

async function fiftyConcurrentLogins({ store, clock }: ConformanceFixture): Promise<void> {
  const indexKey = await userIndexKey("ada");
  let armed = false;
  // Gate 1: each login's new session record. Gate 2: the index, where each isolate's first
  // index write (an isolate queues its own) meets the other isolates' at compare-and-set.
  const records = heldWrites(store, (key, operation) => armed && key !== indexKey && operation === "compareAndSet");
  const index = heldWrites(records.store, (key) => key === indexKey);
  // A store object of its own per isolate: nothing in the process is shared but the backend.
  const isolates = Array.from({ length: 5 }, () => createSessions({ secrets: SECRET, store: { ...index.store }, clock }));
  const devices = Array.from({ length: 50 }, (_, at) => new Device(isolates[at % 5]!));
  for (const device of devices) await device.visit((session) => session.set("cart", 1));
  armed = true;
  const logins = devices.map((device) => device.visit(login()));
  await whileHeld([records, index], logins, async () => {
    await records.arrived(50);
    records.release();
    await index.arrived(5);
    index.release();
  });
  const sessions = isolates[0]!;
  const refs = (await Promise.all(logins)).map((session) => session.ref!);
  assert.equal(new Set(refs).size, 50);
  assert.deepEqual(refsOf(await sessions.list("ada")), [...refs].sort());
  assert.equal(await sessions.revokeAll("ada"), 50);
  // The index itself is emptied, not left for list to clean.
  const stored = await store.get(indexKey);
  assert.deepEqual(stored ? Object.keys(JSON.parse(stored.value)) : [], []);
  assert.deepEqual(await sessions.list("ada"), []);
  for (const device of devices) {
    const session = await device.visit();
    assert.equal(session.user, undefined);
    assert.equal(session.isNew, true);
  }
}

async function missingIndex({ store, clock }: ConformanceFixture): Promise<void> {
  const versions = new Map([["ada", 1]]);
  const sessions = createSessions({
    secrets: SECRET,
    store,
    clock,
    maxAge: 3600,
    touchAfter: 60,
    userVersion: (user) => versions.get(user) ?? 0,
  });
  const [lost, relogged, touched] = [new Device(sessions), new Device(sessions), new Device(sessions)];
  for (const device of [lost, relogged, touched]) await device.visit(login());
  await store.delete(await userIndexKey("ada"));
  assert.deepEqual(await sessions.list("ada"), []);
  assert.equal(await sessions.revokeAll("ada"), 0);
  // Re-registered: a new login, and an unmodified request once touchAfter has passed.
  const again = await relogged.visit(login());
  clock.advance(61);
  const touch = await touched.visit();
  assert.deepEqual(refsOf(await sessions.list("ada")), [again.ref!, touch.ref!].sort());
  assert.equal(await sessions.revokeAll("ada"), 2);
  for (const device of [relogged, touched]) assert.equal((await device.visit()).user, undefined);
  // The guarantee's limit: a session the lost index held and that has not re-registered since
  // is not found by revokeAll. The app's userVersion, bumped with it, ends it on its next load.
  assert.equal((await lost.visit()).user, "ada");
  versions.set("ada", 2);
  const ended = await lost.visit();
  assert.equal(ended.user, undefined);
  assert.equal(ended.isNew, true);
  assert.deepEqual(await sessions.list("ada"), []);
}

async function refreshAfterRevoke({ store, clock }: ConformanceFixture): Promise<void> {
  const sessions = createSessions({ secrets: SECRET, store, clock, maxAge: 3600, touchAfter: 60 });
  const [writer, toucher, relogger] = [new Device(sessions), new Device(sessions), new Device(sessions)];
  for (const device of [writer, toucher, relogger]) await device.visit(login());
  clock.advance(61);
  const inFlight = await Promise.all([writer.begin(), toucher.begin(), relogger.begin()]);
  assert.equal(await sessions.revoke(inFlight[1].session.ref!), true);
  assert.equal(await sessions.revokeAll("ada"), 2);
  inFlight[0].session.set("cart", 2);
  login()(inFlight[2].session);
  for (const request of inFlight) await assert.rejects(request.send(), { code: "ERR_SESSION_INTERRUPTED" });
  assert.deepEqual(await sessions.list("ada"), []);
  for (const device of [writer, toucher, relogger]) {
    const session = await device.visit();
    assert.equal(session.user, undefined);
    assert.equal(session.isNew, true);
  }
}

async function loginAfterRevokeAll({ store, clock }: ConformanceFixture): Promise<void> {
  const sessions = createSessions({ secrets: SECRET, store, clock });
  const [first, second] = [new Device(sessions), new Device(sessions)];
  for (const device of [first, second]) await device.visit(login());
  assert.equal(await sessions.revokeAll("ada"), 2);
  const again = await first.visit(login());
  assert.deepEqual(refsOf(await sessions.list("ada")), [again.ref!]);
  assert.equal((await first.visit()).user, "ada");
  assert.equal((await second.visit()).user, undefined);
  assert.equal(await sessions.revokeAll("ada"), 1);
  assert.equal((await first.visit()).user, undefined);
}

async function regenerateRacingRevokeAll(fixture: ConformanceFixture): Promise<void> {
  const sessions = await regenerateHeldAtIndex(fixture);
  await revokeAllHeldAtOldKey(fixture, sessions);
}

/** (1) The regenerating request is held at its index write while revokeAll runs whole. */
async function regenerateHeldAtIndex({ store, clock }: ConformanceFixture): Promise<Sessions> {
  const indexKey = await userIndexKey("ada");
  let holdIndex = false;
  const first = heldWrites(store, (key) => key === indexKey && holdIndex && !(holdIndex = false));
  const sessions = createSessions({ secrets: SECRET, store: first.store, clock });
  const early = new Device(sessions);
  await early.visit(login());
  holdIndex = true;
  const regenerating = early.visit((session) => session.regenerate());
  await whileHeld([first], [regenerating], async () => {
    await first.arrived(1);
    // From another isolate: this one's index changes queue behind the held one.
    assert.equal(await createSessions({ secrets: SECRET, store: { ...first.store }, clock }).revokeAll("ada"), 1);
    first.release();
  });
  await assert.rejects(regenerating, { code: "ERR_SESSION_INTERRUPTED" });
  assert.equal((await early.visit()).user, undefined);
  assert.deepEqual(await sessions.list("ada"), []);
  return sessions;
}

/**
 * (2) revokeAll is held at its write that ends the old key (a delete, or a compare-and-set of a
 * tombstone where the store has it) while the regenerating request runs whole.
 */
async function revokeAllHeldAtOldKey({ store, clock }: ConformanceFixture, sessions: Sessions): Promise<void> {
  let oldRef: string | undefined;
  const second = heldWrites(
    store,
    (key, operation) => (operation === "delete" || operation === "compareAndSet") && key === oldRef && !(oldRef = undefined),
  );
  const late = new Device(createSessions({ secrets: SECRET, store: second.store, clock }));
  oldRef = (await late.visit(login())).ref;
  const revoking = createSessions({ secrets: SECRET, store: { ...second.store }, clock }).revokeAll("ada");
  await whileHeld([second], [revoking], async () => {
    await second.arrived(1);
    await late.visit((session) => session.regenerate());
    second.release();
  });
  await revoking;
  assert.equal((await late.visit()).user, undefined);
  assert.deepEqual(await sessions.list("ada"), []);
}

async function revokeAllExcept({ store, clock }: ConformanceFixture): Promise<void> {
  const sessions = createSessions({ secrets: SECRET, store, clock });
  const devices = [new Device(sessions), new Device(sessions), new Device(sessions)];
  const refs = [];
  for (const device of devices) refs.push((await device.visit(login())).ref!);
  assert.equal(await sessions.revokeAll("ada", { except: refs[1] }), 2);
  assert.deepEqual(refsOf(await sessions.list("ada")), [refs[1]]);
  assert.deepEqual(await Promise.all(devices.map(async (device) => (await device.visit()).user)), [undefined, "ada", undefined]);
}

async function expiredNeverListed({ store, clock }: ConformanceFixture): Promise<void> {
  const sessions = createSessions({ secrets: SECRET, store, clock, maxAge: 3600 });
  const [older, newer] = [new Device(sessions), new Device(sessions)];
  await older.visit(login());
  clock.advance(1800);
  const kept = await newer.visit(login());
  clock.advance(1801);
  const listed = await sessions.list("ada");
  assert.deepEqual(refsOf(listed), [kept.ref!]);
  assert.equal(listed[0]!.lastSeenAt, clock() - 1801 * 1000);
  // Expired by the policy, though the store still keeps it (maxAge lowered since it was written).
  const shorter = createSessions({ secrets: SECRET, store, clock, maxAge: 1000 });
  assert.deepEqual(await shorter.list("ada"), []);
  clock.advance(1800);
  assert.deepEqual(await sessions.list("ada"), []);
  assert.equal(await sessions.revokeAll("ada"), 0);
}

async function userVersionBump({ store, clock }: ConformanceFixture<AnySessionStore>): Promise<void> {
  const versions = new Map([
    ["ada", 1],
    ["bob", 1],
  ]);
  const events: SessionEvent["type"][] = [];
  const options: SessionOptions = {
    secrets: SECRET,
    store,
    clock,
    userVersion: (user) => versions.get(user) ?? 0,
    onEvent: (event) => events.push(event.type),
  };
  const sessions = createSessions(options);
  const [ada, bob] = [new Device(sessions), new Device(sessions)];
  await ada.visit(login("ada"));
  await bob.visit(login("bob"));
  versions.set("ada", 2);
  events.length = 0;
  const ended = await ada.visit();
  assert.equal(ended.user, undefined);
  assert.equal(ended.isNew, true);
  assert.ok(events.includes("revoked"));
  assert.equal(ada.jar.header(), undefined);
  assert.equal((await bob.visit()).user, "bob");
  await ada.visit(login("ada"));
  assert.equal((await ada.visit()).user, "ada");
}
