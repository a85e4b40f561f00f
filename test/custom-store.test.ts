// The custom-store example (examples/custom-store/) as its author would run it: the one conformance
// target under vitest (vitest.config.ts includes that file), and here under `node --test`,
// `bun test` and `deno test`, each the real runner binary, offline. Each run must report every case
// the suite defines for the target's capabilities, all passed. docs/testing.md shows these files
// verbatim.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { mapStoreTarget } from "../examples/custom-store/target.ts";
import { collectStoreConformance } from "../src/testing.js";
import { titledBlocks } from "./quickstart-readme.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const DIR = "examples/custom-store";
const CASES = collectStoreConformance(mapStoreTarget).length;

function run(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: root, env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error.code as number | undefined) ?? 1) : 0, output: `${stdout}\n${stderr}` }),
    );
  });
}

describe("a custom store runs coatcheck/testing under every test runner", () => {
  it("defines the suite's cases for a compare-and-set store", () => {
    expect(CASES).toBeGreaterThanOrEqual(14);
  });

  it("node --test", async () => {
    // Node 20 cannot run TypeScript: bundle the file as is (coatcheck/testing included), then run it.
    const outfile = "node_modules/.cache/coatcheck-examples/custom-store-node.test.mjs";
    await build({
      entryPoints: [`${DIR}/node.test.ts`],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile,
      logLevel: "warning",
    });
    const { code, output } = await run(process.execPath, ["--test", "--test-reporter=tap", outfile]);
    expect(output).toContain(`# pass ${CASES}\n`);
    expect(output).toContain("# fail 0\n");
    expect(code, output).toBe(0);
  });

  it("bun test", async () => {
    const { code, output } = await run("node_modules/.bin/bun", ["test", `./${DIR}/bun.test.ts`]);
    expect(output).toMatch(new RegExp(`^ ${CASES} pass$`, "m"));
    expect(output).toMatch(/^ 0 fail$/m);
    expect(code, output).toBe(0);
  });

  it("deno test, offline", async () => {
    // Sloppy imports: the built .d.ts files name their siblings `./x.js`, as tsc writes them.
    const { code, output } = await run("node_modules/.bin/deno", [
      "test",
      "--cached-only",
      "--unstable-sloppy-imports",
      `${DIR}/deno.test.ts`,
    ]);
    expect(output).toContain(`ok | ${CASES} passed | 0 failed`);
    expect(code, output).toBe(0);
  });
});

describe("docs/testing.md", () => {
  it("shows every file of the example verbatim", () => {
    const blocks = titledBlocks(readFileSync("docs/testing.md", "utf8"));
    const files = readdirSync(DIR).filter((file) => file.endsWith(".ts"));
    expect([...blocks.keys()].sort()).toEqual(files.map((file) => `${DIR}/${file}`).sort());
    for (const [path, text] of blocks) expect(text, path).toBe(readFileSync(path, "utf8"));
  });
});
