// onEvent reports what happened to a session and never the id or the cookie value.
import { describe, expect, it } from "vitest";
import { CookieJar } from "../helpers.js";
import { app, setup } from "./fixture.js";

describe("events", () => {
  it("never carry a session id or a cookie value", async () => {
    const { options, events, clock } = setup({ maxAge: 100 }, { clock: () => 0 }); // only the core sees time pass
    const handler = app(options);
    const jar = new CookieJar();
    const seen = new Set<string>();
    const remember = () => {
      for (const value of jar.cookies.values()) {
        seen.add(value);
        seen.add(value.split(".")[0]!);
      }
    };
    for (const path of ["/add", "/", "/login", "/add", "/logout", "/add"]) {
      jar.apply(await handler(jar.request(`http://shop.test${path}`)));
      remember();
    }
    clock.advance(101);
    jar.apply(await handler(jar.request("http://shop.test/")));
    await handler(new Request("http://shop.test/", { headers: { cookie: "sid=forged" } }));
    const types = new Set(events.map((event) => event.type));
    expect(types).toEqual(new Set(["created", "regenerated", "destroyed", "expired", "tampered"]));
    const text = JSON.stringify(events);
    for (const secret of seen) expect(text).not.toContain(secret);
  });
});
