// The few assertions the store conformance suite makes, owned here rather than taken from
// `node:assert`: `coatcheck/testing` then runs wherever a store does (workerd without
// `nodejs_compat` too) and its declarations need no `@types/node`.

/** Thrown by a failed check; any test runner reports it as a failure. */
export class ConformanceAssertionError extends Error {
  /** Always `"ConformanceAssertionError"`. */
  override name = "ConformanceAssertionError";
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…(${value.length} chars)` : value);
  if (value === undefined) return "undefined";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function fail(message: string | undefined, detail: string): never {
  throw new ConformanceAssertionError(message ? `${message}: ${detail}` : detail);
}

export function ok(value: unknown, message?: string): asserts value {
  if (!value) fail(message, `expected a truthy value, got ${show(value)}`);
}

export function equal(actual: unknown, expected: unknown, message?: string): void {
  if (!Object.is(actual, expected)) fail(message, `expected ${show(expected)}, got ${show(actual)}`);
}

export function notEqual(actual: unknown, unexpected: unknown, message?: string): void {
  if (Object.is(actual, unexpected)) fail(message, `expected anything but ${show(unexpected)}`);
}

/**
 * That `promise` rejects, with an error whose properties include every one of `expected`'s, equal
 * by {@link deepEqual} (as `node:assert`'s `rejects` with an object: `{ code: "ERR_…" }`).
 */
export async function rejects(promise: Promise<unknown>, expected: Record<string, unknown>, message?: string): Promise<void> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    for (const [key, wanted] of Object.entries(expected)) {
      const actual = error === null || error === undefined ? undefined : (error as Record<string, unknown>)[key];
      if (!sameStructure(actual, wanted))
        fail(message, `expected a rejection with ${key} ${show(wanted)}, got ${show(actual)}: ${String(error)}`);
    }
    return;
  }
  fail(message, `expected a rejection, got a fulfilment with ${show(value)}`);
}

/** Structural equality of JSON-like values: primitives, arrays and plain objects. */
export function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  if (!sameStructure(actual, expected)) fail(message, `expected ${show(expected)}, got ${show(actual)}`);
}

function sameStructure(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  const recordA = a as Record<string, unknown>;
  const recordB = b as Record<string, unknown>;
  return keysA.every((key) => Object.hasOwn(recordB, key) && sameStructure(recordA[key], recordB[key]));
}
