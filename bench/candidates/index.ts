// The list the in-process bench runs: coatcheck (and a baseline commit's coatcheck when asked), then
// the libraries a user would pick instead, in the order the notes print them; and the floors.
//
// Libraries with an explicit API (react-router, iron-session, h3) are not called at all on /s4;
// middleware (coatcheck's wrapper, hono-sessions, express-session) runs anyway.
import { baselineCandidates } from "./coatcheck-baseline.js";
import { coatcheckCookie } from "./coatcheck-cookie.js";
import { coatcheckMemory } from "./coatcheck-memory.js";
import { coatcheckPostgres, coatcheckSqlite } from "./coatcheck-sql.js";
import { connectPgSimpleCandidate } from "./connect-pg-simple.js";
import { expressSession } from "./express-session.js";
import { h3Sessions } from "./h3-session.js";
import { honoSessions } from "./hono-sessions.js";
import { ironSession } from "./iron-session.js";
import { remixCookieStorage } from "./react-router-cookie.js";
import { remixMemory } from "./react-router-memory.js";
import { redisCandidates } from "./redis.js";
import type { Candidate } from "./shared.js";

export { floors } from "./floors.js";
export type { Candidate, Floor, Instance } from "./shared.js";

declare const Deno: unknown;
declare const Bun: unknown;

/** The SQL candidates run their database clients (pg, better-sqlite3's native module) under Node only. */
function sqlCandidates(): (Candidate | string)[] {
  const sql = [coatcheckPostgres, coatcheckSqlite, connectPgSimpleCandidate];
  if (typeof Deno === "undefined" && typeof Bun === "undefined") return sql;
  return sql.map((candidate) => `${candidate.name}: measured under Node only (\`npm run bench\`)`);
}

/** Every candidate that can be constructed here; a string names one that cannot, and why. */
export async function candidates(): Promise<(Candidate | string)[]> {
  return [
    coatcheckMemory,
    coatcheckCookie,
    ...sqlCandidates(),
    ...(await baselineCandidates()),
    remixMemory,
    remixCookieStorage,
    ironSession,
    honoSessions,
    h3Sessions,
    expressSession,
    ...redisCandidates(),
  ];
}
