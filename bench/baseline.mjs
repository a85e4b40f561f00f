// The baseline of `npm run bench -- --baseline <ref>`: that commit's src/ and adapters/, extracted
// once per commit with `git archive` into node_modules/.cache/coatcheck-baseline/<commit>/, and an
// entry file there exporting the API the bench's coatcheck candidates use.
import { execFileSync, execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Extracts `ref` (any git revision) if not yet cached; returns the commit and the entry file to bundle. */
export async function extractBaseline(root, ref) {
  const git = (...args) => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
  let commit;
  try {
    commit = git("rev-parse", "--verify", "--quiet", `${ref}^{commit}`);
  } catch {
    throw new Error(`--baseline ${ref}: not a commit in this repository`);
  }
  const dir = join(root, "node_modules", ".cache", "coatcheck-baseline", commit);
  const entry = join(dir, "baseline.ts");
  if (existsSync(entry)) return { commit, entry };

  const files = new Set(git("ls-tree", "-r", "--name-only", commit, "--", "src", "adapters").split("\n"));
  for (const needed of ["src/index.ts", "adapters/memory.ts"]) {
    if (!files.has(needed)) throw new Error(`--baseline ${ref}: ${needed} does not exist at ${commit.slice(0, 12)}`);
  }
  // Extracted beside the final folder and renamed into place, so a run cut short leaves no half tree.
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  execSync(`git archive ${commit} src adapters | tar -x -C "${partial}"`, { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  const cookie = files.has("adapters/cookie.ts")
    ? 'export { cookieStore } from "./adapters/cookie.ts";'
    : "// adapters/cookie.ts did not exist at this commit.\nexport const cookieStore = undefined;";
  await writeFile(
    join(partial, "baseline.ts"),
    [
      `// Written by bench/baseline.mjs: coatcheck's public API at ${commit}, for the bench's baseline candidates.`,
      'export { withSession } from "./src/index.ts";',
      'export { memoryStore } from "./adapters/memory.ts";',
      cookie,
      "",
    ].join("\n"),
  );
  try {
    await rename(partial, dir);
  } catch (error) {
    // Another run extracted the same commit first: its tree is identical.
    await rm(partial, { recursive: true, force: true });
    if (!existsSync(entry)) throw error;
  }
  return { commit, entry };
}
