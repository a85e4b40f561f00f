// The cookie store (jose, HKDF and AES-GCM through each runtime's Web Crypto) and the Hono
// middleware in the real Deno, Bun and workerd: test/runtimes/entries/cookie-hono-cases.ts, run by each.
// In workerd the Hono app's options come from the Worker's real `env` bindings.
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { describe, expect, it } from "vitest";
import { OLD_SECRET, SECRET } from "../helpers.js";
import { bundleWorker } from "./bundle-worker.js";
import { conformanceCaseNames, parseReportLines, runRuntime } from "./conformance-run.js";
import type { CaseResult } from "./entries/report-cases.js";

/** The case names every runtime must report. */
function expectedCases(): string[] {
  return [...conformanceCaseNames("cookie", { sealed: true }), "hono > the cart flow with options from the bindings"];
}

async function run(runtime: "deno" | "bun", args: string[]): Promise<{ results: CaseResult[]; stderr: string }> {
  const { stdout, stderr } = await runRuntime(runtime, args);
  return { results: parseReportLines(stdout) as CaseResult[], stderr };
}

function expectAllPassed(results: CaseResult[], stderr: string): void {
  expect(
    results.filter((result) => !result.ok).map((result) => `${result.case}\n${result.error}`),
    stderr,
  ).toEqual([]);
  expect(results.map((result) => result.case)).toEqual(expectedCases());
}

describe("cookie store and Hono middleware in other runtimes", () => {
  it("Deno", async () => {
    const { results, stderr } = await run("deno", ["run", "--no-remote", "--sloppy-imports", "test/runtimes/entries/cookie-hono-main.ts"]);
    expectAllPassed(results, stderr);
  });

  it("Bun", async () => {
    const { results, stderr } = await run("bun", ["test/runtimes/entries/cookie-hono-main.ts"]);
    expectAllPassed(results, stderr);
  });

  it("workerd, with the options from the Worker's env bindings", async () => {
    const script = await bundleWorker({
      stdin: {
        contents: `import { runCookieHonoCases } from "./entries/cookie-hono-cases.ts";
          export default { async fetch(_request, env) { return Response.json(await runCookieHonoCases(env)); } };`,
        resolveDir: fileURLToPath(new URL(".", import.meta.url)),
        loader: "ts",
      },
    });
    const mf = new Miniflare({
      modules: true,
      script,
      compatibilityDate: "2026-04-01",
      compatibilityFlags: ["nodejs_compat"],
      bindings: { SESSION_SECRETS: `${SECRET} ${OLD_SECRET}` },
      cf: false,
    });
    try {
      const response = await mf.dispatchFetch("http://localhost/");
      expectAllPassed((await response.json()) as CaseResult[], "");
    } finally {
      await mf.dispose();
    }
  });
});
