// Builds examples/astro (run with the example as the working directory) as `astro build` does, with
// the example's own astro.config.mjs (@astrojs/node, standalone). Through Astro's `build()` API:
// astro 6.0.5's CLI refuses Node 20, which its package.json (and its API) support.
import { build } from "astro";

await build({ root: process.cwd() });
