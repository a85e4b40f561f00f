// Express apps as fetch handlers, in-process: light-my-request fakes the socket, and its reply is
// converted to a Response, so express pays the same request/response round trip as the others.
import type express from "express";
import inject from "light-my-request";
import type { FetchHandler } from "../harness.js";

export function viaLightMyRequest(app: express.Express): FetchHandler {
  return async (request) => {
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const url = new URL(request.url);
    const reply = await inject(app, { method: "GET", url: url.pathname + url.search, headers });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(reply.headers)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
      else responseHeaders.set(name, String(value));
    }
    return new Response(reply.rawPayload.length > 0 ? new Uint8Array(reply.rawPayload) : null, {
      status: reply.statusCode,
      headers: responseHeaders,
    });
  };
}
