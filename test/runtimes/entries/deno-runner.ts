// Runs the shared store conformance suite inside the real `deno` binary, against
// `Deno.openKv(":memory:")`. Spawned by test/runtimes/deno-kv.test.ts, which parses the lines that
// report-cases.ts prints.
// Run by hand: DENO_NO_UPDATE_CHECK=1 node_modules/.bin/deno run --no-config --no-npm --no-remote \
//   --sloppy-imports --unstable-kv test/runtimes/entries/deno-runner.ts
import { type DenoKvLike, denoKVStore } from "../../../adapters/deno-kv.js";
import { collectStoreConformance } from "../../../src/testing.js";
import { DENO_KV_CAPABILITIES } from "./deno-kv-capabilities.js";
import { reportCases } from "./report-cases.js";

// Only what this file uses; the real global comes from the Deno runtime.
declare const Deno: { openKv(path: string): Promise<DenoKvLike & { close(): void }> };

const cases = collectStoreConformance({
  name: "deno-kv (Deno)",
  async create(clock) {
    const kv = await Deno.openKv(":memory:");
    return { store: denoKVStore(kv, { clock }), cleanup: () => kv.close() };
  },
  capabilities: DENO_KV_CAPABILITIES,
});
await reportCases(cases);
