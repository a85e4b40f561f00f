// The react-router memory candidate: `createSessionStorage` with `createMemorySessionStorage`'s own
// Map strategy, copied so its reads and writes can be counted (and, for the growth curves, delayed).
import { createSessionStorage } from "react-router";
import { type StoreCounts, sleep, zeroCounts } from "../harness.js";
import { type RemixData, type RemixStorage, remixApp, remixCookie } from "./react-router-app.js";
import type { Candidate } from "./shared.js";

/** What `createMemorySessionStorage` keeps per id. */
export type RemixMap = Map<string, { data: unknown; expires: Date | undefined }>;

export interface RemixMemoryOptions {
  counts?: StoreCounts;
  secrets?: string[];
  /** Shared by two storages with different secrets (one logs users in, the other is measured). */
  map?: RemixMap;
  /** Each strategy call first waits this long, as a networked store would. */
  latencyMs?: number;
}

/** createMemorySessionStorage (react-router 7, lib/server-runtime/sessions/memoryStorage.ts): this strategy over createSessionStorage. */
export function remixMemoryStorage({ counts = zeroCounts(), secrets, map = new Map(), latencyMs = 0 }: RemixMemoryOptions): RemixStorage {
  return createSessionStorage<RemixData>({
    cookie: remixCookie(secrets),
    async createData(data, expires) {
      counts.writes++;
      if (latencyMs > 0) await sleep(latencyMs);
      const id = Math.random().toString(36).substring(2, 10);
      map.set(id, { data, expires });
      return id;
    },
    async readData(id) {
      counts.reads++;
      if (latencyMs > 0) await sleep(latencyMs);
      const entry = map.get(id);
      if (entry) {
        if (!entry.expires || entry.expires > new Date()) return entry.data as never;
        map.delete(id);
      }
      return null;
    },
    async updateData(id, data, expires) {
      counts.writes++;
      if (latencyMs > 0) await sleep(latencyMs);
      map.set(id, { data, expires });
    },
    async deleteData(id) {
      counts.deletes++;
      if (latencyMs > 0) await sleep(latencyMs);
      map.delete(id);
    },
  });
}

export const remixMemory: Candidate = {
  name: "react-router memory",
  floor: "fetch",
  store: "server",
  note: "`createSessionStorage` with `createMemorySessionStorage`'s own Map strategy (copied verbatim) plus counters, signed cookie",
  async create() {
    const counts = zeroCounts();
    return { fetch: remixApp(remixMemoryStorage({ counts })), counts };
  },
};
