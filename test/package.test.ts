import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  exports: Record<string, string | ({ types: string; default: string } & Record<string, string>)>;
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
      // Conditions such as `workerd` name built files too.
      for (const [condition, path] of Object.entries(target as Record<string, string>)) {
        expect(existsSync(new URL(path, root)), `${subpath} [${condition}] -> ${path}`).toBe(true);
      }
    }
  });

  it("give every adapter file its own subpath (file name = adapter name = subpath)", () => {
    const adapters = readdirSync(new URL("../adapters/", import.meta.url)).filter((file) => file.endsWith(".ts"));
    for (const file of adapters) {
      // `<name>.<condition>.ts` is the build of `./adapters/<name>` that the export condition loads.
      const [, name, condition] = /^([\w-]+)(?:\.(\w+))?\.ts$/.exec(file)!;
      expect(pkg.exports, file).toHaveProperty(`./adapters/${name}`);
      if (condition) expect(pkg.exports[`./adapters/${name}`], file).toHaveProperty(condition, `./dist/adapters/${name}.${condition}.js`);
    }
  });

  it("import through the package name, as a user would", async () => {
    for (const [subpath] of entries) {
      const specifier = subpath === "." ? "coatcheck" : `coatcheck/${subpath.slice(2)}`;
      const module = await import(/* @vite-ignore */ specifier);
      expect(Object.keys(module).length, specifier).toBeGreaterThan(0);
    }
  });
});
