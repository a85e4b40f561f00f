// The README's quick starts as pasted: each file block of the "## Quick start" section is its file
// under examples/quickstart/, byte for byte, and each program runs in its own runtime on a free
// loopback port (Node, the `bun` and `deno` binaries, workerd through Miniflare) and counts visits.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { OLD_SECRET, SECRET } from "./helpers.js";
import { commandLine, readQuickStartSection, titledBlocks } from "./quickstart-readme.js";
import { bundleWorker } from "./runtimes/bundle-worker.js";
import { type RunningServer, startServerProcess } from "./runtimes/cart-process.js";

const DIR = "examples/quickstart";
const FILES = ["node.ts", "bun.ts", "deno.ts", "wrangler.toml", "worker.ts"].map((name) => `${DIR}/${name}`);
/** Two secrets, newest first, as users put them in SESSION_SECRETS. */
const SESSION_SECRETS = `${SECRET} ${OLD_SECRET}`;
const section = readQuickStartSection();

describe("the README's Quick start section", () => {
  it("shows each quick start file verbatim, and no other file", () => {
    const blocks = titledBlocks(section);
    expect([...blocks.keys()]).toEqual(FILES);
    for (const [path, text] of blocks) expect(text, path).toBe(readFileSync(path, "utf8"));
  });

  it("tells users what to install and how to set the secrets", () => {
    expect(commandLine(section, "npm install coatcheck @hono/node-server")).toEqual(["npm", "install", "coatcheck", "@hono/node-server"]);
    expect(commandLine(section, "bun add")).toEqual(["bun", "add", "coatcheck"]);
    expect(commandLine(section, "npm install --save-dev")).toEqual(["npm", "install", "--save-dev", "wrangler"]);
    expect(section).toContain('export SESSION_SECRETS="$(openssl rand -base64 32)"');
    expect(section).toContain('echo "SESSION_SECRETS=$(openssl rand -base64 32)" > .dev.vars');
    for (const file of ["node.ts", "bun.ts", "deno.ts"]) expect(readFileSync(`${DIR}/${file}`, "utf8"), file).toContain('.split(" ")');
  });
});

describe("each quick start, run as pasted", () => {
  const denoDir = mkdtempSync(join(tmpdir(), "coatcheck-quickstart-deno-"));
  const servers: Partial<Record<"node" | "bun" | "deno", RunningServer>> = {};
  let mf: Miniflare | undefined;
  let workerOrigin = "";

  beforeAll(async () => {
    const started = await Promise.allSettled([
      startNode().then((server) => (servers.node = server)),
      startBun().then((server) => (servers.bun = server)),
      startDeno(denoDir).then((server) => (servers.deno = server)),
      startWorker().then(async (started) => {
        mf = started;
        workerOrigin = (await started.ready).origin;
      }),
    ]);
    const failure = started.find((result) => result.status === "rejected");
    if (failure) throw failure.reason;
  });
  afterAll(async () => {
    await Promise.all([...Object.values(servers).map((server) => server.stop()), mf?.dispose()]);
    rmSync(denoDir, { recursive: true, force: true });
  });

  it("Node (@hono/node-server, memory store)", () => expectVisitsCounted(servers.node!.url));
  it("Bun (Bun.serve, memory store)", () => expectVisitsCounted(servers.bun!.url));
  it("Deno (Deno.serve, Deno KV)", () => expectVisitsCounted(servers.deno!.url));
  it("Cloudflare Workers (workerd, Workers KV)", () => expectVisitsCounted(workerOrigin));
});

/**
 * Node 20 cannot run TypeScript (`node node.ts` needs Node 22.18 or later), so the file is bundled
 * by esbuild as is, then run by this Node.
 */
async function startNode(): Promise<RunningServer> {
  const outfile = "node_modules/.cache/coatcheck-quickstart/node.mjs";
  await build({
    entryPoints: [`${DIR}/node.ts`],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "silent",
  });
  return startServerProcess(process.execPath, [outfile], { SESSION_SECRETS });
}

/** The README's `bun` command. */
function startBun(): Promise<RunningServer> {
  const [, ...args] = commandLine(section, "bun bun.ts");
  return startServerProcess("node_modules/.bin/bun", args.map(inQuickstartDir), { SESSION_SECRETS });
}

/**
 * The README's `deno run` command plus `--cached-only` (this checkout is offline: `npm:coatcheck`
 * resolves to the repository's own build through its package.json and node_modules), with a
 * DENO_DIR of its own so that `Deno.openKv()`'s default database starts empty and is removed after.
 */
function startDeno(denoDir: string): Promise<RunningServer> {
  const [, run, ...args] = commandLine(section, "deno run");
  return startServerProcess("node_modules/.bin/deno", [run!, "--cached-only", ...args.map(inQuickstartDir)], {
    SESSION_SECRETS,
    DENO_DIR: denoDir,
    DENO_NO_UPDATE_CHECK: "1",
  });
}

/** The Worker as its wrangler.toml declares it, bundled with esbuild as `wrangler dev` would. */
async function startWorker(): Promise<Miniflare> {
  const { main, workerOptions } = unstable_getMiniflareWorkerOptions(`${DIR}/wrangler.toml`);
  return new Miniflare({
    modules: true,
    script: await bundleWorker({ entryPoint: main! }),
    compatibilityDate: workerOptions.compatibilityDate,
    compatibilityFlags: workerOptions.compatibilityFlags,
    kvNamespaces: Object.keys(workerOptions.kvNamespaces ?? {}),
    // What `.dev.vars` gives `wrangler dev`.
    bindings: { SESSION_SECRETS },
    host: "127.0.0.1",
    port: 0,
    // Miniflare's placeholder `request.cf` instead of one fetched from the network.
    cf: false,
  });
}

/** A README path is relative to the quick start's folder; the test runs from the repository root. */
function inQuickstartDir(arg: string): string {
  return arg.endsWith(".ts") ? `${DIR}/${arg}` : arg;
}

/** Three visits with the cookie carried by hand count 1, 2, 3; a client without it starts at 1. */
async function expectVisitsCounted(origin: string): Promise<void> {
  const first = await fetch(`${origin}/`);
  expect(await first.text()).toBe("Visits: 1\n");
  let cookie = expectHostCookie(first);
  for (const visit of [2, 3]) {
    const response = await fetch(`${origin}/`, { headers: { cookie } });
    expect(await response.text()).toBe(`Visits: ${visit}\n`);
    if (response.headers.getSetCookie().length > 0) cookie = expectHostCookie(response);
  }
  const stranger = await fetch(`${origin}/`);
  expect(await stranger.text()).toBe("Visits: 1\n");
  expect(expectHostCookie(stranger)).not.toBe(cookie);
}

/** The one Set-Cookie is a `__Host-sid` cookie: Secure, HttpOnly, Path=/ and no Domain. Returns its name=value. */
function expectHostCookie(response: Response): string {
  const lines = response.headers.getSetCookie();
  expect(lines).toHaveLength(1);
  const [pair, ...attributes] = lines[0]!.split(/;\s*/);
  expect(pair).toMatch(/^__Host-sid=[\w.-]+$/);
  expect(attributes).toEqual(expect.arrayContaining(["Secure", "HttpOnly", "Path=/"]));
  expect(attributes.filter((attribute) => /^domain=/i.test(attribute))).toEqual([]);
  return pair!;
}
