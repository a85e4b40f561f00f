import type { ConformanceTarget } from "../../../src/testing.js";

/** The Deno KV store's conformance capabilities, shared by the Node and the Deno runs. */
export const DENO_KV_CAPABILITIES: ConformanceTarget["capabilities"] = {
  compareAndSet: true,
  // Over Deno KV's 64 KiB value limit, so the suite's large value is split over chunks.
  largeValueBytes: 700_000,
};
