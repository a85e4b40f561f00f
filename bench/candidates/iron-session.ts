// The iron-session candidate: `getIronSession` in its fetch form, the data sealed in the cookie.
import { getIronSession } from "iron-session";
import { type Candidate, MAX_AGE, route, SECRET, text } from "./shared.js";

export const ironSession: Candidate = {
  name: "iron-session",
  floor: "fetch",
  store: "cookie",
  note: "`getIronSession(request, response, …)` (fetch form); `save()` on S2/S3",
  async create() {
    const options = { password: SECRET, cookieName: "iron", ttl: MAX_AGE, cookieOptions: { secure: false } };
    return {
      async fetch(request) {
        const scenario = route(request.url);
        if (scenario !== "/s1" && scenario !== "/s2" && scenario !== "/s3") return text("ok");
        // iron-session appends its Set-Cookie to the response it is given; the body is decided later.
        const carrier = new Response(null);
        const session = await getIronSession<{ count?: number }>(request, carrier, options);
        let body: string;
        if (scenario === "/s1") body = `count=${session.count}`;
        else {
          session.count = scenario === "/s2" ? (session.count ?? 0) + 1 : 0;
          await session.save();
          body = `count=${session.count}`;
        }
        const response = text(body);
        for (const line of carrier.headers.getSetCookie()) response.headers.append("set-cookie", line);
        return response;
      },
    };
  },
};
