// Runs the shared store conformance suite inside the real `bun` binary, against `bun:sqlite`
// (in memory). Spawned by test/runtimes/sql-bun.test.ts, which parses the lines that report-cases.ts
// prints.
// Run by hand: node_modules/.bin/bun test/runtimes/entries/sql-bun-runner.ts
import { Database } from "bun:sqlite";
import { sqlStore } from "../../../adapters/sql.js";
import { collectStoreConformance } from "../../../src/testing.js";
import { reportCases } from "./report-cases.js";
import { SQL_CAPABILITIES } from "./sql-capabilities.js";

const cases = collectStoreConformance({
  name: "sql (bun:sqlite)",
  async create(clock) {
    const db = new Database(":memory:");
    return { store: sqlStore(db, { clock, createTable: true }), cleanup: () => db.close() };
  },
  capabilities: SQL_CAPABILITIES,
});
await reportCases(cases);
