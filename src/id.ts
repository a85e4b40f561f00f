// Session ids and the store keys they hash to.
import { cryptoPath } from "./crypto-path.js";

/** 256 random bits from the platform CSPRNG, unpadded base64url (43 characters). */
export function newSessionId(): string {
  return cryptoPath.randomId();
}

/**
 * The key a session is stored under: SHA-256 of the id, so a dump of the store yields no live
 * ticket (the id is 256 random bits: no salt or slow hash is needed against guessing).
 */
export function storeKeyFor(id: string): Promise<string> {
  return cryptoPath.sha256(id);
}
