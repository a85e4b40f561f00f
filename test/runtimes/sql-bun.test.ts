// The SQL store's conformance suite inside the real `bun` binary (the npm package `bun`), against
// `bun:sqlite`: test/runtimes/entries/sql-bun-runner.ts runs the very cases Node runs.
import { describe, it } from "vitest";
import { expectConformanceRun } from "./conformance-run.js";
import { SQL_CAPABILITIES } from "./entries/sql-capabilities.js";

describe("sql store in Bun", () => {
  it("passes every conformance case with bun:sqlite", async () => {
    await expectConformanceRun("bun", ["test/runtimes/entries/sql-bun-runner.ts"], {
      name: "sql (bun:sqlite)",
      capabilities: SQL_CAPABILITIES,
    });
  }, 130_000);
});
