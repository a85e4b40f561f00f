// The scenarios of `npm run bench:ab` and `npm run bench:profile`: one withSession + memoryStore app
// per scenario, built from whichever coatcheck is given (this checkout's src/, or a baseline
// commit's), its users logged in, and the request each user sends in a timed round.
import type { CoatcheckBuild } from "./candidates/coatcheck-app.js";
import type { FetchHandler } from "./harness.js";

export type AbScenario = "read" | "write" | "new" | "keys-read" | "keys-write" | "stale";

export const AB_SCENARIOS: Record<AbScenario, string> = {
  read: "S1: an existing session, read a value",
  write: "S2: read-modify-write",
  new: "S3: a new visitor who gets a session",
  "keys-read": "a 1,000-key session, read a value",
  "keys-write": "a 1,000-key session, read-modify-write",
  stale: "a cookie stamped by an older secret, verified under [new, old]",
};

export const isAbScenario = (name: string): name is AbScenario => Object.hasOwn(AB_SCENARIOS, name);

const BASE = "http://ab.test";
const NEW_SECRET = "ab-secret-new-ab-secret-new-ab-secret-new-01";
const OLD_SECRET = "ab-secret-old-ab-secret-old-ab-secret-old-01";

/** The 999 keys a 1,000-key session holds besides `n`. */
const KEYS: Record<string, string> = {};
for (let i = 1; i < 1000; i++) KEYS[`k${String(i).padStart(4, "0")}`] = `value-${String(i).padStart(4, "0")}`;

/** One scenario of one build, ready to time: `request(user)` is what that user sends in a round. */
export interface Prepared {
  handler: FetchHandler;
  users: number;
  request(user: number): Request;
}

function app(build: CoatcheckBuild, secrets: string[], store: ReturnType<CoatcheckBuild["memoryStore"]>): FetchHandler {
  return build.withSession<Record<string, unknown>>(
    async (request, ctx) => {
      const session = await ctx.session();
      const path = request.url.slice(request.url.lastIndexOf("/"));
      if (path === "/write") session.set("n", ((session.get("n") as number | undefined) ?? 0) + 1);
      else if (path === "/login-keys") for (const [key, value] of Object.entries(KEYS)) session.set(key, value);
      else if (path === "/login") session.set("n", 0);
      return new Response(String(session.get("n") ?? 0));
    },
    { secrets, store },
  );
}

/** Users per scenario: 1,000, or 100 for the 1,000-key sessions. */
export const usersOf = (scenario: AbScenario): number => (scenario.startsWith("keys-") ? 100 : 1000);

export async function prepare(build: CoatcheckBuild, scenario: AbScenario): Promise<Prepared> {
  const users = usersOf(scenario);
  // Room for every session a long run makes (new visitors never come back), so nothing is evicted.
  const store = build.memoryStore({ maxEntries: 10_000_000, maxBytes: 2 * 1024 * 1024 * 1024 });
  const handler = app(build, scenario === "stale" ? [NEW_SECRET, OLD_SECRET] : [NEW_SECRET], store);
  if (scenario === "new") return { handler, users, request: () => new Request(`${BASE}/write`) };

  // "stale": the users logged in while OLD_SECRET signed; the measured app signs with the new one.
  const login = scenario === "stale" ? app(build, [OLD_SECRET], store) : handler;
  const cookies: string[] = [];
  for (let user = 0; user < users; user++) {
    const response = await login(new Request(`${BASE}${scenario.startsWith("keys-") ? "/login-keys" : "/login"}`));
    await response.arrayBuffer();
    const line = response.headers.getSetCookie()[0];
    if (!line) throw new Error(`${scenario}: logging user ${user} in set no cookie`);
    cookies.push(line.slice(0, line.indexOf(";")));
  }
  const path = scenario === "write" || scenario === "keys-write" ? "/write" : "/read";
  return { handler, users, request: (user) => new Request(`${BASE}${path}`, { headers: { cookie: cookies[user]! } }) };
}

/** One round: every user once, in order; returns µs per request. */
export async function round(prepared: Prepared): Promise<number> {
  const start = performance.now();
  for (let user = 0; user < prepared.users; user++) {
    const response = await prepared.handler(prepared.request(user));
    await response.arrayBuffer();
  }
  return ((performance.now() - start) / prepared.users) * 1000;
}
