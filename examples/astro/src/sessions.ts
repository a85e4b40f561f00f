/** The app's sessions: one `createSessions` for the server, opened per request in src/middleware.ts. */
import { createSessions } from "coatcheck";
import { memoryStore } from "coatcheck/adapters/memory";

export type Data = { cart?: Record<string, number> };

// Any coatcheck store: redisStore(client), sqlStore(db), … created once, here, outside the function.
const store = memoryStore();

// Options as a function: read on the first request, not when `astro build` imports this module.
export const sessions = createSessions<Data>(() => ({ secrets: (process.env.SESSION_SECRETS ?? "").split(" "), store }));
