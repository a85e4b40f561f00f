// The h3 useSession candidate: h3 v2's `useSession`, the data sealed in the cookie.
import { H3, useSession } from "h3";
import { type Candidate, MAX_AGE, SECRET } from "./shared.js";

export const h3Sessions: Candidate = {
  name: "h3 useSession",
  floor: "h3",
  store: "cookie",
  note: "h3 v2 `useSession(event, { password })` (sealed cookie), `app.fetch`",
  async create() {
    const config = { password: SECRET, name: "h3", maxAge: MAX_AGE };
    const app = new H3();
    app.get("/s1", async (event) => {
      const current = await useSession<{ count: number }>(event, config);
      return `count=${current.data.count}`;
    });
    app.get("/s2", async (event) => {
      const current = await useSession<{ count: number }>(event, config);
      const count = (current.data.count ?? 0) + 1;
      await current.update({ count });
      return `count=${count}`;
    });
    app.get("/s3", async (event) => {
      const current = await useSession<{ count: number }>(event, config);
      await current.update({ count: 0 });
      return "count=0";
    });
    app.get("/s4", () => "ok");
    return { fetch: async (request) => app.fetch(request) };
  },
};
