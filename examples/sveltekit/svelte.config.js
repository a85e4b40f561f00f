// SvelteKit with the Node adapter. BUILD_DIR moves the server build out of the example (the test
// builds into a temporary folder); an app keeps the default, `build`.
import adapter from "@sveltejs/adapter-node";

/** @type {import("@sveltejs/kit").Config} */
export default {
  kit: { adapter: adapter({ out: process.env.BUILD_DIR ?? "build", precompress: false }) },
};
