// The published package as a user gets it: `npm pack` run on a copy of the working tree without
// dist/ (so `prepack` must build it), the tarball unpacked into a fresh folder's node_modules next to
// the dependencies it declares, and every export subpath loaded from there by Node (import and
// require) and by Deno. Also checks what the tarball ships: every file the exports point to, the
// LICENSE, the sources the maps name, and no tests or stale build output.
//
// The dependencies are copied from this repo's node_modules rather than fetched, so the test runs
// offline and always against the locked versions.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, posix, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleWorker } from "./runtimes/bundle-worker.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const isWindows = process.platform === "win32";

interface PackageJson {
  name: string;
  version: string;
  exports: Record<string, string | ({ types: string; default: string } & Record<string, string>)>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

// The runtime exports each subpath must have. A subpath missing here fails the test below, so a new
// entry point gets its line.
const EXPECTED_EXPORTS: Record<string, string[]> = {
  coatcheck: ["withSession", "createSessions", "Session", "SessionError"],
  "coatcheck/adapters/memory": ["memoryStore"],
  "coatcheck/adapters/cloudflare-kv": ["cloudflareKVStore"],
  "coatcheck/adapters/deno-kv": ["denoKVStore"],
  "coatcheck/adapters/redis": ["redisStore"],
  "coatcheck/adapters/sql": ["sqlStore", "sqlStoreSchema"],
  "coatcheck/adapters/cookie": ["cookieStore"],
  "coatcheck/adapters/durable-object": ["durableObjectStore", "CoatcheckSessionObject"],
  "coatcheck/hono": ["session"],
  "coatcheck/elysia": ["session"],
  "coatcheck/testing": ["defineStoreConformance", "collectStoreConformance", "ConformanceAssertionError"],
};

// What a fresh clone would not have (ignored by git, or written only by an install or a build).
const NOT_IN_A_CHECKOUT = new Set([".git", "node_modules", "dist", "test-results", ".wrangler"]);

let work: string;
let consumer: string;
let pkg: PackageJson;
let shipped: string[];

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false", ...env },
      // npm and the deno shim are .cmd files on Windows, which only a shell runs.
      shell: isWindows,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    // Not kept as the cause: vitest would print the same output a second time.
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}\n${stdout ?? ""}\n${stderr ?? ""}`);
  }
}

function specifierOf(subpath: string): string {
  return subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
}

function exportSubpaths(): string[] {
  return Object.keys(pkg.exports).filter((subpath) => subpath !== "./package.json");
}

function listFiles(folder: string): string[] {
  const entries = readdirSync(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join("/"));
}

/** Copies the working tree as a clone would have it, with a stale file in dist/ for the build to clear. */
function copyCheckout(checkout: string): void {
  cpSync(root, checkout, { recursive: true, filter: (source) => !NOT_IN_A_CHECKOUT.has(basename(source)) });
  // tsc, run by prepack, comes from this repo's install.
  symlinkSync(join(root, "node_modules"), join(checkout, "node_modules"), "junction");
  mkdirSync(join(checkout, "dist"));
  writeFileSync(join(checkout, "dist", "stale.js"), "export const removedLongAgo = true;\n");
}

/** Unpacks the tarball into node_modules and copies in what the package declares it needs. */
function installTarball(tarball: string): void {
  const installed = join(consumer, "node_modules", pkg.name);
  mkdirSync(installed, { recursive: true });
  run("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"], consumer);
  for (const dependency of dependencyClosure(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }))) {
    cpSync(join(root, "node_modules", dependency), join(consumer, "node_modules", dependency), { recursive: true, dereference: true });
  }
  const manifest = { private: true, type: "module", dependencies: { [pkg.name]: pkg.version } };
  writeFileSync(join(consumer, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * The packages `names` need to load, theirs included (a peer such as elysia brings its own
 * dependencies), as installed at the top of this repo's node_modules. Optional peers that are not
 * installed are left out, as npm leaves them out.
 */
function dependencyClosure(names: string[]): string[] {
  const found = new Set<string>();
  const pending = [...names];
  while (pending.length > 0) {
    const name = pending.pop()!;
    const manifestPath = join(root, "node_modules", name, "package.json");
    if (found.has(name) || !existsSync(manifestPath)) continue;
    found.add(name);
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, Record<string, string> | undefined>;
    const optionalPeers = Object.keys(manifest.peerDependenciesMeta ?? {});
    const peers = Object.keys(manifest.peerDependencies ?? {}).filter((peer) => !optionalPeers.includes(peer));
    pending.push(...Object.keys(manifest.dependencies ?? {}), ...peers);
  }
  return [...found];
}

/** Writes the scripts that load every subpath and print each one's export names as JSON. */
function writeImportScripts(specifiers: string[]): void {
  const list = JSON.stringify(specifiers);
  writeFileSync(
    join(consumer, "import-all.mjs"),
    `const names = {};\nfor (const specifier of ${list}) names[specifier] = Object.keys(await import(specifier)).sort();\nconsole.log(JSON.stringify(names));\n`,
  );
  writeFileSync(
    join(consumer, "require-all.cjs"),
    `const names = {};\nfor (const specifier of ${list}) names[specifier] = Object.keys(require(specifier)).sort();\nconsole.log(JSON.stringify(names));\n`,
  );
}

/** Checks the JSON printed by import-all.mjs or require-all.cjs against EXPECTED_EXPORTS. */
function expectEveryExport(output: string): void {
  const names = JSON.parse(output) as Record<string, string[]>;
  for (const [specifier, expected] of Object.entries(EXPECTED_EXPORTS)) {
    expect(names[specifier], specifier).toEqual(expect.arrayContaining(expected));
  }
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "coatcheck-pack-"));
  const checkout = join(work, "checkout");
  consumer = join(work, "consumer");
  mkdirSync(checkout);
  mkdirSync(consumer);

  copyCheckout(checkout);
  run("npm", ["pack", "--pack-destination", work], checkout);
  const tarballs = readdirSync(work).filter((file) => file.endsWith(".tgz"));
  expect(tarballs, "npm pack writes one tarball").toHaveLength(1);

  pkg = JSON.parse(readFileSync(join(checkout, "package.json"), "utf8")) as PackageJson;
  installTarball(join(work, tarballs[0]!));
  shipped = listFiles(join(consumer, "node_modules", pkg.name));
  writeImportScripts(exportSubpaths().map(specifierOf));
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("ships every file the exports point to, the LICENSE and the README", () => {
    const wanted = ["package.json", "LICENSE", "README.md"];
    for (const subpath of exportSubpaths()) {
      // types, default and any condition (`workerd`)
      for (const file of Object.values(pkg.exports[subpath] as Record<string, string>)) wanted.push(posix.normalize(file));
    }
    expect(shipped).toEqual(expect.arrayContaining(wanted));
  });

  it("ships the build and the TypeScript sources, and no tests, examples or stale build output", () => {
    const allowed =
      /^(?:package\.json|LICENSE|README\.md|dist\/(?:src|adapters)\/[\w-]+(?:\.workerd)?\.(?:js|d\.ts)(?:\.map)?|(?:src|adapters)\/[\w-]+(?:\.workerd)?\.ts)$/;
    expect(shipped.filter((file) => !allowed.test(file))).toEqual([]);
    expect(shipped).not.toContain("dist/stale.js");
  });

  it("gives every source and declaration map a source file inside the package", () => {
    const maps = shipped.filter((file) => file.endsWith(".map"));
    expect(maps).toEqual(expect.arrayContaining(["dist/src/index.js.map", "dist/src/index.d.ts.map"]));
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(consumer, "node_modules", pkg.name, map), "utf8")) as { sources: string[] };
      expect(sources.length, map).toBeGreaterThan(0);
      for (const source of sources) expect(shipped, `${map} -> ${source}`).toContain(posix.join(posix.dirname(map), source));
    }
  });
});

describe("the packed package, installed", () => {
  it("has an expectation for every export subpath", () => {
    expect(Object.keys(EXPECTED_EXPORTS).sort()).toEqual(exportSubpaths().map(specifierOf).sort());
  });

  it("imports every subpath in Node", () => {
    expectEveryExport(run(process.execPath, ["import-all.mjs"], consumer));
  });

  it(`requires every subpath from CommonJS in Node ${process.versions.node} (require(esm), Node >= 20.19)`, () => {
    expectEveryExport(run(process.execPath, ["require-all.cjs"], consumer));
  });

  it("imports every subpath in Deno from node_modules, with no network", () => {
    const deno = join(root, "node_modules", ".bin", "deno");
    const env = { DENO_DIR: join(work, "deno-dir"), DENO_NO_UPDATE_CHECK: "1" };
    const output = run(
      deno,
      // Elysia (under coatcheck/elysia) reads NODE_ENV as it loads.
      ["run", "--node-modules-dir=manual", "--cached-only", "--no-remote", "--no-prompt", "--allow-env=NODE_ENV", "import-all.mjs"],
      consumer,
      env,
    );
    expectEveryExport(output);
  });

  it("in Node, the durable-object subpath's class says it runs only inside workerd", () => {
    writeFileSync(
      join(consumer, "durable-object-node.mjs"),
      'import { CoatcheckSessionObject } from "coatcheck/adapters/durable-object";\ntry { new CoatcheckSessionObject(); } catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })); }\n',
    );
    const { code, message } = JSON.parse(run(process.execPath, ["durable-object-node.mjs"], consumer)) as { code: string; message: string };
    expect(code).toBe("ERR_SESSION_OPTIONS");
    expect(message).toMatch(/runs only inside workerd/);
  });

  it("in workerd, the durable-object subpath (the `workerd` condition) stores a session in a Durable Object", async () => {
    // A Worker written as a user would, bundled from the installed tarball as wrangler bundles it.
    const worker = `
import { withSession } from "coatcheck";
import { CoatcheckSessionObject, durableObjectStore } from "coatcheck/adapters/durable-object";
export { CoatcheckSessionObject };
export default {
  fetch: withSession(async (_request, ctx) => {
    const session = await ctx.session();
    return new Response(String(session.update("visits", (visits = 0) => visits + 1)));
  }, (env) => ({ secrets: ${JSON.stringify("p".repeat(32))}, store: durableObjectStore(env.SESSIONS) })),
};`;
    const mf = new Miniflare({
      modules: true,
      script: await bundleWorker({ stdin: { contents: worker, resolveDir: consumer, loader: "js" } }),
      compatibilityDate: "2026-04-01",
      durableObjects: { SESSIONS: { className: "CoatcheckSessionObject", useSQLite: true } },
      cf: false,
    });
    try {
      const first = await mf.dispatchFetch("http://shop.test/");
      const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
      expect(await first.text()).toBe("1");
      const second = await mf.dispatchFetch("http://shop.test/", { headers: { cookie } });
      expect(await second.text()).toBe("2");
    } finally {
      await mf.dispose();
    }
  }, 60_000);
});
