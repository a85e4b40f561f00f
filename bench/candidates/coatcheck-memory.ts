// The coatcheck (memory) candidate: `withSession` over the memory store, its calls counted.
import { memoryStore } from "../../adapters/memory.js";
import { withSession } from "../../src/index.js";
import { type CoatcheckBuild, coatcheckApp, countingStore } from "./coatcheck-app.js";
import type { Candidate } from "./shared.js";

/** The candidate built from `build`; `label` (e.g. " @HEAD~1") tells a baseline's apart. */
export function coatcheckMemoryCandidate(build: CoatcheckBuild, label = "", origin = ""): Candidate {
  return {
    name: `coatcheck (memory)${label}`,
    floor: "fetch",
    store: "server",
    note: `\`withSession\` + \`memoryStore({ maxEntries: 100_000 })\` (room for every S3 visitor, so none evicts a logged-in user), store wrapped by a counter${origin}`,
    async create() {
      const { store, counts } = countingStore(build.memoryStore({ maxEntries: 100_000 }));
      return { fetch: coatcheckApp(build, store), counts };
    },
  };
}

export const coatcheckMemory = coatcheckMemoryCandidate({ withSession, memoryStore });
