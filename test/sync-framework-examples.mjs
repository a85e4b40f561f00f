// Before `tsc` checks examples/sveltekit and examples/astro: links `coatcheck` into each (what
// `npm install` does for their `"coatcheck": "file:../.."`), and writes the types each framework
// generates (`svelte-kit sync`: ./$types and $app; `astro sync`: the astro:* modules). No network.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
for (const example of ["examples/sveltekit", "examples/astro"]) {
  const modules = resolve(root, example, "node_modules");
  mkdirSync(modules, { recursive: true });
  if (!existsSync(resolve(modules, "coatcheck"))) symlinkSync("../../..", resolve(modules, "coatcheck"), "dir");
}

const svelteKit = createRequire(import.meta.url)
  .resolve("@sveltejs/kit/package.json")
  .replace(/package\.json$/, "svelte-kit.js");
const kit = spawnSync(process.execPath, [svelteKit, "sync"], { cwd: resolve(root, "examples/sveltekit"), stdio: "inherit" });
if (kit.status !== 0) process.exit(kit.status ?? 1);

process.env.ASTRO_TELEMETRY_DISABLED = "1";
const { sync } = await import("astro");
await sync({ root: resolve(root, "examples/astro"), logLevel: "warn" });
