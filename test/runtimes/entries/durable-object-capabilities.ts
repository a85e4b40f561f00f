import type { ConformanceTarget } from "../../../src/testing.js";

/** The Durable Object store's conformance capabilities, shared by the workerd run and its test. */
export const DURABLE_OBJECT_CAPABILITIES: ConformanceTarget["capabilities"] = {
  compareAndSet: true,
  // Near the 2 MB a Durable Object's SQLite row holds, sent over RPC in one call.
  largeValueBytes: 1_900_000,
};
