// The JSR package (jsr.json): the same subpaths as package.json, each pointing at the TypeScript
// source its npm build is made from, the same version, and `deno publish --dry-run` passing. The
// dry run type-checks every entry point and applies JSR's "slow types" rules (every exported
// symbol has an explicit type: https://jsr.io/docs/about-slow-types); it needs no network (npm
// dependencies resolve from node_modules, a fresh DENO_DIR is enough). `--sloppy-imports`: the
// sources import `./x.js` as tsc wants, and `deno publish` rewrites those to `./x.ts` in the package.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../", import.meta.url));
const readJson = (file: string) => JSON.parse(readFileSync(join(root, file), "utf8"));
const pkg = readJson("package.json") as { version: string; exports: Record<string, string | Record<string, string>> };
const jsr = readJson("jsr.json") as { name: string; version: string; exports: Record<string, string>; imports: Record<string, string> };

/** The source a built file comes from: `./dist/src/hono.js` is `./src/hono.ts`. */
function sourceOf(built: string): string {
  return built.replace(/^\.\/dist\//, "./").replace(/\.js$/, ".ts");
}

describe("jsr.json", () => {
  it("has package.json's version", () => {
    expect(jsr.name).toBe("@coatcheck/coatcheck");
    expect(jsr.version).toBe(pkg.version);
  });

  it("exports every subpath package.json exports, at the source of its default build", () => {
    const expected = Object.fromEntries(
      Object.entries(pkg.exports)
        .filter(([subpath]) => subpath !== "./package.json")
        // JSR has no export conditions: the `workerd` build (a Durable Object class that extends
        // `cloudflare:workers`) is npm-only; on JSR the subpath is the portable default.
        .map(([subpath, target]) => [subpath, sourceOf((target as Record<string, string>).default!)]),
    );
    expect(jsr.exports).toEqual(expected);
  });

  it("maps the bare imports of the sources to the npm ranges package.json declares", () => {
    const { dependencies, peerDependencies } = readJson("package.json") as Record<string, Record<string, string>>;
    expect(jsr.imports.jose).toBe(`npm:jose@${dependencies!.jose}`);
    // A peer range `>=4` is JSR's `^4`, `>=1.4` its `^1.4`.
    const caretOf = (range: string) => range.replace(/^>=(\d+(?:\.\d+)?)$/, "^$1");
    expect(jsr.imports.hono).toBe(`npm:hono@${caretOf(peerDependencies!.hono!)}`);
    expect(jsr.imports.elysia).toBe(`npm:elysia@${caretOf(peerDependencies!.elysia!)}`);
  });

  it("passes `deno publish --dry-run` (type check and slow types), offline", async () => {
    const denoDir = mkdtempSync(join(tmpdir(), "coatcheck-jsr-"));
    try {
      const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
        execFile(
          join(root, "node_modules/.bin/deno"),
          ["publish", "--dry-run", "--allow-dirty", "--sloppy-imports"],
          { cwd: root, env: { ...process.env, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" }, timeout: 120_000 },
          (error, stdout, stderr) =>
            resolve({ code: error ? ((error.code as number | undefined) ?? 1) : 0, output: `${stdout}\n${stderr}` }),
        );
      });
      expect(output).not.toMatch(/error\[/);
      expect(output).toContain("Success Dry run complete");
      expect(code, output).toBe(0);
      for (const source of Object.values(jsr.exports)) expect(output).toContain(`${source.slice(2)} (`);
      expect(output).not.toMatch(/\.workerd\.ts|\/test\/|\/examples\//);
    } finally {
      rmSync(denoDir, { recursive: true, force: true });
    }
  }, 130_000);
});
