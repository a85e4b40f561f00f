import { describe, expect, it } from "vitest";
import { cookieSerializer, isCookieDomain, isCookieName, isCookiePath, readCookies } from "../src/cookie.js";
import { splitToken } from "../src/sealed-cookie-carrier.js";

const all = () => true;

describe("readCookies (RFC 6265bis §5.6 cookie-string, leniently)", () => {
  it("reads pairs, keeps every value of a repeated name in order, and strips DQUOTEs", () => {
    const cookies = readCookies('a=1; b="two"; a=3;c=; =x; junk; d=e=f', all);
    expect(Object.fromEntries(cookies)).toEqual({ a: ["1", "3"], b: ["two"], c: [""], "": ["x"], d: ["e=f"] });
  });

  it("reads only the names asked for", () => {
    expect([...readCookies("sid=1; other=2", (name) => name === "sid").keys()]).toEqual(["sid"]);
    expect(readCookies(null, all).size).toBe(0);
  });
});

describe("cookieSerializer", () => {
  const line = cookieSerializer({ path: "/", httpOnly: true, sameSite: "lax" as const, partitioned: false });

  it("writes a browser-close cookie without Max-Age", () => {
    expect(line("sid", "v", undefined, true)).toBe("sid=v; Path=/; HttpOnly; Secure; SameSite=Lax");
  });

  it("caps Max-Age at 400 days (§5.5) and floors it at 0", () => {
    expect(line("sid", "v", 10 ** 9, true)).toContain("Max-Age=34560000;");
    expect(line("sid", "", -5, true)).toContain("Max-Age=0;");
  });
});

describe("validation", () => {
  it("accepts tokens as names and nothing else", () => {
    expect(isCookieName("__Host-sid")).toBe(true);
    for (const bad of ["", "a b", "a;b", "a=b", "a,b", 'a"b', "é", "a\tb"]) expect(isCookieName(bad)).toBe(false);
  });

  it("accepts absolute paths without ';' or controls", () => {
    expect(isCookiePath("/app/x-y")).toBe(true);
    for (const bad of ["", "app", "/a;b", "/a\nb", "/\u007f"]) expect(isCookiePath(bad)).toBe(false);
  });

  it("accepts host names, with an optional leading dot", () => {
    for (const good of ["example.com", ".example.com", "a-b.c0.io", "localhost"]) expect(isCookieDomain(good)).toBe(true);
    for (const bad of ["", "-a.com", "a..com", "a b.com", "a;b.com", "exa_mple.com", "a.com."]) expect(isCookieDomain(bad)).toBe(false);
  });
});

describe("splitToken", () => {
  const line = cookieSerializer({ path: "/", httpOnly: true, sameSite: "lax" as const, partitioned: false });
  const emptyLineLength = (name: string) => line(name, "", 34_560_000, true).length;

  it("keeps a short token in one cookie and splits a long one so that each whole Set-Cookie line is within 4096 bytes", () => {
    expect(splitToken("sid", "abc", 5, emptyLineLength)).toEqual([["sid", "abc"]]);
    const token = "x".repeat(10_000);
    const chunks = splitToken("sid", token, 5, emptyLineLength)!;
    expect(chunks.map(([name]) => name)).toEqual(["sid.1", "sid.2", "sid.3"]);
    for (const [name, value] of chunks) expect(line(name, value, 34_560_000, true).length).toBeLessThanOrEqual(4096);
    expect(chunks.map(([, value]) => value).join("")).toBe(token);
    expect(splitToken("sid", token, 2, emptyLineLength)).toBeNull();
  });

  it("counts the attributes: a token whose name and value fit 4096 bytes but whose line does not is split", () => {
    const token = "x".repeat(4096 - "sid".length);
    const chunks = splitToken("sid", token, 3, emptyLineLength)!;
    expect(chunks).toHaveLength(2);
    for (const [name, value] of chunks) expect(line(name, value, 34_560_000, true).length).toBeLessThanOrEqual(4096);
  });
});

describe("readCookies, hardened", () => {
  it("trims names and values of space and tab only (RFC 6265bis §5.6), never U+00A0 or other Unicode spaces", () => {
    const cookies = readCookies("\u00A0__Host-sid=forged; \u2003sid=x; \t__Host-sid\t= real \t", () => true);
    expect(cookies.get("__Host-sid")).toEqual(["real"]);
    expect(cookies.get("\u00A0__Host-sid")).toEqual(["forged"]);
    expect(cookies.has("sid")).toBe(false);
  });

  it("keeps a repeated value once and at most maxValues (plus one that tells there were more)", () => {
    const header = Array.from({ length: 1000 }, (_, index) => `sid=v${index % 10}`).join("; ");
    expect(readCookies(header, (name) => name === "sid").get("sid")).toHaveLength(10);
    expect(readCookies(header, (name) => name === "sid", 4).get("sid")).toEqual(["v0", "v1", "v2", "v3", "v4"]);
  });
});
