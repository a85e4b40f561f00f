// The ticket stamp: HMAC-SHA-256 (RFC 2104), on the runtime's fastest crypto path, and which of a
// request's cookie values carries the ticket. The MAC covers a format version and
// the cookie name as well as the id, so a value minted for one cookie name is worthless under another.
import { type CryptoPath, cryptoPath, type HmacKey } from "./crypto-path.js";
import { decodeBase64urlNoPadding, utf8 } from "./encoding.js";
import type { SessionEvents } from "./events.js";
import { RecentCache } from "./recent-cache.js";
import { MAX_TICKETS_TRIED } from "./ticket-carrier.js";

const FORMAT = "coatcheck/v1";
/** 32-byte id and 32-byte MAC, both unpadded base64url: 43 characters each. */
const SIGNED_VALUE = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;
/** Verified values remembered per keyring; past this the oldest is forgotten. */
const VERIFIED_CACHE_SIZE = 10_000;

const macInput = (cookieName: string, id: string) => utf8.encode(`${FORMAT}\n${cookieName}\n${id}`);

/** A verified ticket and the exact cookie value that carried it. */
export interface PickedTicket {
  ticket: VerifiedTicket;
  value: string;
}

/** What a verified cookie value names. `keyIndex` > 0 means an older secret stamped it. */
export interface VerifiedTicket {
  id: string;
  keyIndex: number;
  storeKey?: string;
  /** Stamped by an older secret: its value under the first one, once signed (re-sent until the browser takes it). */
  resigned?: string;
}

/**
 * The keys for one list of secrets, made once, and the cookie values they have already verified.
 * The cache matches exact values only, is bounded, and lives and dies with the secrets.
 */
export class Keyring {
  readonly #secrets: readonly string[];
  readonly #path: CryptoPath;
  #keys: HmacKey[] | undefined;
  readonly #verified = new RecentCache<string, VerifiedTicket>(VERIFIED_CACHE_SIZE);

  constructor(secrets: readonly string[], path: CryptoPath = cryptoPath) {
    this.#secrets = secrets;
    this.#path = path;
  }

  keys(): HmacKey[] {
    this.#keys ??= this.#secrets.map((secret) => this.#path.hmacKey(utf8.encode(secret)));
    return this.#keys;
  }

  /**
   * `<id>.<mac>` stamped with the first secret, remembered as verified (with its store key, when
   * given) so the visitor's next request costs no crypto.
   */
  async sign(cookieName: string, id: string, storeKey?: string | Promise<string>): Promise<string> {
    const [key] = this.keys();
    // The MAC and a pending store-key hash run side by side (on Web Crypto each waits on a thread pool).
    const [mac, resolvedKey] = await Promise.all([key!.sign(macInput(cookieName, id)), storeKey]);
    const value = `${id}.${mac}`;
    this.#verified.set(`${cookieName}=${value}`, { id, keyIndex: 0, storeKey: resolvedKey });
    return value;
  }

  /**
   * The one ticket among a request's values of the cookie. Forged values are ignored (one
   * `tampered` event); two valid tickets for different sessions, or more values than a browser
   * would send, are ambiguous: no crypto for the latter.
   */
  async pick(cookieName: string, values: readonly string[], events: SessionEvents): Promise<PickedTicket | "ambiguous" | null> {
    let found: PickedTicket | null = null;
    let ambiguous = values.length > MAX_TICKETS_TRIED;
    for (const value of ambiguous ? [] : values) {
      const ticket = await this.verify(cookieName, value);
      if (!ticket) {
        events.tampered("bad-signature");
      } else if (found && found.ticket.id !== ticket.id) {
        ambiguous = true;
        break;
      } else if (!found || ticket.keyIndex < found.ticket.keyIndex) {
        found = { ticket, value };
      }
    }
    if (!ambiguous) return found;
    events.tampered("ambiguous-cookies");
    return "ambiguous";
  }

  /** The ticket a cookie value carries, or null for anything not stamped by one of the secrets. */
  async verify(cookieName: string, value: string): Promise<VerifiedTicket | null> {
    // Remembered per cookie name too: a value stamped for one name is worthless under another.
    const cacheKey = `${cookieName}=${value}`;
    const known = this.#verified.get(cacheKey);
    if (known) return known;
    if (!SIGNED_VALUE.test(value)) return null;
    const dot = value.indexOf(".");
    const id = value.slice(0, dot);
    const mac = decodeBase64urlNoPadding(value.slice(dot + 1));
    if (!mac || !decodeBase64urlNoPadding(id)) return null;
    const keys = this.keys();
    const data = macInput(cookieName, id);
    for (let keyIndex = 0; keyIndex < keys.length; keyIndex++) {
      // Both paths compare in constant time.
      if (await keys[keyIndex]!.verify(mac, data)) {
        const ticket = { id, keyIndex };
        this.#verified.set(cacheKey, ticket);
        return ticket;
      }
    }
    return null;
  }
}
