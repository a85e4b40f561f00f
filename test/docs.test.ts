// The docs hold together: every fence in README.md and docs/ titled with a path is that file,
// verbatim, and the file is run by a test (its path, or a folder of it under examples/, is named in
// a file under test/); every relative link resolves to a file, and every #anchor to a heading.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { titledBlocks } from "./quickstart-readme.js";

/** Framework pages written alongside other work; linked already, allowed to be missing until they land. */
const FRAMEWORK_PAGES_TO_COME = ["elysia", "itty-router", "sveltekit", "astro", "nextjs"].map((name) => `docs/frameworks/${name}.md`);

const pages = ["README.md", ...markdownUnder("docs")];
const testSources = filesUnder("test").map((path) => readFileSync(path, "utf8"));

describe("README.md and docs/", () => {
  it("README.md stays a front page: under 15,000 bytes", () => {
    expect(statSync("README.md").size).toBeLessThan(15_000);
  });

  it("every docs page is reachable from the index", () => {
    const index = readFileSync("docs/README.md", "utf8");
    for (const page of markdownUnder("docs")) {
      if (page === "docs/README.md") continue;
      expect(index, page).toContain(`](${relative("docs", page)})`);
    }
  });

  describe.each(pages)("%s", (page) => {
    const text = readFileSync(page, "utf8");

    it("shows each titled file verbatim, and each of those files is run by a test", () => {
      for (const [path, block] of titledBlocks(text)) {
        expect(existsSync(path), `${page} shows ${path}, which does not exist`).toBe(true);
        expect(block, `${page}: ${path}`).toBe(readFileSync(path, "utf8"));
        const names = [path, ...exampleFolders(path)];
        expect(
          testSources.some((source) => names.some((name) => source.includes(name))),
          `${path} (or its folder) is named by no file under test/`,
        ).toBe(true);
      }
    });

    it("links only to files and headings that exist", () => {
      for (const target of relativeLinks(text)) {
        const [file, anchor] = target.split("#") as [string, string | undefined];
        const resolved = file === "" ? page : normalize(join(dirname(page), file));
        if (FRAMEWORK_PAGES_TO_COME.includes(resolved) && !existsSync(resolved)) continue;
        expect(existsSync(resolved), `${page} links to ${target}, which does not exist`).toBe(true);
        if (anchor !== undefined && resolved.endsWith(".md")) {
          expect(headingSlugs(readFileSync(resolved, "utf8")), `${page} links to ${target}`).toContain(anchor);
        }
      }
    });
  });
});

/** Every `.md` file under `folder`, generated output (docs/api/) left out. */
function markdownUnder(folder: string): string[] {
  return filesUnder(folder).filter((path) => path.endsWith(".md") && !path.startsWith("docs/api/"));
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .map((path) => join(folder, path))
    .filter((path) => statSync(path).isFile())
    .sort();
}

/** `examples/a/b/c.ts` → `examples/a/b`, `examples/a`: the folders a test may name instead of the file. */
function exampleFolders(path: string): string[] {
  const folders: string[] = [];
  for (let folder = dirname(path); folder.split("/").length >= 2 && folder.startsWith("examples/"); folder = dirname(folder)) {
    folders.push(folder);
  }
  return folders;
}

/** The text outside fenced blocks and inline code, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** Targets of `[text](target)` links that are not absolute URLs. */
function relativeLinks(markdown: string): string[] {
  const targets = [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
  return targets.filter((target) => !/^[a-z][a-z+.-]*:/i.test(target));
}

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces as hyphens. */
function headingSlugs(markdown: string): string[] {
  const headings = [...markdown.replace(/^```[\s\S]*?^```$/gm, "").matchAll(/^#{1,6} (.+)$/gm)].map((match) => match[1]!);
  return headings.map((heading) =>
    heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-"),
  );
}
