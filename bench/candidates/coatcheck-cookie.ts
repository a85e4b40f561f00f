// The coatcheck (cookie) candidate: `withSession` over the cookie store, the data sealed in the cookie.
import { cookieStore } from "../../adapters/cookie.js";
import { withSession } from "../../src/index.js";
import { type CoatcheckBuild, coatcheckApp } from "./coatcheck-app.js";
import type { Candidate } from "./shared.js";

/** The candidate built from `build`; `label` (e.g. " @HEAD~1") tells a baseline's apart. */
export function coatcheckCookieCandidate(
  build: Pick<CoatcheckBuild, "withSession"> & { cookieStore: typeof cookieStore },
  label = "",
  origin = "",
): Candidate {
  return {
    name: `coatcheck (cookie)${label}`,
    floor: "fetch",
    store: "cookie",
    note: `\`withSession\` + \`cookieStore()\` (JWE via jose)${origin}`,
    async create() {
      return { fetch: coatcheckApp(build, build.cookieStore()) };
    },
  };
}

export const coatcheckCookie = coatcheckCookieCandidate({ withSession, cookieStore });
