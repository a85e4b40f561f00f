// The react-router cookie candidate: `createCookieSessionStorage`, the data in a signed cookie.
import { createCookieSessionStorage } from "react-router";
import { type RemixData, remixApp, remixCookie } from "./react-router-app.js";
import type { Candidate } from "./shared.js";

export const remixCookieStorage: Candidate = {
  name: "react-router cookie",
  floor: "fetch",
  store: "cookie",
  note: "`createCookieSessionStorage`, signed cookie",
  async create() {
    return { fetch: remixApp(createCookieSessionStorage<RemixData>({ cookie: remixCookie() })) };
  },
};
