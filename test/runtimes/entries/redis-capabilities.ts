import type { ConformanceTarget } from "../../../src/testing.js";

/** The Redis store's conformance capabilities, shared by the Node and the Bun runs: under the 1 MiB `maxBytes` default. */
export const REDIS_CAPABILITIES: ConformanceTarget["capabilities"] = { compareAndSet: true, largeValueBytes: 1_000_000 };
