// The size budget: what a Worker pays to ship coatcheck. The core and the memory adapter, bundled
// from the TypeScript sources with esbuild (minified, ESM, platform neutral) and gzipped, must stay
// within the budget, with no trace of `jose` (only the cookie adapter may pull it in). Each adapter's
// own cost is printed.
//
// The budget is 12.75 KiB. It was 7 KiB (4 KB was first asked for) until hardening added what a
// review asked for, at about 2.5 KiB gzipped: misuse caught at construction with a message naming
// the fix, bounded work per forged header, CDN cache fields, decorating a copy of a shared
// Response, and a memory store that protects returning sessions and is bounded by bytes. Splitting
// the core into one file per responsibility cost about 0.5 KiB more, and users (setUser, the
// per-user index kept with compare-and-set, list / revoke / revokeAll, userVersion) about 1.8 KiB;
// the node:crypto fast path (a new visitor's two HMAC/SHA-256 calls without a thread-pool hop on
// Node, Bun and Deno) about 0.35 KiB. The budget went to 12.75 KiB for two measured speed-ups,
// about 0.26 KiB together: saves of one session queued in one isolate writing over the version
// the save before them wrote (16 tabs on a 1 ms store: about half the time), and ids from a pool
// of CSPRNG bytes with the runtime's own base64url encoder (a new visitor: about 11 µs less at p50).
// About half of the gzipped core is error messages. The budget stops growth; shrinking below it is
// tracked, not assumed.
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../", import.meta.url));
const CORE_BUDGET_GZIP_BYTES = 12.75 * 1024;
const cookieAdapter = `${root}adapters/cookie.ts`;

interface Bundle {
  minified: number;
  gzipped: number;
  metafile: Metafile;
  code: string;
}

async function bundle(contents: string, options: BuildOptions = {}): Promise<Bundle> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    // Platform neutral resolves no package fields by default; jose is found through its `exports`.
    mainFields: ["module", "main"],
    // The runtime's own modules (`cloudflare:workers`) are never bundled.
    external: ["cloudflare:*"],
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
    ...options,
  });
  const code = result.outputFiles?.[0]?.text ?? "";
  if (!result.metafile) throw new Error("esbuild returned no metafile");
  return { minified: Buffer.byteLength(code), gzipped: gzipSync(code).length, metafile: result.metafile, code };
}

/** The inputs that made it into the bundle, largest first, as "path: bytes". */
function whereTheBytesGo(metafile: Metafile): string[] {
  const output = Object.values(metafile.outputs)[0]!;
  return Object.entries(output.inputs)
    .sort(([, a], [, b]) => b.bytesInOutput - a.bytesInOutput)
    .map(([path, { bytesInOutput }]) => `  ${path}: ${bytesInOutput} B minified`);
}

const pullsInJose = (metafile: Metafile) => Object.keys(metafile.inputs).some((path) => /(^|\/)node_modules\/jose\//.test(path));

describe("size budget", () => {
  it(`coatcheck + coatcheck/adapters/memory is at most ${CORE_BUDGET_GZIP_BYTES} bytes gzipped, without jose`, async () => {
    const core = await bundle('export * from "./src/index.ts";\nexport * from "./adapters/memory.ts";');
    console.log(
      [
        `coatcheck + adapters/memory: ${core.minified} B minified, ${core.gzipped} B gzipped (budget ${CORE_BUDGET_GZIP_BYTES})`,
        ...whereTheBytesGo(core.metafile),
      ].join("\n"),
    );
    expect(pullsInJose(core.metafile)).toBe(false);
    // Nothing left external either: no import of jose survives in the output.
    expect(core.code).not.toMatch(/(?:from|import\()\s*["']jose["']/);
    expect(core.gzipped).toBeLessThanOrEqual(CORE_BUDGET_GZIP_BYTES);
  });

  it.skipIf(!existsSync(cookieAdapter))("the jose check can fail: the cookie adapter's bundle does pull jose in", async () => {
    const cookie = await bundle('export * from "./adapters/cookie.ts";');
    expect(pullsInJose(cookie.metafile)).toBe(true);
  });

  it("prints each adapter's own budget (the core left out) and its size with the core", async () => {
    const adapters = readdirSync(`${root}adapters`).filter((file) => file.endsWith(".ts"));
    expect(adapters).toContain("memory.ts");
    const lines: string[] = ["adapter budgets (minified / gzipped):"];
    for (const file of adapters) {
      // The adapter alone: the core (../src/*) is what every adapter shares, so it is left external.
      const own = await bundle(`export * from "./adapters/${file}";`, {
        plugins: [
          {
            name: "core-external",
            setup(builder) {
              builder.onResolve({ filter: /\/src\/[^/]+\.js$/ }, (args) => ({ path: args.path, external: true }));
            },
          },
        ],
      });
      const withCore = await bundle(`export * from "./src/index.ts";\nexport * from "./adapters/${file}";`);
      expect(own.gzipped).toBeGreaterThan(0);
      lines.push(
        `  adapters/${file.replace(/\.ts$/, "")}: own ${own.minified} / ${own.gzipped} B; with the core ${withCore.minified} / ${withCore.gzipped} B${pullsInJose(own.metafile) ? " (includes jose)" : ""}`,
      );
    }
    console.log(lines.join("\n"));
  });
});
