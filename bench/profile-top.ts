// The report of `npm run bench:profile`: the functions with the most self time in a .cpuprofile
// (percent of sampled time), named by their TypeScript source file through the bundle's source
// map, coatcheck's own src/ and adapters/ files marked with `*`.
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface Profile {
  nodes: { id: number; callFrame: CallFrame }[];
  samples: number[];
  timeDeltas: number[];
}

// `build`: the folder the bundle was written to, as the build named it. The profile names files by
// their real path, which differs where node_modules is a symbolic link (a git worktree sharing
// one), and the maps' sources are relative to the folder as built.
const [file, root = process.cwd(), build = process.cwd(), limit = "25"] = process.argv.slice(2);
if (!file) {
  console.error("usage: node profile-top.mjs <file.cpuprofile> [root] [build folder] [rows]");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

/** Source maps of the bundle's files, read once each (undefined where a file has none). */
const maps = new Map<string, SourceMap | undefined>();
function sourceMap(path: string): SourceMap | undefined {
  if (!maps.has(path)) {
    try {
      maps.set(path, new SourceMap(JSON.parse(readFileSync(`${path}.map`, "utf8"))));
    } catch {
      maps.set(path, undefined);
    }
  }
  return maps.get(path);
}

/** `file:function` of a frame: the original source where the bundle's map knows it. */
function label(frame: CallFrame): { key: string; own: boolean } {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return { key: name, own: false };
  if (!frame.url.startsWith("file:")) return { key: `${frame.url}:${name}`, own: false };
  const path = fileURLToPath(frame.url);
  const entry = sourceMap(path)?.findEntry(frame.lineNumber, frame.columnNumber);
  if (entry && "originalSource" in entry) {
    const source = entry.originalSource.startsWith("file:") ? fileURLToPath(entry.originalSource) : resolve(build, entry.originalSource);
    const shown = relative(root, source);
    return { key: `${shown}:${name}`, own: /^(src|adapters)\//.test(shown) };
  }
  const shown = relative(root, path);
  return { key: `${shown.startsWith("..") ? path : shown}:${name}`, own: false };
}

const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
const self = new Map<string, { time: number; own: boolean }>();
let total = 0;
for (let index = 0; index < profile.samples.length; index++) {
  const delta = profile.timeDeltas[index] ?? 0;
  total += delta;
  const frame = byId.get(profile.samples[index]!);
  if (!frame) continue;
  const { key, own } = label(frame);
  const row = self.get(key) ?? { time: 0, own };
  row.time += delta;
  self.set(key, row);
}
const percent = (time: number) => `${((100 * time) / total).toFixed(1).padStart(5)}%`;
console.log(`top self time, of ${(total / 1000).toFixed(0)} ms sampled (* coatcheck's own src/ and adapters/):`);
for (const [key, row] of [...self].sort((a, b) => b[1].time - a[1].time).slice(0, Number(limit))) {
  console.log(`${percent(row.time)} ${row.own ? "*" : " "} ${key}`);
}
let own = 0;
for (const row of self.values()) if (row.own) own += row.time;
console.log(`${percent(own)}   in coatcheck's own files altogether`);
