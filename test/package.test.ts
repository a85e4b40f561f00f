import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  exports: Record<string, string | { types: string; default: string }>;
};
const root = new URL("../", import.meta.url);

describe("package.json exports", () => {
  const entries = Object.entries(pkg.exports).filter(([subpath]) => subpath !== "./package.json");

  it("match the built files, each with types", () => {
    for (const [subpath, target] of entries) {
      expect(typeof target, subpath).toBe("object");
      const { types, default: file } = target as { types: string; default: string };
      expect(existsSync(new URL(file, root)), `${subpath} -> ${file} (run npm run build)`).toBe(true);
      expect(existsSync(new URL(types, root)), `${subpath} -> ${types}`).toBe(true);
    }
  });

  it("give every adapter file its own subpath (file name = adapter name = subpath)", () => {
    const adapters = readdirSync(new URL("../adapters/", import.meta.url)).filter((file) => file.endsWith(".ts"));
    for (const file of adapters) expect(pkg.exports, file).toHaveProperty(`./adapters/${file.replace(/\.ts$/, "")}`);
  });

  it("import through the package name, as a user would", async () => {
    for (const [subpath] of entries) {
      const specifier = subpath === "." ? "coatcheck" : `coatcheck/${subpath.slice(2)}`;
      const module = await import(/* @vite-ignore */ specifier);
      expect(Object.keys(module).length, specifier).toBeGreaterThan(0);
    }
  });
});
