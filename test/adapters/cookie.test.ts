import { afterEach, describe, expect, it, vi } from "vitest";
import { cookieStore } from "../../adapters/cookie.js";
import { createSessions, type SealContext, type SessionEvent, type SessionOptions, withSession } from "../../src/index.js";
import { defineStoreConformance } from "../../src/testing.js";
import { CookieJar, fakeClock, OLD_SECRET, SECRET, CLOCK_START as START } from "../helpers.js";

defineStoreConformance(
  { describe, it },
  { name: "cookie", create: async () => ({ store: cookieStore() }), capabilities: { sealed: true } },
);

const DAY = 86_400;
const context = (secrets: string[], extra: Partial<SealContext> = {}): SealContext => ({
  secrets,
  cookieName: "sid",
  expiresAt: START + 14 * DAY * 1000,
  now: START,
  ...extra,
});
const RECORD = JSON.stringify({ v: 1, c: START, t: START, e: null, d: { user: "ada" } });

// --- an independent spelling of the key derivation and of RFC 7516 compact serialisation, so the
// tests can mint tokens that are authentic under our key yet break the header policy ---
const encoder = new TextEncoder();
const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

async function derivedKeyBytes(secret: string, cookieName = "sid", enc = "A256GCM", bits = 256): Promise<Uint8Array<ArrayBuffer>> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveBits"]);
  const info = encoder.encode(`coatcheck/v1 ${enc} ${cookieName}`);
  const salt = encoder.encode("coatcheck/v1 cookie store");
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, material, bits));
}

/** A compact JWE with any protected header, AES-GCM encrypted under `keyBytes`. */
async function forge(
  header: Record<string, unknown>,
  plaintext: string,
  keyBytes: Uint8Array<ArrayBuffer>,
  encryptedKey = "",
): Promise<string> {
  const protectedHeader = base64url(encoder.encode(JSON.stringify(header)));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, ["encrypt"]);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(protectedHeader) }, key, encoder.encode(plaintext)),
  );
  const ciphertext = sealed.slice(0, -16);
  const tag = sealed.slice(-16);
  return [protectedHeader, encryptedKey, base64url(iv), base64url(ciphertext), base64url(tag)].join(".");
}

const EXP = Math.ceil((START + 14 * DAY * 1000) / 1000);
const decodeHeader = (token: string) => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString("utf8")) as unknown;

type Data = { cart?: Record<string, number>; blob?: string; user?: string };

/** The cart app, with a few extra routes to grow, shrink and end the session. */
function app(options: Partial<SessionOptions> & Pick<SessionOptions, "store">) {
  const clock = fakeClock();
  const events: SessionEvent[] = [];
  const handler = withSession<Data>(
    async (request, ctx) => {
      const url = new URL(request.url);
      const session = await ctx.session();
      if (url.pathname === "/add") session.set("cart", { apple: (session.get("cart")?.apple ?? 0) + 1 });
      if (url.pathname === "/blob") session.set("blob", "x".repeat(Number(url.searchParams.get("bytes"))));
      if (url.pathname === "/logout") session.destroy();
      return Response.json({ cart: session.get("cart") ?? {}, blob: session.get("blob")?.length ?? 0, isNew: session.isNew });
    },
    { secrets: [SECRET], clock, onEvent: (event) => events.push(event), ...options },
  );
  return { handler, clock, events };
}

const visit = async (handler: (request: Request) => Promise<Response>, jar: CookieJar, path: string) => {
  const response = await handler(jar.request(`https://shop.test${path}`));
  const lines = jar.apply(response);
  return { lines, body: (await response.json()) as { cart: Record<string, number>; blob: number; isNew: boolean } };
};
const golden = (line: string) => line.replace(/^([^=]+)=[^;]+/, "$1=<value>");

describe("cookie store: sealing", () => {
  it("seals a compact JWE whose protected header is exactly dir / A256GCM / exp, and opens it", async () => {
    const store = cookieStore();
    const token = await store.seal(RECORD, context([SECRET]));
    expect(token.split(".")).toHaveLength(5);
    expect(token.split(".")[1]).toBe(""); // dir: no encrypted key
    expect(decodeHeader(token)).toEqual({ alg: "dir", enc: "A256GCM", exp: EXP });
    expect(Buffer.from(token.split(".")[3]!, "base64url").toString("latin1")).not.toContain("ada"); // encrypted, not just encoded
    expect(await store.unseal(token, context([SECRET]))).toEqual({ value: RECORD, stale: false });
  });

  it("derives the key with HKDF-SHA-256 from the secret: a token minted independently under that key opens", async () => {
    const store = cookieStore();
    const token = await forge({ alg: "dir", enc: "A256GCM", exp: EXP }, RECORD, await derivedKeyBytes(SECRET));
    expect(await store.unseal(token, context([SECRET]))).toEqual({ value: RECORD, stale: false });
  });

  it("the encryption key is not the secret itself (the core's HMAC key) nor bound to another cookie name", async () => {
    const store = cookieStore();
    const rawSecretKey = encoder.encode(SECRET).slice(0, 32);
    expect(await store.unseal(await forge({ alg: "dir", enc: "A256GCM", exp: EXP }, RECORD, rawSecretKey), context([SECRET]))).toBeNull();
    const forOtherName = await store.seal(RECORD, context([SECRET], { cookieName: "admin" }));
    expect(await store.unseal(forOtherName, context([SECRET]))).toBeNull();
  });

  it("derives each key once and caches it, never per request", async () => {
    const derive = vi.spyOn(crypto.subtle, "deriveKey");
    const { handler } = app({ store: cookieStore(), secrets: [SECRET, OLD_SECRET] });
    const jar = new CookieJar();
    for (let i = 0; i < 5; i++) await visit(handler, jar, "/add");
    expect((await visit(handler, jar, "/")).body.cart).toEqual({ apple: 5 });
    expect(derive).toHaveBeenCalledTimes(1); // only the first secret was ever needed
  });

  it("remembers tokens it sealed or opened, exactly: the same token again costs no decryption, a changed one is refused", async () => {
    const store = cookieStore();
    const secrets = [SECRET];
    const token = await cookieStore().seal(RECORD, context(secrets)); // sealed by another isolate
    const own = await store.seal(`${RECORD} `, context(secrets));
    const decrypt = vi.spyOn(crypto.subtle, "decrypt");
    expect(await store.unseal(token, context(secrets))).toEqual({ value: RECORD, stale: false });
    expect(await store.unseal(token, context(secrets))).toEqual({ value: RECORD, stale: false });
    expect(await store.unseal(own, context(secrets))).toEqual({ value: `${RECORD} `, stale: false });
    expect(decrypt).toHaveBeenCalledTimes(1);
    const flipped = `${token.slice(0, -1)}${token.endsWith("A") ? "Q" : "A"}`;
    expect(await store.unseal(flipped, context(secrets))).toBeNull();
    // Remembered under those secrets only: another list (a rotation) opens it afresh.
    expect(await store.unseal(token, context([OLD_SECRET]))).toBeNull();
    // And exp is still checked on a hit.
    expect(await store.unseal(token, context(secrets, { now: (EXP + 1) * 1000 }))).toBe("expired");
  });

  it("rejects a bad maxChunks at construction", () => {
    for (const maxChunks of [0, 1.5, 11, Number.NaN]) {
      expect(() => cookieStore({ maxChunks })).toThrowError(/cookie store: `maxChunks` must be an integer from 1 to 10/);
    }
  });
});

describe("cookie store: tampering", () => {
  afterEach(() => vi.restoreAllMocks());

  it("any single changed character gives null, never an exception", async () => {
    const store = cookieStore();
    const token = await store.seal(RECORD, context([SECRET]));
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    for (let index = 0; index < token.length; index++) {
      for (const replacement of [alphabet[(alphabet.indexOf(token[index]!) + 1) % alphabet.length]!, "A", "_"]) {
        if (replacement === token[index]) continue;
        const changed = token.slice(0, index) + replacement + token.slice(index + 1);
        expect(await store.unseal(changed, context([SECRET])), `position ${index} → ${replacement}`).toBeNull();
      }
    }
    for (const cut of [token.slice(0, -1), token.slice(1), `${token}A`, `${token}.`, "", "a.b.c", "....", "x".repeat(20_000)]) {
      expect(await store.unseal(cut, context([SECRET]))).toBeNull();
    }
  });

  it("refuses authentic tokens whose header is anything but dir / A256GCM / exp: other alg, enc, zip, crit, extra fields", async () => {
    const store = cookieStore();
    const key = await derivedKeyBytes(SECRET);
    const hostile: [string, Record<string, unknown>, Uint8Array<ArrayBuffer>][] = [
      ["enc A128GCM", { alg: "dir", enc: "A128GCM", exp: EXP }, await derivedKeyBytes(SECRET, "sid", "A128GCM", 128)],
      ["enc A256CBC-HS512 spelled as GCM key", { alg: "dir", enc: "A256CBC-HS512", exp: EXP }, key],
      ["alg A256GCMKW", { alg: "A256GCMKW", enc: "A256GCM", exp: EXP }, key],
      ["zip DEF", { alg: "dir", enc: "A256GCM", exp: EXP, zip: "DEF" }, key],
      ["crit", { alg: "dir", enc: "A256GCM", exp: EXP, crit: ["exp"] }, key],
      ["a kid", { alg: "dir", enc: "A256GCM", exp: EXP, kid: "1" }, key],
      ["no exp", { alg: "dir", enc: "A256GCM" }, key],
      ["exp as a string", { alg: "dir", enc: "A256GCM", exp: String(EXP) }, key],
      ["PBES2 with a huge count", { alg: "PBES2-HS512+A256KW", enc: "A256GCM", p2s: "c2FsdHNhbHQ", p2c: 2_147_483_647, exp: EXP }, key],
    ];
    for (const [label, header, keyBytes] of hostile) {
      expect(await store.unseal(await forge(header, RECORD, keyBytes), context([SECRET])), label).toBeNull();
    }
    // A key-wrapping token (non-empty encrypted key) is refused by shape, before any key is touched.
    const wrapped = await forge({ alg: "A256KW", enc: "A256GCM", exp: EXP }, RECORD, key, base64url(new Uint8Array(40)));
    const derive = vi.spyOn(crypto.subtle, "deriveKey");
    const decrypt = vi.spyOn(crypto.subtle, "decrypt");
    expect(await store.unseal(wrapped, context([SECRET]))).toBeNull();
    expect(
      await store.unseal(await forge({ alg: "dir", enc: "A256GCM", exp: EXP, zip: "DEF" }, RECORD, key), context([SECRET])),
    ).toBeNull();
    expect(derive).not.toHaveBeenCalled();
    expect(decrypt).not.toHaveBeenCalled();
  });

  it("a token sealed under a removed secret is null", async () => {
    const store = cookieStore();
    const token = await store.seal(RECORD, context([OLD_SECRET]));
    expect(await store.unseal(token, context([SECRET]))).toBeNull();
  });

  it("through the handler: a tampered or foreign cookie is a fresh session, a tampered event, and no exception", async () => {
    const { handler, events } = app({ store: cookieStore() });
    const jar = new CookieJar();
    await visit(handler, jar, "/add");
    await visit(handler, jar, "/add");
    const token = jar.cookies.get("sid")!;
    const key = await derivedKeyBytes(SECRET);
    for (const bad of [
      `${token.slice(0, 40)}${token[40] === "A" ? "B" : "A"}${token.slice(41)}`,
      await forge({ alg: "dir", enc: "A256GCM", exp: EXP, zip: "DEF" }, RECORD, key),
      await cookieStore().seal(RECORD, context([OLD_SECRET])),
    ]) {
      const forged = new CookieJar();
      forged.cookies.set("sid", bad);
      const { body, lines } = await visit(handler, forged, "/");
      expect(body).toEqual({ cart: {}, blob: 0, isNew: true });
      // The bad cookie is expired, so the browser stops sending it.
      expect(lines.map(golden)).toEqual(["sid=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"]);
    }
    expect(events.filter((event) => event.type === "tampered")).toHaveLength(3);
  });
});

describe("cookie store: several cookies with the name", () => {
  const read = (handler: ReturnType<typeof app>["handler"], header: string) =>
    handler(new Request("https://shop.test/", { headers: { cookie: header } })).then((response) => response.json());

  it("a forged one beside a valid one is ignored; two valid sessions at once mean no session", async () => {
    const { handler, events } = app({ store: cookieStore() });
    const a = new CookieJar();
    const b = new CookieJar();
    await visit(handler, a, "/add");
    await visit(handler, b, "/add");
    await visit(handler, b, "/add");
    const tokenA = a.cookies.get("sid")!;
    const tokenB = b.cookies.get("sid")!;
    expect(await read(handler, `sid=forged; sid=${tokenA}`)).toEqual({ cart: { apple: 1 }, blob: 0, isNew: false });
    expect(await read(handler, `sid=${tokenB}; sid=forged`)).toEqual({ cart: { apple: 2 }, blob: 0, isNew: false });
    events.length = 0;
    expect(await read(handler, `sid=${tokenA}; sid=${tokenB}`)).toEqual({ cart: {}, blob: 0, isNew: true });
    expect(events).toContainEqual({ type: "tampered", store: "cookie", reason: "ambiguous-cookies" });
  });
});

describe("cookie store: rotation", () => {
  it("a cookie sealed under an older secret opens, is re-issued under the first, and dies with the old secret", async () => {
    const before = app({ store: cookieStore(), secrets: [OLD_SECRET] });
    const jar = new CookieJar();
    await visit(before.handler, jar, "/add");
    const oldToken = jar.cookies.get("sid")!;

    const store = cookieStore();
    expect(await store.unseal(oldToken, context([SECRET, OLD_SECRET])))?.toMatchObject({ stale: true });
    const rotated = app({ store, secrets: [SECRET, OLD_SECRET] });
    const { body, lines } = await visit(rotated.handler, jar, "/"); // a read: re-issued all the same
    expect(body).toEqual({ cart: { apple: 1 }, blob: 0, isNew: false });
    expect(lines).toHaveLength(1);
    const newToken = jar.cookies.get("sid")!;
    expect(newToken).not.toBe(oldToken);
    expect(await store.unseal(newToken, context([SECRET]))).toMatchObject({ stale: false });

    const after = app({ store: cookieStore(), secrets: [SECRET] });
    expect((await visit(after.handler, jar, "/")).body.cart).toEqual({ apple: 1 });
    const stale = new CookieJar();
    stale.cookies.set("sid", oldToken);
    expect((await visit(after.handler, stale, "/")).body).toEqual({ cart: {}, blob: 0, isNew: true });
  });

  it("a cookie under the first secret is not re-issued by a read", async () => {
    const { handler } = app({ store: cookieStore(), secrets: [SECRET, OLD_SECRET] });
    const jar = new CookieJar();
    await visit(handler, jar, "/add");
    expect((await visit(handler, jar, "/")).lines).toEqual([]);
  });
});

describe("cookie store: expiry", () => {
  it("the token carries exp and is refused once it has passed, whatever the record says", async () => {
    const store = cookieStore();
    const token = await store.seal(RECORD, context([SECRET], { expiresAt: START + 60_000 }));
    expect(decodeHeader(token)).toMatchObject({ exp: START / 1000 + 60 });
    expect(await store.unseal(token, context([SECRET], { now: START + 59_999 }))).toEqual({ value: RECORD, stale: false });
    expect(await store.unseal(token, context([SECRET], { now: START + 60_000 }))).toBe("expired");
    // "expired" only for an authentic token: a forged one with an old exp is plain null.
    const forged = await forge({ alg: "dir", enc: "A256GCM", exp: START / 1000 - 1 }, RECORD, crypto.getRandomValues(new Uint8Array(32)));
    expect(await store.unseal(forged, context([SECRET]))).toBeNull();
  });

  it("an idle session dies after maxAge (an expired event, not tampered); absoluteTimeout ends an active one", async () => {
    const idle = app({ store: cookieStore(), maxAge: 3600 });
    const jar = new CookieJar();
    await visit(idle.handler, jar, "/add");
    idle.clock.advance(3599);
    expect((await visit(idle.handler, jar, "/add")).body.cart).toEqual({ apple: 2 });
    idle.clock.advance(3601);
    expect((await visit(idle.handler, jar, "/")).body).toEqual({ cart: {}, blob: 0, isNew: true });
    expect(idle.events.map((event) => event.type)).toEqual(["created", "expired"]);

    const capped = app({ store: cookieStore(), maxAge: 3600, absoluteTimeout: 7200 });
    const active = new CookieJar();
    await visit(capped.handler, active, "/add");
    for (const _ of [1, 2]) {
      capped.clock.advance(3000);
      expect((await visit(capped.handler, active, "/add")).body.isNew).toBe(false);
    }
    capped.clock.advance(1300); // idle for 1300 s only, but 7300 s after creation
    expect((await visit(capped.handler, active, "/")).body).toEqual({ cart: {}, blob: 0, isNew: true });
  });

  it("an unmodified session is re-sealed only after touchAfter, with a later exp", async () => {
    const { handler, clock } = app({ store: cookieStore(), maxAge: 1000, touchAfter: 100 });
    const jar = new CookieJar();
    await visit(handler, jar, "/add");
    const first = jar.cookies.get("sid")!;
    clock.advance(50);
    expect((await visit(handler, jar, "/")).lines).toEqual([]);
    clock.advance(50);
    const { lines } = await visit(handler, jar, "/");
    expect(lines.map(golden)).toEqual(["sid=<value>; Path=/; Max-Age=1000; HttpOnly; Secure; SameSite=Lax"]);
    expect(decodeHeader(jar.cookies.get("sid")!)).toMatchObject({ exp: (decodeHeader(first) as { exp: number }).exp + 100 });
  });
});

describe("cookie store: chunking", () => {
  it("golden Set-Cookie lines: one cookie for a small session, then numbered chunks, each within 4096 bytes", async () => {
    const { handler } = app({ store: cookieStore({ maxChunks: 4 }) });
    const jar = new CookieJar();
    const small = await visit(handler, jar, "/add");
    expect(small.lines.map(golden)).toEqual(["sid=<value>; Path=/; Max-Age=1209600; HttpOnly; Secure; SameSite=Lax"]);

    const large = await visit(handler, jar, "/blob?bytes=10240");
    expect(large.lines.map(golden)).toEqual([
      "sid.1=<value>; Path=/; Max-Age=1209600; HttpOnly; Secure; SameSite=Lax",
      "sid.2=<value>; Path=/; Max-Age=1209600; HttpOnly; Secure; SameSite=Lax",
      "sid.3=<value>; Path=/; Max-Age=1209600; HttpOnly; Secure; SameSite=Lax",
      "sid.4=<value>; Path=/; Max-Age=1209600; HttpOnly; Secure; SameSite=Lax",
      "sid=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
    ]);
    // The whole line, attributes included, stays within 4096 bytes (the strictest browsers count it).
    for (const line of large.lines) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(4096);
    // Full chunks use the whole room but for the Max-Age digits kept free for the 400-day cap.
    expect(large.lines[0]!.length).toBeGreaterThanOrEqual(4095);
    expect([...jar.cookies.keys()]).toEqual(["sid.1", "sid.2", "sid.3", "sid.4"]);

    // Reassembled on the next request, whole.
    const read = await visit(handler, jar, "/");
    expect(read.body).toEqual({ cart: { apple: 1 }, blob: 10240, isNew: false });
    expect(read.lines).toEqual([]);
    expect((await visit(handler, jar, "/add")).body.cart).toEqual({ apple: 2 });

    // Shrinking back to one cookie expires every old chunk.
    const shrunk = await visit(handler, jar, "/blob?bytes=10");
    expect(shrunk.lines.map(golden)).toEqual([
      "sid=<value>; Path=/; Max-Age=1209600; HttpOnly; Secure; SameSite=Lax",
      "sid.1=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
      "sid.2=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
      "sid.3=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
      "sid.4=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
    ]);
    expect([...jar.cookies.keys()]).toEqual(["sid"]);
    expect((await visit(handler, jar, "/")).body).toEqual({ cart: { apple: 2 }, blob: 10, isNew: false });
  });

  it("a missing or reordered chunk is a fresh session, never an exception", async () => {
    const { handler } = app({ store: cookieStore({ maxChunks: 4 }) });
    const jar = new CookieJar();
    await visit(handler, jar, "/blob?bytes=10240");
    const chunks = [...jar.cookies.entries()];
    const gap = new CookieJar();
    for (const [name, value] of chunks) if (name !== "sid.2") gap.cookies.set(name, value);
    expect((await visit(handler, gap, "/")).body.isNew).toBe(true);
    const swapped = new CookieJar();
    swapped.cookies.set("sid.1", chunks[1]![1]);
    swapped.cookies.set("sid.2", chunks[0]![1]);
    for (const [name, value] of chunks.slice(2)) swapped.cookies.set(name, value);
    expect((await visit(handler, swapped, "/")).body.isNew).toBe(true);
  });

  it("leaves the app's own `sid.something` cookies alone", async () => {
    const { handler } = app({ store: cookieStore() });
    const jar = new CookieJar();
    await visit(handler, jar, "/add");
    jar.cookies.set("sid.csrf", "token");
    expect((await visit(handler, jar, "/")).body.cart).toEqual({ apple: 1 });
    const { lines } = await visit(handler, jar, "/logout");
    expect(lines.map(golden)).toEqual(["sid=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"]);
    expect(jar.cookies.get("sid.csrf")).toBe("token");
  });

  it("destroy removes every chunk", async () => {
    const { handler } = app({ store: cookieStore({ maxChunks: 4 }) });
    const jar = new CookieJar();
    await visit(handler, jar, "/blob?bytes=10240");
    const { lines, body } = await visit(handler, jar, "/logout");
    expect(body).toEqual({ cart: {}, blob: 0, isNew: false });
    expect(lines.map(golden)).toEqual([
      "sid.1=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
      "sid.2=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
      "sid.3=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
      "sid.4=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
    ]);
    expect(jar.cookies.size).toBe(0);
  });

  it("the default cap (3 cookies) holds 8 KB of data and refuses 10 KB with ERR_SESSION_TOO_LARGE at commit, setting no cookie", async () => {
    const store = cookieStore();
    expect(store.maxChunks).toBe(3);
    const { handler } = app({ store });
    const jar = new CookieJar();
    expect((await visit(handler, jar, "/blob?bytes=8192")).lines).toHaveLength(3);

    const sessions = createSessions<Data>({ secrets: [SECRET], store });
    const handle = await sessions.open(jar.request("https://shop.test/"));
    (await handle.session()).set("blob", "x".repeat(10_240));
    const error = await handle.commit(new Response("ok")).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "SessionError", code: "ERR_SESSION_TOO_LARGE" });
    expect(String((error as Error).message)).toMatch(
      /^coatcheck: cookie store: the sealed session is \d+ bytes, more than 3 cookies can carry/,
    );

    // Through withSession the promise rejects, so no response (and no Set-Cookie) goes out; the
    // browser keeps the previous, still valid cookies.
    await expect(handler(jar.request("https://shop.test/blob?bytes=10240"))).rejects.toMatchObject({ code: "ERR_SESSION_TOO_LARGE" });
    expect((await visit(handler, jar, "/")).body.blob).toBe(8192);
  });
});

describe("cookie store: the same handler code as any store", () => {
  it("regenerate issues a new token with the same data; setExpiry(0) makes a browser-close cookie", async () => {
    const clock = fakeClock();
    const handler = withSession<Data>(
      async (request, ctx) => {
        const session = await ctx.session();
        const path = new URL(request.url).pathname;
        if (path === "/login") {
          session.regenerate();
          session.set("user", "ada");
          session.setExpiry(0);
        } else session.set("cart", { apple: 1 });
        return Response.json({ user: session.get("user") ?? null, cart: session.get("cart") ?? {} });
      },
      { secrets: [SECRET], store: cookieStore(), clock },
    );
    const jar = new CookieJar();
    jar.apply(await handler(jar.request("https://shop.test/add")));
    const before = jar.cookies.get("sid");
    const response = await handler(jar.request("https://shop.test/login"));
    expect(jar.apply(response).map(golden)).toEqual(["sid=<value>; Path=/; HttpOnly; Secure; SameSite=Lax"]);
    expect(jar.cookies.get("sid")).not.toBe(before);
    expect(await response.json()).toEqual({ user: "ada", cart: { apple: 1 } });
  });
});
