// base64url without padding (RFC 4648 §5): encoded by the runtime's `Uint8Array.prototype.toBase64`
// where it has one, else through btoa/atob, which every runtime coatcheck supports has.

/** `Uint8Array.prototype.toBase64` (TC39 proposal-arraybuffer-base64), where the runtime has it. */
type NativeBase64 = { toBase64?(options: { alphabet: "base64url"; omitPadding: boolean }): string };

export function encodeBase64urlNoPadding(bytes: Uint8Array): string {
  const native = (bytes as NativeBase64).toBase64;
  if (native) return native.call(bytes, { alphabet: "base64url", omitPadding: true });
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
