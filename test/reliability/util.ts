// Small helpers shared by the reliability suites.
import { storeKeyFor } from "../../src/id.js";
import type { CookieJar } from "../helpers.js";

/** The store key of the session a jar's `sid` cookie names. */
export async function storeKeyOf(jar: CookieJar, cookieName = "sid"): Promise<string> {
  const value = jar.cookies.get(cookieName);
  if (!value) throw new Error(`the jar holds no ${cookieName} cookie`);
  return storeKeyFor(value.slice(0, value.indexOf(".")));
}
