// A stand-in for @astrojs/node's standalone server, for test/astro.test.ts: the installed
// @astrojs/node 10.0.6 imports `getAbortControllerCleanup` from `astro/app/node`, which astro 6.0.5
// does not export yet. Same request entry as the adapter (Astro's `App.render` with its cookie
// header), the same Node request/response bridge (`astro/app/node`); prerendered pages from disk.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { createApp } from "astro/app/entrypoint";
import { createRequest, writeResponse } from "astro/app/node";

const app = createApp({ streaming: true });
const client = new URL("../client/", import.meta.url);

createServer(async (req, res) => {
  // As the adapter does: the URL's host is trusted only when `security.allowedDomains` lists it.
  const request = createRequest(req, { allowedDomains: app.getAllowedDomains?.() ?? [], port: Number(process.env.PORT) });
  const route = app.match(request, true);
  if (route && !(route.type === "page" && route.prerender)) {
    return writeResponse(await app.render(request, { addCookieHeader: true, routeData: route }), res);
  }
  const path = new URL(request.url).pathname.replace(/\/$/, "");
  try {
    const html = await readFile(new URL(`.${path}/index.html`, client));
    res.writeHead(200, { "content-type": "text/html" }).end(html);
  } catch {
    await writeResponse(await app.render(request, { addCookieHeader: true }), res);
  }
}).listen(Number(process.env.PORT), process.env.HOST);
