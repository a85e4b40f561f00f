// The cookie store (jose, HKDF and AES-GCM through each runtime's Web Crypto) and the Hono
// middleware in the real Deno, Bun and workerd: test/runtimes/entries/cookie-hono-cases.ts, run by each.
// In workerd the Hono app's options come from the Worker's real `env` bindings.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { describe, expect, it } from "vitest";
import { type ConformanceTarget, collectStoreConformance } from "../../src/testing.js";
import { OLD_SECRET, SECRET } from "../helpers.js";
import type { CaseResult } from "./entries/cookie-hono-cases.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = (name: string) => fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));

/** The case names every runtime must report. */
function expectedCases(): string[] {
  const target: ConformanceTarget = { name: "cookie", create: () => Promise.reject(new Error("not run")), capabilities: { sealed: true } };
  return [...collectStoreConformance(target).map((testCase) => testCase.name), "hono > the cart flow with options from the bindings"];
}

function run(command: string, args: string[]): Promise<{ results: CaseResult[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: root, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" }, timeout: 120_000 },
      (_error, stdout, stderr) => {
        const results = stdout
          .split("\n")
          .filter((line) => line.startsWith("{"))
          .map((line) => JSON.parse(line) as CaseResult);
        resolve({ results, stderr });
      },
    );
  });
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
    const { results, stderr } = await run(bin("deno"), [
      "run",
      "--no-remote",
      "--sloppy-imports",
      "test/runtimes/entries/cookie-hono-main.ts",
    ]);
    expectAllPassed(results, stderr);
  });

  it("Bun", async () => {
    const { results, stderr } = await run(bin("bun"), ["test/runtimes/entries/cookie-hono-main.ts"]);
    expectAllPassed(results, stderr);
  });

  it("workerd, with the options from the Worker's env bindings", async () => {
    const bundle = await build({
      stdin: {
        contents: `import { runCookieHonoCases } from "./entries/cookie-hono-cases.ts";
          export default { async fetch(_request, env) { return Response.json(await runCookieHonoCases(env)); } };`,
        resolveDir: fileURLToPath(new URL(".", import.meta.url)),
        loader: "ts",
      },
      bundle: true,
      format: "esm",
      platform: "browser",
      conditions: ["workerd", "worker", "browser"],
      external: ["node:*"],
      target: "es2022",
      write: false,
      logLevel: "silent",
    });
    const mf = new Miniflare({
      modules: true,
      script: bundle.outputFiles[0]!.text,
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
