// The points of each growth curve: the sessions a curve's users start with, and the secret lists.

import { SECRET } from "./candidates/shared.js";
import { SECRETS, type Setup } from "./growth-candidates.js";

export interface Point {
  /** The row label in the page. */
  label: string;
  setup: Setup;
}

const base: Setup = { payload: {}, secrets: [SECRET], latencyMs: 0 };

/**
 * A cart of small records whose JSON is about `bytes` long: many small values, as a session holds,
 * rather than one long string that JSON copies in one go.
 */
export function cartOfSize(bytes: number): Record<string, unknown> {
  const items: { sku: string; qty: number; note: string }[] = [];
  let length = '{"cart":[]}'.length;
  while (length < bytes) {
    const item = { sku: `sku-${String(items.length).padStart(6, "0")}`, qty: (items.length % 9) + 1, note: "gift wrap" };
    const added = JSON.stringify(item).length + (items.length > 0 ? 1 : 0);
    if (length + added > bytes && items.length > 0) break;
    items.push(item);
    length += added;
  }
  return { cart: items };
}

/** `count` keys of short strings (`k0001: "value-0001"`); one key means `count` alone. */
export function keysOf(count: number): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (let index = 1; index < count; index++) payload[`k${String(index).padStart(4, "0")}`] = `value-${String(index).padStart(4, "0")}`;
  return payload;
}

export const sizePoints: Point[] = [
  ["100 B", 100],
  ["1 KB", 1_000],
  ["10 KB", 10_000],
  ["100 KB", 100_000],
].map(([label, bytes]) => ({ label: label as string, setup: { ...base, payload: cartOfSize(bytes as number) } }));

export const keyPoints: Point[] = [1, 10, 100, 1_000].map((count) => ({
  label: count.toLocaleString("en-US"),
  setup: { ...base, payload: keysOf(count) },
}));

/** 1, 3 and 10 secrets; the ticket stamped by the first (the current one) or by the last (the oldest). */
export const secretPoints: Point[] = [
  { label: "1", setup: { ...base, secrets: SECRETS.slice(0, 1), loginSecrets: [SECRETS[0]!] } },
  ...[3, 10].flatMap((count) => {
    const secrets = SECRETS.slice(0, count);
    return [
      { label: `${count}, stamped by the first`, setup: { ...base, secrets, loginSecrets: [secrets[0]!] } },
      { label: `${count}, stamped by the last`, setup: { ...base, secrets, loginSecrets: [secrets.at(-1)!] } },
    ];
  }),
];

export const TABS = [1, 4, 16];
export const LATENCIES_MS = [0, 1];
