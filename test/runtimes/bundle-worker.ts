// Bundles a Worker for workerd with esbuild as `wrangler dev` would: one ES module under the
// workerd export conditions, with workerd's own modules left as imports.
import { build, type StdinOptions } from "esbuild";

/** The Worker's entry: a file, or source text with the folder its imports resolve from. */
export type WorkerSource = { entryPoint: string } | { stdin: StdinOptions };

/** The bundled Worker script, ready for Miniflare's `script` option. */
export async function bundleWorker(source: WorkerSource): Promise<string> {
  const result = await build({
    ...("entryPoint" in source ? { entryPoints: [source.entryPoint] } : { stdin: source.stdin }),
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    // workerd's own modules, as wrangler leaves them (`node:*` resolves under nodejs_compat).
    external: ["cloudflare:*", "node:*"],
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}
