// Reads the README's "## Quick start" section: its file blocks (a fence titled with the file's path)
// and the commands it tells users to run.
import { readFileSync } from "node:fs";

/** The "## Quick start" section of README.md, from its heading up to the next "## " heading. */
export function readQuickStartSection(readmePath = "README.md"): string {
  const readme = readFileSync(readmePath, "utf8");
  const start = readme.indexOf("\n## Quick start\n");
  if (start === -1) throw new Error(`${readmePath} has no "## Quick start" section`);
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start + 1, end === -1 ? undefined : end + 1);
}

/**
 * Every fenced block whose info string carries `title="<path>"`, by path: the block's text with
 * its final newline, which is what the file holds.
 */
export function titledBlocks(section: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const match of section.matchAll(/^```\w+ title="([^"]+)"\n([\s\S]*?)^```$/gm)) {
    blocks.set(match[1]!, match[2]!);
  }
  return blocks;
}

/** The first line of a shell block in `section` that starts with `prefix`, split into words. */
export function commandLine(section: string, prefix: string): string[] {
  for (const match of section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    const line = match[1]!.split("\n").find((candidate) => candidate.startsWith(prefix));
    if (line) return line.replace(/\s+#.*$/, "").split(/\s+/);
  }
  throw new Error(`the Quick start section shows no command starting with "${prefix}"`);
}
