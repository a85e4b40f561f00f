// Builds the benchmark from the TypeScript sources with esbuild and runs it:
//   node bench/run.mjs node|bun|deno [--quick] [--baseline <ref>]   the in-process benchmark under that runtime
//   node bench/run.mjs http                                         the HTTP load figure (Node server on 127.0.0.1, autocannon)
//   node bench/run.mjs workerd [--quick]                            coatcheck in workerd (Miniflare): Durable Objects beside Workers KV
//   node bench/run.mjs growth [--quick]                             growth curves under Node (size, keys, secrets, tabs, heap per session)
//   node bench/run.mjs ab <ref> [scenario...]                       a paired A/B of this checkout against <ref>, one Node process, prints only
//   node bench/run.mjs profile [scenario]                           one scenario under node --cpu-prof; prints the top self-time functions
// Scenarios of ab and profile (bench/ab-scenarios.ts): read, write, new, keys-read, keys-write, stale.
// --quick (or BENCH_QUICK=1) is a smoke run: few users and rounds, nothing written to bench/results/.
// --baseline <ref> (or BENCH_BASELINE=<ref>) also runs coatcheck as it was at that git ref, in the
// same interleaved rounds, and writes bench/results/<runtime>-baseline.md instead of <runtime>.md.
// Peer libraries stay external and load from node_modules; coatcheck is bundled from src/ so the
// figures are for the code in this checkout, built or not. The build goes to node_modules/.cache/
// (ignored by git and the linter; packages still resolve from there); results go to bench/results/.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
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
  // ab: the ref is extracted as the baseline below; the scenarios go on to bench/ab.ts.
  ab: [process.execPath, [join(out, "ab.mjs"), ...positionals.slice(2)]],
  // profile: the .cpuprofile lands in the build folder, and bench/profile-top.ts reads it afterwards.
  profile: [process.execPath, ["--cpu-prof", `--cpu-prof-dir=${join(out, "profile")}`, join(out, "profile.mjs"), ...positionals.slice(1)]],
};
const command = commands[target];
if (!command) {
  console.error(`usage: node bench/run.mjs ${Object.keys(commands).join("|")} [--quick] [--baseline <ref>]`);
  process.exit(2);
}
if ((target === "ab" || target === "profile") && (values.quick || values.baseline)) {
  console.error(`--quick and --baseline apply to the in-process benchmark (node, bun, deno), not to ${target}`);
  process.exit(2);
}
if (target === "ab" && !positionals[1]) {
  console.error("usage: node bench/run.mjs ab <git ref> [read|write|new|keys-read|keys-write|stale ...]");
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

const entry = (name) => ({ in: join(root, "bench", `${name}.ts`), out: name });
const entryNames = { ab: ["ab"], profile: ["profile", "profile-top"] }[target] ?? [
  "in-process",
  "http",
  "http-server",
  "workerd",
  "growth",
];
const entryPoints = entryNames.map(entry);
const env = { ...process.env, BENCH_QUICK: quick ? "1" : "" };
const baselineOf = target === "ab" ? positionals[1] : baselineRef;
if (baselineOf) {
  const baseline = await extractBaseline(root, baselineOf);
  entryPoints.push({ in: baseline.entry, out: "baseline" });
  Object.assign(env, { BENCH_BASELINE: baselineOf, BENCH_BASELINE_COMMIT: baseline.commit });
  console.error(`[bench] baseline ${baselineOf} is ${baseline.commit}`);
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
  // The profile names functions by their TypeScript source, through the bundle's source maps.
  sourcemap: target === "profile",
  logLevel: "warning",
});

const run = (file, args) =>
  new Promise((done) => {
    const child = spawn(file, args, { cwd: root, stdio: "inherit", env });
    child.on("exit", (code, signal) => done(signal ? 1 : (code ?? 1)));
  });
let code = await run(command[0], command[1]);
if (target === "profile" && code === 0) {
  const profiles = (await readdir(join(out, "profile"))).filter((name) => name.endsWith(".cpuprofile"));
  if (profiles.length !== 1) throw new Error(`expected one .cpuprofile in ${join(out, "profile")}, found ${profiles.length}`);
  console.log(`[bench] profile: ${join(out, "profile", profiles[0])}`);
  code = await run(process.execPath, [join(out, "profile-top.mjs"), join(out, "profile", profiles[0]), root, out]);
}
process.exit(code);
