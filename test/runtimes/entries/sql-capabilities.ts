// What the SQL store promises the conformance suite, on every client: shared by the Node test files
// and the runner inside `bun`.
import type { KeyValueCapabilities } from "../../../src/testing.js";

export const SQL_CAPABILITIES: KeyValueCapabilities = { compareAndSet: true, largeValueBytes: 1 << 20 };
