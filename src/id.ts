import { encodeBase64urlNoPadding, utf8 } from "./encoding.js";

/** 256 random bits from the platform CSPRNG, unpadded base64url (43 characters). */
export function newSessionId(): string {
  return encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * The key a session is stored under: SHA-256 of the id, so a dump of the store yields no live
 * ticket (the id is 256 random bits: no salt or slow hash is needed against guessing).
 */
export async function storeKeyFor(id: string): Promise<string> {
  return encodeBase64urlNoPadding(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(id))));
}
