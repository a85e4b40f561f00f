import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The custom-store example's vitest file, as its author runs it (test/custom-store.test.ts runs the others).
    include: ["test/**/*.test.ts", "examples/custom-store/vitest.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
