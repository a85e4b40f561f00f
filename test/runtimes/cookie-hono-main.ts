// Entry for Deno and Bun: runs the cookie-store and Hono cases and prints one JSON line per case.
import { runCookieHonoCases } from "./cookie-hono-cases.js";

for (const result of await runCookieHonoCases({
  SESSION_SECRETS: "runtime-secret-runtime-secret-runtime-01 older-secret-older-secret-older-secret-02",
})) {
  console.log(JSON.stringify(result));
}
