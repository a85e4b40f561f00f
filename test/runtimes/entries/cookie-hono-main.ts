// Entry for Deno and Bun: runs the cookie-store and Hono cases and prints one JSON line per case.
import { OLD_SECRET, SECRET } from "../../helpers.js";
import { runCookieHonoCases } from "./cookie-hono-cases.js";

for (const result of await runCookieHonoCases({ SESSION_SECRETS: `${SECRET} ${OLD_SECRET}` })) {
  console.log(JSON.stringify(result));
}
