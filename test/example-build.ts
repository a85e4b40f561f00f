// Builds a framework example (SvelteKit, Astro) the way its users do, into a temporary folder.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");

/**
 * Links `<example>/node_modules/coatcheck` to this repository, as `npm install` does for the
 * example's `"coatcheck": "file:../.."` dependency. The package resolves to the built dist/.
 */
export function linkPackage(example: string): void {
  if (!existsSync(resolve(ROOT, "dist/src/index.js"))) throw new Error("coatcheck is not built: run `npm run build` first");
  const modules = resolve(ROOT, example, "node_modules");
  mkdirSync(modules, { recursive: true });
  if (!existsSync(resolve(modules, "coatcheck"))) symlinkSync("../../..", resolve(modules, "coatcheck"), "dir");
}

/** Runs `node <bin> ...args` in the example's folder; resolves with its output, rejects on a non-zero exit. */
export function runBuild(example: string, bin: string, args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [resolve(ROOT, bin), ...args], {
    cwd: resolve(ROOT, example),
    env: { ...process.env, ...env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  return new Promise((done, fail) => {
    child.once("error", fail);
    child.once("exit", (code) => (code === 0 ? done(output) : fail(new Error(`${bin} ${args.join(" ")} exited ${code}:\n${output}`))));
  });
}
