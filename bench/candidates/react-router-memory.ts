// The react-router memory candidate: `createSessionStorage` with `createMemorySessionStorage`'s own
// Map strategy, copied so its reads and writes can be counted.
import { createSessionStorage } from "react-router";
import { zeroCounts } from "../harness.js";
import { remixApp, remixCookie } from "./react-router-app.js";
import type { Candidate } from "./shared.js";

export const remixMemory: Candidate = {
  name: "react-router memory",
  floor: "fetch",
  store: "server",
  note: "`createSessionStorage` with `createMemorySessionStorage`'s own Map strategy (copied verbatim) plus counters, signed cookie",
  async create() {
    const counts = zeroCounts();
    // createMemorySessionStorage (react-router 7, lib/server-runtime/sessions/memoryStorage.ts) is exactly
    // this strategy over createSessionStorage; copied so its reads and writes can be counted.
    const map = new Map<string, { data: unknown; expires: Date | undefined }>();
    const storage = createSessionStorage<{ count: number }>({
      cookie: remixCookie(),
      async createData(data, expires) {
        counts.writes++;
        const id = Math.random().toString(36).substring(2, 10);
        map.set(id, { data, expires });
        return id;
      },
      async readData(id) {
        counts.reads++;
        const entry = map.get(id);
        if (entry) {
          if (!entry.expires || entry.expires > new Date()) return entry.data as never;
          map.delete(id);
        }
        return null;
      },
      async updateData(id, data, expires) {
        counts.writes++;
        map.set(id, { data, expires });
      },
      async deleteData(id) {
        counts.deletes++;
        map.delete(id);
      },
    });
    return { fetch: remixApp(storage), counts };
  },
};
