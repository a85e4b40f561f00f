// Runs the shared store conformance suite inside the real `bun` binary, against `bun:sqlite`
// (in memory). Spawned by test/runtimes/sql-bun.test.ts, which parses the output: one JSON line per
// case ({"case", "ok", "error"?}), then a summary line ({"passed", "failed"}).
// Run by hand: node_modules/.bin/bun test/runtimes/entries/sql-bun-runner.ts
import { Database } from "bun:sqlite";
import { sqlStore } from "../../../adapters/sql.js";
import { collectStoreConformance } from "../../../src/testing.js";
import { SQL_CAPABILITIES } from "./sql-capabilities.js";

const cases = collectStoreConformance({
  name: "sql (bun:sqlite)",
  async create(clock) {
    const db = new Database(":memory:");
    return { store: sqlStore(db, { clock, createTable: true }), cleanup: () => db.close() };
  },
  capabilities: SQL_CAPABILITIES,
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
process.exit(failed === 0 && cases.length > 0 ? 0 : 1);
