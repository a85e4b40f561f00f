// Astro, rendered on demand by the Node adapter. BUILD_DIR moves the build out of the example (the
// test builds into a temporary folder); an app keeps the default, `dist`.
import node from "@astrojs/node";
import { defineConfig } from "astro/config";

export default defineConfig({
  output: "server",
  adapter: node({ mode: "standalone" }),
  outDir: process.env.BUILD_DIR ?? "dist",
  // Your site's host names. Astro builds `request.url` from the Host header only when it is listed
  // here (else `localhost`); its origin check on form posts and coatcheck's `secure: "auto"` read it.
  security: { allowedDomains: [{ hostname: "localhost" }, { hostname: "127.0.0.1" }] },
});
