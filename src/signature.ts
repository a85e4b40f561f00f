// The ticket stamp: HMAC-SHA-256 (RFC 2104) through Web Crypto. The MAC covers a format version and
// the cookie name as well as the id, so a value minted for one cookie name is worthless under another.
import { decodeBase64urlNoPadding, encodeBase64urlNoPadding, utf8 } from "./encoding.js";

const FORMAT = "coatcheck/v1";
/** 32-byte id and 32-byte MAC, both unpadded base64url: 43 characters each. */
const SIGNED_VALUE = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;
/** Verified values remembered per keyring; past this the oldest is forgotten. */
const VERIFIED_CACHE_SIZE = 10_000;

export function importHmacKey(secret: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

export async function hmacSha256(key: CryptoKey, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, data));
}

const macInput = (cookieName: string, id: string) => utf8.encode(`${FORMAT}\n${cookieName}\n${id}`);

/** What a verified cookie value names. `keyIndex` > 0 means an older secret stamped it. */
export interface VerifiedTicket {
  id: string;
  keyIndex: number;
  storeKey?: string;
}

/**
 * The keys for one list of secrets, imported once, and the cookie values they have already
 * verified. The cache matches exact values only, is bounded, and lives and dies with the secrets.
 */
export class Keyring {
  readonly #secrets: readonly string[];
  #keys: Promise<CryptoKey[]> | undefined;
  readonly #verified = new Map<string, VerifiedTicket>();

  constructor(secrets: readonly string[]) {
    this.#secrets = secrets;
  }

  keys(): Promise<CryptoKey[]> {
    this.#keys ??= Promise.all(this.#secrets.map((secret) => importHmacKey(utf8.encode(secret))));
    return this.#keys;
  }

  /**
   * `<id>.<mac>` stamped with the first secret, remembered as verified (with its store key, when
   * given) so the visitor's next request costs no crypto.
   */
  async sign(cookieName: string, id: string, storeKey?: string | Promise<string>): Promise<string> {
    const [key] = await this.keys();
    // The MAC and a pending store-key hash run side by side: each Web Crypto call costs ~15 µs in Node.
    const [mac, resolvedKey] = await Promise.all([hmacSha256(key!, macInput(cookieName, id)), storeKey]);
    const value = `${id}.${encodeBase64urlNoPadding(mac)}`;
    this.#remember(`${cookieName}=${value}`, { id, keyIndex: 0, storeKey: resolvedKey });
    return value;
  }

  /** The ticket a cookie value carries, or null for anything not stamped by one of the secrets. */
  async verify(cookieName: string, value: string): Promise<VerifiedTicket | null> {
    // Remembered per cookie name too: a value stamped for one name is worthless under another.
    const cacheKey = `${cookieName}=${value}`;
    const known = this.#verified.get(cacheKey);
    // A hit moves to the back of the line: returning visitors outlive a flood of new ones.
    if (known) return this.#remember(cacheKey, known);
    if (!SIGNED_VALUE.test(value)) return null;
    const dot = value.indexOf(".");
    const id = value.slice(0, dot);
    const mac = decodeBase64urlNoPadding(value.slice(dot + 1));
    if (!mac || !decodeBase64urlNoPadding(id)) return null;
    const keys = await this.keys();
    const data = macInput(cookieName, id);
    for (let keyIndex = 0; keyIndex < keys.length; keyIndex++) {
      // crypto.subtle.verify compares in constant time.
      if (await crypto.subtle.verify("HMAC", keys[keyIndex]!, mac, data)) {
        return this.#remember(cacheKey, { id, keyIndex });
      }
    }
    return null;
  }

  #remember(cacheKey: string, ticket: VerifiedTicket): VerifiedTicket {
    this.#verified.delete(cacheKey);
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) {
      this.#verified.delete(this.#verified.keys().next().value!);
    }
    this.#verified.set(cacheKey, ticket);
    return ticket;
  }
}
