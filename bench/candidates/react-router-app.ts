// react-router's side of both react-router candidates: the four routes over a `SessionStorage`,
// with an explicit `commitSession` on the routes that write, and the signed cookie they share.
import { createCookie, type SessionStorage } from "react-router";
import type { FetchHandler } from "../harness.js";
import { MAX_AGE, route, SECRET, text } from "./shared.js";

/** `count`, and whatever else the growth curves start a session with. */
export type RemixData = { count: number; [key: string]: unknown };
export type RemixStorage = SessionStorage<RemixData>;

export const remixCookie = (secrets = [SECRET]) =>
  createCookie("__session", { secrets, httpOnly: true, sameSite: "lax", path: "/", maxAge: MAX_AGE });

/** `payload`: what a new visitor's session starts with besides `count` (the growth curves vary it). */
export function remixApp(storage: RemixStorage, payload: Record<string, unknown> = {}): FetchHandler {
  return async (request) => {
    switch (route(request.url)) {
      case "/s1": {
        const session = await storage.getSession(request.headers.get("cookie"));
        return text(`count=${session.get("count")}`);
      }
      case "/s2": {
        const session = await storage.getSession(request.headers.get("cookie"));
        const count = (session.get("count") ?? 0) + 1;
        session.set("count", count);
        const response = text(`count=${count}`);
        response.headers.append("set-cookie", await storage.commitSession(session));
        return response;
      }
      case "/s3": {
        const session = await storage.getSession(request.headers.get("cookie"));
        for (const [key, value] of Object.entries(payload)) session.set(key, value);
        session.set("count", 0);
        const response = text("count=0");
        response.headers.append("set-cookie", await storage.commitSession(session));
        return response;
      }
      default:
        return text("ok");
    }
  };
}
