/**
 * The app's fetch handler: React Router's framework-mode request handler over the server build.
 *
 * In an app made with `@react-router/dev`, the Vite plugin writes the build from `app/routes.ts`
 * and `react-router.config.ts` (`future: { v8_middleware: true }`), and the adapter
 * (`@react-router/node`, `@react-router/cloudflare`, `react-router-serve`) calls
 * `createRequestHandler(build)`. Here the build is written out by hand, with the fields the
 * plugin emits, so that the test runs React Router's own request cycle with no bundler.
 *
 * @module
 */
import { createRequestHandler, RouterContextProvider, type ServerBuild } from "react-router";
import * as root from "./app/root.ts";
import * as boom from "./app/routes/boom.ts";
import * as cart from "./app/routes/cart.ts";
import * as login from "./app/routes/login.ts";
import * as logout from "./app/routes/logout.ts";

const modules = { root, "routes/cart": cart, "routes/login": login, "routes/logout": logout, "routes/boom": boom };

// Route modules without a default export (a component) are resource routes.
const routes = Object.fromEntries(
  Object.entries(modules).map(([id, module]) => [
    id,
    id === "root" ? { id, path: "", module } : { id, parentId: "root", path: id.slice("routes/".length), module },
  ]),
) as unknown as ServerBuild["routes"];

const build: ServerBuild = {
  entry: {
    module: {
      // Document (HTML) requests render React here; this example has resource routes only.
      default: () => new Response("not rendered in this example", { status: 404 }),
    },
  },
  routes,
  assets: {
    entry: { imports: [], module: "/entry.client.js" },
    routes: {},
    url: "/manifest.js",
    version: "example",
  },
  publicPath: "/",
  assetsBuildDirectory: "build/client",
  future: { v8_middleware: true, v8_passThroughRequests: false, v8_trailingSlashAwareDataRequests: false },
  ssr: true,
  isSpaMode: false,
  prerender: [],
  routeDiscovery: { mode: "lazy", manifestPath: "/__manifest" },
};

const handler = createRequestHandler(build, "production");

/** A fetch handler for any runtime; with middleware on, the load context is a `RouterContextProvider`. */
export function fetch(request: Request): Promise<Response> {
  return handler(request, new RouterContextProvider());
}
