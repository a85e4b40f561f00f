// The store conformance suite inside the real `deno` binary (the npm package `deno`), against
// `Deno.openKv(":memory:")`: test/runtimes/entries/deno-runner.ts runs the very cases Node runs,
// offline (no jsr:, npm: or https: imports) and with no permissions at all.
import { describe, it } from "vitest";
import { expectConformanceRun } from "./conformance-run.js";
import { DENO_KV_CAPABILITIES } from "./entries/deno-kv-capabilities.js";

const denoArgs = [
  "run",
  "--no-config",
  "--no-npm",
  "--no-remote",
  "--sloppy-imports",
  "--unstable-kv",
  "test/runtimes/entries/deno-runner.ts",
];

describe("deno-kv store in Deno", () => {
  it("passes every conformance case with Deno.openKv(':memory:')", async () => {
    await expectConformanceRun("deno", denoArgs, { name: "deno-kv (Deno)", capabilities: DENO_KV_CAPABILITIES });
  });
});
