// docs/frameworks/nextjs.md shows the Next.js example's files verbatim: every block titled with a
// path is that file, byte for byte, and the files a reader needs are all shown.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { titledBlocks } from "./quickstart-readme.js";

const blocks = titledBlocks(readFileSync("docs/frameworks/nextjs.md", "utf8"));

it("shows each file of the recipe as it is in examples/nextjs", () => {
  expect([...blocks.keys()].sort()).toEqual(
    [
      "app/api/account/route.ts",
      "app/api/boom/route.ts",
      "app/api/cart/route.ts",
      "app/api/edge/cart/route.ts",
      "app/api/login/route.ts",
      "app/api/logout/route.ts",
      "lib/cart.ts",
      "lib/edge-sessions.ts",
      "lib/route.ts",
      "lib/sessions.ts",
      "next-env.d.ts",
      "proxy.ts",
      "tsconfig.json",
    ].map((file) => `examples/nextjs/${file}`),
  );
  for (const [path, text] of blocks) expect(text, path).toBe(readFileSync(path, "utf8"));
});
