// docs/frameworks/*.md show their example files verbatim: every fence titled with a path is that
// file, byte for byte, and each page shows the files its recipe consists of.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { titledBlocks } from "./quickstart-readme.js";

const pages = {
  "docs/frameworks/sveltekit.md": [
    "examples/sveltekit/src/hooks.server.ts",
    "examples/sveltekit/src/lib/server/sessions.ts",
    "examples/sveltekit/src/app.d.ts",
  ],
  "docs/frameworks/astro.md": ["examples/astro/src/middleware.ts", "examples/astro/src/sessions.ts", "examples/astro/src/env.d.ts"],
};

describe.each(Object.entries(pages))("%s", (page, recipe) => {
  const blocks = titledBlocks(readFileSync(page, "utf8"));

  it("shows the recipe's files", () => {
    expect([...blocks.keys()]).toEqual(expect.arrayContaining(recipe));
  });

  it("shows each titled file as it is in the repository", () => {
    for (const [path, shown] of blocks) expect(shown, path).toBe(readFileSync(path, "utf8"));
  });
});
