// The measuring half of the in-process benchmark: virtual users with cookie jars, interleaved rounds,
// per-request timings, medians of rounds. Runtime-neutral (Node, Bun, Deno): Web APIs and
// `performance.now()` only.

/** A fetch-shaped handler: what every candidate is reduced to. */
export type FetchHandler = (request: Request) => Promise<Response>;

export type Scenario = "S0" | "S1" | "S2" | "S3" | "S4";

export const SCENARIOS: Record<Scenario, string> = {
  S0: "no session (the floor)",
  S1: "read a value from an existing session",
  S2: "read-modify-write",
  S3: "a new visitor who gets a session",
  S4: "a valid cookie, the handler never touches the session",
};

/** Store calls, counted by a wrapper around the candidate's own store. */
export interface StoreCounts {
  reads: number;
  writes: number;
  deletes: number;
  /** Commands sent to a networked store's server (each one round trip), where the client is wrapped by a counter. */
  roundTrips?: number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const zeroCounts = (): StoreCounts => ({ reads: 0, writes: 0, deletes: 0 });

/** A browser-like jar: applies every Set-Cookie (Max-Age=0 or a past Expires deletes) and sends the rest. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    let header = "";
    for (const [name, value] of this.cookies) header += header ? `; ${name}=${value}` : `${name}=${value}`;
    return header;
  }

  /** Applies the response's Set-Cookie lines; returns how many there were. */
  apply(lines: string[]): number {
    for (const line of lines) {
      const semicolon = line.indexOf(";");
      const pair = semicolon === -1 ? line : line.slice(0, semicolon);
      const equals = pair.indexOf("=");
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      if (/;\s*max-age=0(?:;|$)/i.test(line) || /;\s*expires=thu, 01 jan 1970/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return lines.length;
  }

  request(url: string): Request {
    const cookie = this.header();
    return new Request(url, cookie ? { headers: { cookie } } : undefined);
  }
}

/** One timed request through a virtual user's jar: build the request, handle, read the body, apply Set-Cookie. */
export async function visit(
  handler: FetchHandler,
  jar: CookieJar,
  url: string,
): Promise<{ elapsed: number; setCookies: number; status: number }> {
  const start = performance.now();
  const response = await handler(jar.request(url));
  await response.arrayBuffer();
  const setCookies = jar.apply(response.headers.getSetCookie());
  const elapsed = performance.now() - start;
  return { elapsed, setCookies, status: response.status };
}

/** Mean, median and 99th percentile of one round's timings, in µs. */
export interface RoundStats {
  mean: number;
  p50: number;
  p99: number;
}

export function roundStats(samplesMs: Float64Array): RoundStats {
  const sorted = Float64Array.from(samplesMs).sort();
  let sum = 0;
  for (const sample of sorted) sum += sample;
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))]! * 1000;
  return { mean: (sum / sorted.length) * 1000, p50: at(0.5), p99: at(0.99) };
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Fisher–Yates with a seeded generator, so the interleaving differs per round but the run is repeatable. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  for (let index = result.length - 1; index > 0; index--) {
    const other = Math.floor(next() * (index + 1));
    [result[index], result[other]] = [result[other]!, result[index]!];
  }
  return result;
}

/** Formats a number of µs for the table. */
export function us(value: number): string {
  if (!Number.isFinite(value)) return "—";
  if (Math.abs(value) >= 1000) return value.toFixed(0);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return value.toFixed(1);
}

export function perRequest(value: number): string {
  if (!Number.isFinite(value)) return "—";
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** Crypto calls made by anyone in the process, counted around the APIs themselves. */
export interface CryptoCounters {
  webCrypto: { calls: number };
  /** `createHmac` and `createHash` of `node:crypto` (coatcheck's fast path, express-session's signing). */
  nodeCrypto: { calls: number };
}

export function countCrypto(): CryptoCounters {
  return { webCrypto: countWebCrypto(), nodeCrypto: countNodeCrypto() };
}

/**
 * Counts `createHmac` and `createHash` calls on the `node:crypto` module object that
 * `process.getBuiltinModule` and `require` both return; stays at zero where there is none.
 */
function countNodeCrypto(): { calls: number } {
  const counter = { calls: 0 };
  const process = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
  const module = process?.getBuiltinModule?.("node:crypto") as Record<string, unknown> | undefined;
  if (!module) return counter;
  for (const method of ["createHmac", "createHash"]) {
    const original = module[method];
    if (typeof original !== "function") continue;
    try {
      module[method] = function (this: unknown, ...args: unknown[]) {
        counter.calls++;
        return original.apply(this, args);
      };
    } catch {
      // A frozen module object (some runtimes): the column then reads 0 there, which the page says.
    }
  }
  return counter;
}

/**
 * Counts `crypto.subtle` calls made by anyone in this process. Installed once, before any
 * candidate runs.
 */
function countWebCrypto(): { calls: number } {
  const counter = { calls: 0 };
  const proto = Object.getPrototypeOf(crypto.subtle) as Record<string, unknown>;
  for (const method of ["sign", "verify", "digest", "encrypt", "decrypt", "deriveBits", "deriveKey", "importKey"]) {
    const original = proto[method];
    if (typeof original !== "function") continue;
    proto[method] = function (this: SubtleCrypto, ...args: unknown[]) {
      counter.calls++;
      return original.apply(this, args);
    };
  }
  return counter;
}
