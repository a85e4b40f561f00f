// Runs the shared store conformance suite inside the real `deno` binary, against
// `Deno.openKv(":memory:")`. Spawned by test/runtimes/deno-kv.test.ts, which parses the output:
// one JSON line per case ({"case", "ok", "error"?}), then a summary line ({"passed", "failed"}).
// Run by hand: DENO_NO_UPDATE_CHECK=1 node_modules/.bin/deno run --no-config --no-npm --no-remote \
//   --sloppy-imports --unstable-kv test/runtimes/entries/deno-runner.ts
import { type DenoKvLike, denoKVStore } from "../../../adapters/deno-kv.js";
import { collectStoreConformance } from "../../../src/testing.js";
import { DENO_KV_CAPABILITIES } from "./deno-kv-capabilities.js";

// Only what this file uses; the real global comes from the Deno runtime.
declare const Deno: { openKv(path: string): Promise<DenoKvLike & { close(): void }>; exit(code: number): never };

const cases = collectStoreConformance({
  name: "deno-kv (Deno)",
  async create(clock) {
    const kv = await Deno.openKv(":memory:");
    return { store: denoKVStore(kv, { clock }), cleanup: () => kv.close() };
  },
  capabilities: DENO_KV_CAPABILITIES,
});

let failed = 0;
for (const { name, body } of cases) {
  try {
    await body();
    console.log(JSON.stringify({ case: name, ok: true }));
  } catch (error) {
    failed++;
    console.log(JSON.stringify({ case: name, ok: false, error: String((error as Error)?.stack ?? error) }));
  }
}
console.log(JSON.stringify({ passed: cases.length - failed, failed }));
Deno.exit(failed === 0 && cases.length > 0 ? 0 : 1);
