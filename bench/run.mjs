// Builds the benchmark from the TypeScript sources with esbuild and runs it:
//   node bench/run.mjs node|bun|deno [--quick] [--baseline <ref>]   the in-process benchmark under that runtime
//   node bench/run.mjs http                                         the HTTP load figure (Node server on 127.0.0.1, autocannon)
//   node bench/run.mjs workerd [--quick]                            coatcheck in workerd (Miniflare): Durable Objects beside Workers KV
//   node bench/run.mjs growth [--quick]                             growth curves under Node (size, keys, secrets, tabs, heap per session)
// --quick (or BENCH_QUICK=1) is a smoke run: few users and rounds, nothing written to bench/results/.
// --baseline <ref> (or BENCH_BASELINE=<ref>) also runs coatcheck as it was at that git ref, in the
// same interleaved rounds, and writes bench/results/<runtime>-baseline.md instead of <runtime>.md.
// Peer libraries stay external and load from node_modules; coatcheck is bundled from src/ so the
// figures are for the code in this checkout, built or not. The build goes to node_modules/.cache/
// (ignored by git and the linter; packages still resolve from there); results go to bench/results/.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { extractBaseline } from "./baseline.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { quick: { type: "boolean", default: false }, baseline: { type: "string" } },
});
const target = positionals[0] ?? "node";
const quick = values.quick || process.env.BENCH_QUICK === "1";
const baselineRef = values.baseline ?? process.env.BENCH_BASELINE ?? "";

// One build folder per checkout: git worktrees may share one node_modules, and a bench running in one
// must not have its build replaced by another's.
const checkout = createHash("sha256").update(root).digest("hex").slice(0, 12);
const out = join(root, "node_modules", ".cache", `coatcheck-bench-${checkout}`);

const binary = (name) => join(root, "node_modules", ".bin", name);
const inProcess = join(out, "in-process.mjs");
const commands = {
  node: [process.execPath, [inProcess]],
  bun: [binary("bun"), [inProcess]],
  deno: [binary("deno"), ["run", "--allow-all", inProcess]],
  http: [process.execPath, [join(out, "http.mjs")]],
  workerd: [process.execPath, [join(out, "workerd.mjs")]],
  // --expose-gc: the heap per live session is read after full collections.
  growth: [process.execPath, ["--expose-gc", join(out, "growth.mjs")]],
};
const command = commands[target];
if (!command) {
  console.error(`usage: node bench/run.mjs ${Object.keys(commands).join("|")} [--quick] [--baseline <ref>]`);
  process.exit(2);
}
if (target === "http" && (quick || baselineRef)) {
  console.error("--quick and --baseline apply to the in-process benchmark (node, bun, deno), not to http");
  process.exit(2);
}
if ((target === "workerd" || target === "growth") && baselineRef) {
  console.error(`--baseline applies to the in-process benchmark (node, bun, deno), not to ${target}`);
  process.exit(2);
}

const entryPoints = [
  { in: join(root, "bench", "in-process.ts"), out: "in-process" },
  { in: join(root, "bench", "http.ts"), out: "http" },
  { in: join(root, "bench", "http-server.ts"), out: "http-server" },
  { in: join(root, "bench", "workerd.ts"), out: "workerd" },
  { in: join(root, "bench", "growth.ts"), out: "growth" },
];
const env = { ...process.env, BENCH_QUICK: quick ? "1" : "" };
if (baselineRef) {
  const baseline = await extractBaseline(root, baselineRef);
  entryPoints.push({ in: baseline.entry, out: "baseline" });
  Object.assign(env, { BENCH_BASELINE: baselineRef, BENCH_BASELINE_COMMIT: baseline.commit });
  console.error(`[bench] baseline ${baselineRef} is ${baseline.commit}`);
}

await rm(out, { recursive: true, force: true });
await build({
  entryPoints,
  outdir: out,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "es2022",
  packages: "external",
  logLevel: "warning",
});

const child = spawn(command[0], command[1], { cwd: root, stdio: "inherit", env });
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
