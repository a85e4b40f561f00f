// base64url without padding (RFC 4648 §5), through the platform's btoa/atob: every runtime
// coatcheck supports has them, and they cost no bytes in the bundle.

export function encodeBase64urlNoPadding(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** Null when `text` is not canonical unpadded base64url (so two strings never decode alike). */
export function decodeBase64urlNoPadding(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  let binary: string;
  try {
    binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return null;
  }
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return encodeBase64urlNoPadding(bytes) === text ? bytes : null;
}

const encoder = new TextEncoder();

/**
 * UTF-8 bytes, typed as Web Crypto wants them: some runtimes' types (workers-types) declare
 * `encode` as returning a view over `ArrayBufferLike`, though it is always a fresh `ArrayBuffer`.
 */
export const utf8 = { encode: (text: string) => encoder.encode(text) as Uint8Array<ArrayBuffer> };
