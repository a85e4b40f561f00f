import { describe, expect, it } from "vitest";
import { type CryptoPath, nodeCrypto, nodeCryptoPath, webCrypto } from "../src/crypto-path.js";
import { decodeBase64urlNoPadding, encodeBase64urlNoPadding, utf8 } from "../src/encoding.js";
import { Keyring } from "../src/signature.js";
import { OLD_SECRET, SECRET } from "./helpers.js";

const hex = (text: string) => Uint8Array.from(text.match(/../g)!.map((byte) => Number.parseInt(byte, 16)));
const toHex = (bytes: Uint8Array) => [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");

// RFC 4231 §4: HMAC-SHA-256 known answers (test case 5, a truncated output, does not apply).
const RFC_4231: [string, Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>, string][] = [
  ["1", hex("0b".repeat(20)), utf8.encode("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
  [
    "2",
    utf8.encode("Jefe"),
    utf8.encode("what do ya want for nothing?"),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  ],
  ["3", hex("aa".repeat(20)), hex("dd".repeat(50)), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
  [
    "4",
    hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
    hex("cd".repeat(50)),
    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
  ],
  [
    "6",
    hex("aa".repeat(131)),
    utf8.encode("Test Using Larger Than Block-Size Key - Hash Key First"),
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
  ],
  [
    "7",
    hex("aa".repeat(131)),
    utf8.encode(
      "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
    ),
    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
  ],
];

const paths: CryptoPath[] = [webCrypto, ...(nodeCrypto ? [nodeCryptoPath(nodeCrypto)] : [])];

it("this runtime has node:crypto, so both crypto paths are tested", () => {
  expect(paths.map((path) => path.name)).toEqual(["web-crypto", "node:crypto"]);
});

for (const path of paths) {
  describe(`HMAC-SHA-256 through ${path.name}`, () => {
    for (const [name, key, data, expected] of RFC_4231) {
      it(`matches RFC 4231 test case ${name}, and verifies it (not one bit changed)`, async () => {
        const hmac = path.hmacKey(key);
        const mac = decodeBase64urlNoPadding(await hmac.sign(data))!;
        expect(toHex(mac)).toBe(expected);
        expect(await hmac.verify(mac, data)).toBe(true);
        const flipped = Uint8Array.from(mac);
        flipped[31]! ^= 1;
        expect(await hmac.verify(flipped, data)).toBe(false);
        expect(await hmac.verify(flipped.subarray(0, 16), data)).toBe(false);
      });
    }
  });
}

describe("the two crypto paths agree byte for byte", () => {
  const [web, node] = paths as [CryptoPath, CryptoPath];

  it("SHA-256 store keys and HMAC tickets made on one path open on the other", async () => {
    for (const text of ["", "a", "coatcheck/v1 user\nada", "x".repeat(1000), "\u00e9\u{1F600}"]) {
      expect(await node.sha256(text)).toBe(await web.sha256(text));
    }
    const signedOnWeb = await new Keyring([SECRET, OLD_SECRET], web).sign("sid", web.randomId());
    const signedOnNode = await new Keyring([SECRET, OLD_SECRET], node).sign("sid", node.randomId());
    expect(await new Keyring([SECRET], node).verify("sid", signedOnWeb)).toMatchObject({ keyIndex: 0 });
    expect(await new Keyring([SECRET], web).verify("sid", signedOnNode)).toMatchObject({ keyIndex: 0 });
    expect(await new Keyring([OLD_SECRET], node).verify("sid", signedOnWeb)).toBeNull();
  });

  it("random ids are 32 bytes of unpadded base64url on both, all distinct", () => {
    const ids = new Set(Array.from({ length: 1000 }, (_, index) => (index % 2 ? web : node).randomId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(decodeBase64urlNoPadding(id)?.length).toBe(32);
  });
});

describe("base64url", () => {
  it("round-trips every length and rejects non-canonical text", () => {
    for (let length = 0; length < 40; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length));
      const text = encodeBase64urlNoPadding(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(decodeBase64urlNoPadding(text)).toEqual(bytes);
    }
    expect(decodeBase64urlNoPadding("AA")).toEqual(new Uint8Array([0]));
    expect(decodeBase64urlNoPadding("AB")).toBeNull(); // non-zero leftover bits
    expect(decodeBase64urlNoPadding("A")).toBeNull();
    expect(decodeBase64urlNoPadding("A+B/")).toBeNull();
  });
});

describe("Keyring", () => {
  const id = encodeBase64urlNoPadding(new Uint8Array(32).fill(7));

  it("signs with the first secret and verifies with any, reporting which", async () => {
    const oldRing = new Keyring([OLD_SECRET]);
    const rotated = new Keyring([SECRET, OLD_SECRET]);
    const oldValue = await oldRing.sign("sid", id);
    expect(await rotated.verify("sid", oldValue)).toMatchObject({ id, keyIndex: 1 });
    const newValue = await rotated.sign("sid", id);
    expect(await rotated.verify("sid", newValue)).toMatchObject({ id, keyIndex: 0 });
    expect(await new Keyring([SECRET]).verify("sid", oldValue)).toBeNull();
  });

  it("binds the MAC to the cookie name, in the verified cache too", async () => {
    const ring = new Keyring([SECRET]);
    const value = await ring.sign("sid", id);
    expect(await ring.verify("other", value)).toBeNull(); // the same ring remembers `value` for "sid" only
    expect(await new Keyring([SECRET]).verify("other", value)).toBeNull();
    expect(await new Keyring([SECRET]).verify("sid", value)).toMatchObject({ id });
  });

  it("imports each key once, not per call", async () => {
    const ring = new Keyring([SECRET]);
    expect(ring.keys()).toBe(ring.keys());
  });

  it("remembers verified values exactly: a one-character change is verified afresh and fails", async () => {
    // Web Crypto's path, whose calls this test counts.
    const ring = new Keyring([SECRET], webCrypto);
    const value = await ring.sign("sid", id);
    const verify = crypto.subtle.verify.bind(crypto.subtle);
    let calls = 0;
    crypto.subtle.verify = ((...args: Parameters<typeof verify>) => (calls++, verify(...args))) as typeof verify;
    try {
      expect(await ring.verify("sid", value)).toMatchObject({ id });
      expect(calls).toBe(0);
      const flipped = `${value.slice(0, -1)}${value.endsWith("A") ? "B" : "A"}`;
      expect(await ring.verify("sid", flipped)).toBeNull();
      expect(calls).toBe(1);
    } finally {
      crypto.subtle.verify = verify;
    }
  });
});

describe("base64url on the runtime's own encoder", () => {
  // RFC 4648 §10 vectors, and every byte value at each offset modulo 3, encoded by the code under
  // test in Bun and Deno (which have `Uint8Array.prototype.toBase64`), against Node's Buffer.
  const inputs = ["", "f", "fo", "foo", "foob", "fooba", "foobar"].map((text) => [...utf8.encode(text)]);
  for (let offset = 0; offset < 3; offset++) inputs.push([...Array(offset).fill(0), ...Array.from({ length: 256 }, (_, byte) => byte)]);
  const script = `import { encodeBase64urlNoPadding } from "./src/encoding.ts";
console.log(JSON.stringify({ native: typeof Uint8Array.prototype.toBase64, out: ${JSON.stringify(inputs)}.map((bytes) => encodeBase64urlNoPadding(Uint8Array.from(bytes))) }));`;
  const expected = inputs.map((bytes) => Buffer.from(bytes).toString("base64url"));
  const runtimes: [string, string[]][] = [
    ["bun", ["-e", script]],
    ["deno", ["eval", "--ext=ts", script]],
  ];
  for (const [runtime, args] of runtimes) {
    it(`gives the same text as Buffer in ${runtime}, through toBase64`, async () => {
      const { execFileSync } = await import("node:child_process");
      const output = execFileSync(`node_modules/.bin/${runtime}`, args, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
      const { native, out } = JSON.parse(output.trim().split("\n").at(-1)!) as { native: string; out: string[] };
      expect(native).toBe("function");
      expect(out).toEqual(expected);
    });
  }
  it("gives the same text as Buffer here, through btoa", () => {
    expect(inputs.map((bytes) => encodeBase64urlNoPadding(Uint8Array.from(bytes)))).toEqual(expected);
  });
});
