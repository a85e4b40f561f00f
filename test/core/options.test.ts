// Options checked at construction with messages that say what to change, and options given as a
// function of the env.
import { describe, expect, it, vi } from "vitest";
import { memoryStore } from "../../adapters/memory.js";
import { cryptoPath } from "../../src/crypto-path.js";
import { type SessionOptions, withSession } from "../../src/index.js";
import { CookieJar, SECRET } from "../helpers.js";

describe("options", () => {
  const store = memoryStore();
  const cases: [string, Partial<SessionOptions> & Record<string, unknown>, RegExp][] = [
    ["no secrets", { secrets: undefined }, /`secrets` is required/],
    ["a short secret", { secrets: ["short"] }, /`secrets\[0\]` must be a string of at least 32 characters/],
    ["an empty list", { secrets: [] }, /`secrets` is required/],
    ["no store", { store: undefined }, /`store` is required/],
    ["a bad cookie name", { cookie: { name: "s id" } }, /`cookie.name` "s id" is not an RFC 6265bis token/],
    ["a bad path", { cookie: { path: "/a;b" } }, /`cookie.path`/],
    ["a relative path", { cookie: { path: "app" } }, /`cookie.path`/],
    ["a bad domain", { cookie: { domain: "exa mple.com" } }, /`cookie.domain`/],
    ["__Host- with a domain", { cookie: { name: "__Host-sid", domain: "shop.test" } }, /`__Host-` cookie name requires no `cookie.domain`/],
    ["__Host- with a path", { cookie: { name: "__Host-sid", path: "/app" } }, /`__Host-` cookie name requires/],
    ["__Host- without Secure", { cookie: { name: "__Host-sid", secure: false } }, /requires a Secure cookie/],
    ["__Secure- without Secure", { cookie: { name: "__Secure-sid", secure: false } }, /requires a Secure cookie/],
    ["SameSite=None without Secure", { cookie: { sameSite: "none", secure: false } }, /`sameSite: "none"` requires a Secure cookie/],
    ["a bad sameSite", { cookie: { sameSite: "loose" as "lax" } }, /`cookie.sameSite`/],
    ["a negative maxAge", { maxAge: -1 }, /`maxAge` must be a positive number of seconds/],
    ["a zero maxAge", { maxAge: 0 }, /`maxAge`/],
    ["touchAfter over maxAge", { maxAge: 10, touchAfter: 11 }, /`touchAfter` \(11\) must not exceed `maxAge` \(10\)/],
    ["a NaN absoluteTimeout", { absoluteTimeout: Number.NaN }, /`absoluteTimeout`/],
    ["a negative storeTimeout", { storeTimeout: -5 }, /`storeTimeout`/],
  ];
  for (const [label, override, message] of cases) {
    it(`rejects ${label} at construction`, () => {
      const build = () => withSession(async () => new Response(), { secrets: SECRET, store, ...override } as SessionOptions);
      expect(build).toThrowError(message);
      expect(build).toThrowError(expect.objectContaining({ code: "ERR_SESSION_OPTIONS", name: "SessionError" }));
    });
  }

  it("shares imported keys and verified tickets across envs that are new objects per request (Deno.serve, Node adapters)", async () => {
    const sharedStore = memoryStore();
    const secret = `${SECRET}-per-request-env`;
    const handler = withSession<{ n: number }, object>(
      async (_request, ctx) => {
        const session = await ctx.session();
        session.set("n", (session.get("n") ?? 0) + 1);
        return new Response(String(session.get("n")));
      },
      () => ({ secrets: secret, store: sharedStore }),
    );
    // Keys are made by the runtime's crypto path (node:crypto or Web Crypto): count there.
    const makeKey = cryptoPath.hmacKey.bind(cryptoPath);
    let verifications = 0;
    const importKey = vi.spyOn(cryptoPath, "hmacKey").mockImplementation((secretBytes) => {
      const key = makeKey(secretBytes);
      return { sign: key.sign, verify: (mac, data) => (verifications++, key.verify(mac, data)) };
    });
    try {
      const jar = new CookieJar();
      for (let i = 1; i <= 3; i++) {
        const response = await handler(jar.request(), { incoming: {}, outgoing: {} });
        expect(await response.text()).toBe(String(i));
        jar.apply(response);
      }
      expect(importKey).toHaveBeenCalledTimes(1);
      expect(verifications).toBe(0); // every ticket it sees, it signed itself
    } finally {
      importKey.mockRestore();
    }
  });

  it("resolves options given as a function once per env; a bad one rejects the request's promise", async () => {
    let calls = 0;
    const handler = withSession(
      async (_request, ctx) => {
        (await ctx.session()).set("n", 1);
        return new Response("ok");
      },
      (env: { SECRET: string }) => (calls++, { secrets: env.SECRET, store }),
    );
    const env = { SECRET };
    await handler(new Request("http://shop.test/"), env);
    await handler(new Request("http://shop.test/"), env);
    expect(calls).toBe(1);
    await expect(handler(new Request("http://shop.test/"), { SECRET: "short" })).rejects.toMatchObject({ code: "ERR_SESSION_OPTIONS" });
  });
});
