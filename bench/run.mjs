// Builds the benchmark from the TypeScript sources with esbuild and runs it:
//   node bench/run.mjs node|bun|deno   the in-process benchmark under that runtime
//   node bench/run.mjs http            the HTTP load figure (Node server on 127.0.0.1, autocannon)
// Peer libraries stay external and load from node_modules; coatcheck is bundled from src/ so the
// figures are for the code in this checkout, built or not. The build goes to node_modules/.cache/
// (ignored by git and the linter; packages still resolve from there); results go to bench/results/.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "node_modules", ".cache", "coatcheck-bench");
const target = process.argv[2] ?? "node";

const entryPoints = [
  { in: join(root, "bench", "in-process.ts"), out: "in-process" },
  { in: join(root, "bench", "http.ts"), out: "http" },
  { in: join(root, "bench", "http-server.ts"), out: "http-server" },
];
// The cookie adapter is another engineer's work in progress: measured when it exists.
const cookieAdapter = join(root, "adapters", "cookie.ts");
if (existsSync(cookieAdapter)) entryPoints.push({ in: cookieAdapter, out: "cookie-adapter" });

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

const binary = (name) => join(root, "node_modules", ".bin", name);
const commands = {
  node: [process.execPath, [join(out, "in-process.mjs")]],
  bun: [binary("bun"), [join(out, "in-process.mjs")]],
  deno: [binary("deno"), ["run", "--allow-all", join(out, "in-process.mjs")]],
  http: [process.execPath, [join(out, "http.mjs")]],
};
const command = commands[target];
if (!command) {
  console.error(`usage: node bench/run.mjs ${Object.keys(commands).join("|")}`);
  process.exit(2);
}
const child = spawn(command[0], command[1], { cwd: root, stdio: "inherit" });
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
