/** The app's sessions: one `createSessions` for the server, opened per request in src/hooks.server.ts. */

import { createSessions } from "coatcheck";
import { memoryStore } from "coatcheck/adapters/memory";
import { env } from "$env/dynamic/private";

export type Data = { cart?: Record<string, number> };

// Any coatcheck store: redisStore(client), sqlStore(db), … created once, here, outside the function.
const store = memoryStore();

// Options as a function: SvelteKit imports this module at build time to analyse the app, when the
// secrets are not set (and must not be: `$env/static/private` would write them into the build).
// The function runs on the first request instead, and its result is kept.
export const sessions = createSessions<Data>(() => ({ secrets: (env.SESSION_SECRETS ?? "").split(" "), store }));
