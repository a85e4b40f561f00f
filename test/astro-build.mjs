// Builds examples/astro (run with the example as the working directory) as `astro build` would, with
// test/astro-node-entry.mjs as the server entry in place of @astrojs/node's (see that file for why).
// Through the API: astro 6.0.5's CLI refuses Node 20, which its package.json (and its API) support.
import { build } from "astro";

const entry = new URL("./astro-node-entry.mjs", import.meta.url).pathname;
await build({
  root: process.cwd(),
  adapter: {
    name: "coatcheck-test-node",
    hooks: {
      "astro:config:done": ({ setAdapter }) =>
        setAdapter({
          name: "coatcheck-test-node",
          entrypointResolution: "auto",
          serverEntrypoint: entry,
          adapterFeatures: { buildOutput: "server", middlewareMode: "classic" },
          supportedAstroFeatures: { hybridOutput: "stable", staticOutput: "stable", serverOutput: "stable", sharpImageService: "stable" },
        }),
    },
  },
});
