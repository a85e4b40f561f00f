/**
 * `coatcheck/adapters/cookie`: a stateless store. The session record travels in the cookie itself,
 * encrypted and authenticated as a compact JWE (`alg: "dir"`, `enc: "A256GCM"`, through `jose`)
 * under a key derived from the configured `secrets`. Nothing is stored on the server; in exchange
 * a stolen cookie cannot be revoked before it expires, and the data travels on every request.
 *
 * A token longer than one cookie (4096 bytes of name and value, RFC 6265bis §5.7) is split by the
 * core over `<name>.1`, `<name>.2`, … up to `maxChunks`; past that, commit fails with
 * `ERR_SESSION_TOO_LARGE` rather than letting a browser drop the cookie without a word.
 *
 * This is the only file in coatcheck that imports `jose`.
 *
 * @module
 */
import { CompactEncrypt, compactDecrypt, type DecryptOptions } from "jose";
import { MAX_COOKIE_NAME_VALUE_BYTES } from "../src/cookie.js";
import { decodeBase64urlNoPadding, utf8 } from "../src/encoding.js";
import { SessionError } from "../src/errors.js";
import type { SealedCookieStore } from "../src/store.js";

/** Options of {@link cookieStore}. */
export interface CookieStoreOptions {
  /**
   * [3] How many cookies one session may span (about 4 KB each). The default keeps the `Cookie`
   * header under Node's 16 KiB request-header limit; nginx and Apache allow about 8 KB per header
   * line by default, so behind them use 2 or less.
   */
  maxChunks?: number;
}

const DEFAULT_MAX_CHUNKS = 3;
/** Past this many cookies (40 KB on every request) a server-side store is the better tool. */
const MAX_CHUNKS_LIMIT = 10;
/** The only header this store writes or accepts (RFC 7516 §9: compact = 5 base64url parts). */
const ALG = "dir";
const ENC = "A256GCM";
/** `<header>..<12-byte IV>.<ciphertext>.<16-byte tag>`: `dir` has an empty encrypted key. */
const COMPACT_SHAPE = /^([A-Za-z0-9_-]{1,100})\.\.[A-Za-z0-9_-]{16}\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/;
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const DECRYPT_OPTIONS: DecryptOptions = {
  keyManagementAlgorithms: [ALG],
  contentEncryptionAlgorithms: [ENC],
  maxDecompressedLength: 0,
};
/** HKDF (RFC 5869) inputs: the same secret gives the HMAC key of the core and, here, a different AES key. */
const HKDF_SALT = utf8.encode("coatcheck/v1 cookie store");
const hkdfInfo = (cookieName: string) => utf8.encode(`coatcheck/v1 ${ENC} ${cookieName}`);
/** An opened token, remembered with what it was opened under. */
interface Opened {
  value: string;
  stale: boolean;
  exp: number;
  secrets: readonly string[];
  cookieName: string;
}

/** Opened tokens remembered per store: single-cookie tokens only, bounded in count and in characters (~8 MB). */
const OPENED_CACHE_ENTRIES = 10_000;
const OPENED_CACHE_CHARS = 4_000_000;

/** Derived keys remembered per store; bounded so per-env secrets cannot grow it without end. */
const KEY_CACHE_SIZE = 64;
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * A sealed-cookie store: the session lives in the cookie, encrypted with keys derived from the
 * `secrets` (the first encrypts, all decrypt; a cookie opened by an older secret is re-issued).
 * Handler code is the same as with any other store.
 *
 * @example
 * ```ts
 * import { withSession } from "coatcheck";
 * import { cookieStore } from "coatcheck/adapters/cookie";
 *
 * export default {
 *   fetch: withSession<{ cart: Record<string, number> }, { SESSION_SECRETS: string }>(
 *     async (_request, ctx) => {
 *       const session = await ctx.session();
 *       session.set("cart", { apple: (session.get("cart")?.apple ?? 0) + 1 });
 *       return Response.json(session.get("cart"));
 *     },
 *     (env) => ({ secrets: env.SESSION_SECRETS.split(" "), store: cookieStore() }),
 *   ),
 * };
 * ```
 */
export function cookieStore(options: CookieStoreOptions = {}): SealedCookieStore {
  const { maxChunks = DEFAULT_MAX_CHUNKS } = options;
  if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > MAX_CHUNKS_LIMIT) {
    throw new SessionError(
      "ERR_SESSION_OPTIONS",
      `cookie store: \`maxChunks\` must be an integer from 1 to ${MAX_CHUNKS_LIMIT}; got ${String(maxChunks)}. For larger sessions use a server-side store.`,
    );
  }
  const maxTokenLength = maxChunks * MAX_COOKIE_NAME_VALUE_BYTES;
  const keys = new Map<string, Promise<CryptoKey>>();
  // Tokens this store has already opened, by exact value: a returning visitor's unchanged cookie
  // costs no decryption (~15 µs of Web Crypto in Node). Tied to the secrets list and cookie name
  // it was opened under, bounded, and `exp` is still checked on every hit.
  const opened = new Map<string, Opened>();
  let openedChars = 0;
  const forget = (token: string) => {
    const entry = opened.get(token);
    if (!entry) return;
    opened.delete(token);
    openedChars -= token.length + entry.value.length;
  };
  const remember = (token: string, entry: Opened) => {
    if (token.length > MAX_COOKIE_NAME_VALUE_BYTES) return; // chunked sessions are rare and large
    forget(token);
    opened.set(token, entry);
    openedChars += token.length + entry.value.length;
    while (opened.size > OPENED_CACHE_ENTRIES || openedChars > OPENED_CACHE_CHARS) forget(opened.keys().next().value!);
  };

  /** The AES key for one secret and cookie name, derived on first use and then reused. */
  const keyFor = (secret: string, cookieName: string): Promise<CryptoKey> => {
    const cacheKey = `${cookieName}\n${secret}`;
    let key = keys.get(cacheKey);
    if (!key) {
      if (keys.size >= KEY_CACHE_SIZE) keys.delete(keys.keys().next().value!);
      key = deriveEncryptionKey(secret, cookieName);
      keys.set(cacheKey, key);
    }
    return key;
  };

  return {
    name: "cookie",
    kind: "sealed-cookie",
    maxChunks,
    async seal(value, context) {
      const key = await keyFor(context.secrets[0]!, context.cookieName);
      // RFC 7519 §5.3: the expiry is replicated in the protected header, which AES-GCM
      // authenticates (it is the additional data), so it cannot be moved without the key.
      const exp = Math.ceil(context.expiresAt / 1000);
      const token = await new CompactEncrypt(utf8.encode(value)).setProtectedHeader({ alg: ALG, enc: ENC, exp }).encrypt(key);
      // This browser's next request brings the token back: it opens without decrypting.
      remember(token, { value, stale: false, exp, secrets: context.secrets, cookieName: context.cookieName });
      return token;
    },
    async unseal(token, context) {
      const known = opened.get(token);
      if (known && known.secrets === context.secrets && known.cookieName === context.cookieName) {
        if (known.exp * 1000 <= context.now) return "expired";
        remember(token, known);
        return { value: known.value, stale: known.stale };
      }
      const exp = acceptableExpiry(token, maxTokenLength);
      if (exp === null) return null;
      for (let index = 0; index < context.secrets.length; index++) {
        try {
          const key = await keyFor(context.secrets[index]!, context.cookieName);
          const { plaintext } = await compactDecrypt(token, key, DECRYPT_OPTIONS);
          // Checked once authentic, so a forged old `exp` is reported as tampering, not expiry.
          if (exp * 1000 <= context.now) return "expired";
          const result = { value: strictUtf8.decode(plaintext), stale: index > 0 };
          if (token.length <= MAX_COOKIE_NAME_VALUE_BYTES)
            remember(token, { ...result, exp, secrets: context.secrets, cookieName: context.cookieName });
          return result;
        } catch {
          // Not this secret (or not ours at all): try the next one.
        }
      }
      return null;
    },
  };
}

async function deriveEncryptionKey(secret: string, cookieName: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", utf8.encode(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: HKDF_SALT, info: hkdfInfo(cookieName) },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/**
 * The cheap checks, before any crypto: the compact shape, a length cap, and a protected header
 * of exactly `alg: "dir"`, `enc: "A256GCM"` and `exp` (so no `zip`, no `crit`). Returns `exp`, or
 * null when the token is refused.
 */
function acceptableExpiry(token: string, maxLength: number): number | null {
  if (typeof token !== "string" || token.length > maxLength) return null;
  const [, header, ciphertext, tag] = COMPACT_SHAPE.exec(token) ?? [];
  if (!header || !ciphertext || !tag || !isCanonical(ciphertext) || !isCanonical(tag)) return null;
  const bytes = decodeBase64urlNoPadding(header);
  if (!bytes) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const { alg, enc, exp } = parsed as Record<string, unknown>;
  const valid = Object.keys(parsed).length === 3 && alg === ALG && enc === ENC && typeof exp === "number" && Number.isSafeInteger(exp);
  return valid ? (exp as number) : null;
}

/**
 * Unpadded base64url whose unused trailing bits are zero (RFC 4648 §3.5): a decoder that ignores
 * them would open a token with its last character changed, so one token has one spelling only.
 */
function isCanonical(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 0) return true;
  if (rest === 1) return false;
  const lastDigit = BASE64URL.indexOf(segment[segment.length - 1]!);
  return (lastDigit & (rest === 2 ? 0b1111 : 0b11)) === 0;
}
