// The per-request state behind a `Session`: what the handler changed, so that a save writes only
// that and can re-apply it on a fresher record; and the check that values are JSON.
import type { SessionData, SessionRecord } from "./record.js";

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

function describeNonJson(value: unknown, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : String(value);
    case "object": {
      if (value === null) return undefined;
      if (seen.has(value)) return "a circular reference";
      if (!Array.isArray(value) && !isPlainObject(value)) return `an instance of ${value.constructor?.name ?? "a class"}`;
      seen.add(value);
      for (const item of Array.isArray(value) ? value : Object.values(value)) {
        const problem = describeNonJson(item, seen);
        if (problem) return problem;
      }
      seen.delete(value);
      return undefined;
    }
    default:
      return typeof value === "bigint" ? "a bigint" : `a ${typeof value}`;
  }
}

/** A key-level change this request made, re-applied on top of a fresher record on conflict. */
type Change = { value: unknown; update?: (current: unknown) => unknown } | null;

/** Internal per-request state behind a {@link Session}. */
export class SessionState {
  /** The data as loaded, read in place until this request changes it; then its copy. */
  readonly #loaded: SessionData;
  #copy: Map<string, unknown> | undefined;
  readonly flashIn: Map<string, unknown>;
  readonly flashOut: Map<string, unknown> = new Map();
  readonly changes: Map<string, Change> = new Map();
  cleared = false;
  expiry: number | null | undefined = undefined;
  regenerate = false;
  destroyed = false;
  closed = false;
  /** The user now bound (`setUser`), and whether this request set it. */
  user: string | undefined;
  authenticatedAt: number | undefined;
  userSet = false;
  /** The app's `userVersion` of `user`, looked up at commit when this request set it. */
  userVersion: string | undefined;
  /** Ended on load: the app's `userVersion` for its user changed. */
  revoked = false;

  constructor(
    /** The record as loaded, or null for a new session. */
    public readonly base: SessionRecord | null,
    /** The clock, for `authenticatedAt`. */
    public readonly now: () => number,
    /** The ref of the session as the request loaded or saved it (undefined before it is first stored). */
    public readonly ref: () => string | undefined,
  ) {
    this.#loaded = base?.d ?? {};
    this.flashIn = new Map(Object.entries(base?.f ?? {}));
    this.user = base?.u;
    this.authenticatedAt = base?.a;
  }

  /** The data to change: the loaded record's, copied on first use, so a request that only reads never copies it. */
  get data(): Map<string, unknown> {
    return (this.#copy ??= new Map(Object.entries(this.#loaded)));
  }

  has(key: string): boolean {
    return this.#copy ? this.#copy.has(key) : Object.hasOwn(this.#loaded, key);
  }

  /** The value under `key`, else a value flashed for this request. */
  get(key: string): unknown {
    if (!this.has(key)) return this.flashIn.get(key);
    return this.#copy ? this.#copy.get(key) : this.#loaded[key];
  }

  /** Every key removed (the session itself stays). */
  clear(): void {
    this.#copy = new Map();
    this.changes.clear();
    this.cleared = true;
  }

  /** The session ends at commit: its record deleted, its cookie expired, unless data set after starts a new one. */
  end(): void {
    this.destroyed = true;
    this.clear();
    this.flashIn.clear();
    this.userSet = true;
    this.user = undefined;
    this.authenticatedAt = undefined;
  }

  get modified(): boolean {
    return (
      this.changes.size > 0 || this.cleared || this.flashOut.size > 0 || this.flashIn.size > 0 || this.expiry !== undefined || this.userSet
    );
  }

  /** True when nothing would be left to store: no data, no flash, no user. */
  get empty(): boolean {
    if (this.flashOut.size > 0 || this.user !== undefined) return false;
    if (this.#copy) return this.#copy.size === 0;
    // Visits every key of a large record: tested last.
    for (const key in this.#loaded) if (Object.hasOwn(this.#loaded, key)) return false;
    return true;
  }

  /** This request's changes applied on top of `record` (null: a new session). */
  applyTo(record: SessionRecord | null, now: number): SessionRecord {
    // Null-prototype objects: a "__proto__" key is data here, not a prototype.
    const data: SessionData = Object.create(null);
    if (record && !this.cleared) Object.assign(data, record.d);
    for (const [key, change] of this.changes) {
      // An update() made on an older record runs again on this one, so no tab's change is lost.
      if (change?.update && record !== this.base && !this.cleared) data[key] = checked(key, change.update(record?.d[key]));
      else if (change) data[key] = change.value;
      else delete data[key];
    }
    const flash: SessionData = Object.create(null);
    if (record?.f) {
      for (const [key, value] of Object.entries(record.f)) {
        // A flash this request consumed stays consumed; one another request set since is kept.
        const consumed = this.flashIn.has(key) && JSON.stringify(this.flashIn.get(key)) === JSON.stringify(value);
        if (!consumed) flash[key] = value;
      }
    }
    for (const [key, value] of this.flashOut) flash[key] = value;
    const next: SessionRecord = {
      v: 1,
      c: record?.c ?? now,
      t: now,
      e: this.expiry !== undefined ? this.expiry : (record?.e ?? null),
      d: data,
    };
    if (Object.keys(flash).length > 0) next.f = flash;
    this.#bindUser(next, record);
    return next;
  }

  /** The user binding: this request's, or the one on `record` (a fresher one after a conflict). */
  #bindUser(next: SessionRecord, record: SessionRecord | null): void {
    const bound = this.userSet ? { u: this.user, a: this.authenticatedAt, uv: this.userVersion } : record;
    if (bound?.u === undefined) return;
    next.u = bound.u;
    if (bound.a !== undefined) next.a = bound.a;
    if (bound.uv !== undefined) next.uv = bound.uv;
  }
}

export function assertJson(key: string, value: unknown): void {
  const problem = value === undefined ? "undefined (use delete to remove a key)" : describeNonJson(value, new Set());
  if (problem) throw new TypeError(`coatcheck: the session value for "${key}" is not JSON-serialisable: it contains ${problem}.`);
}

export function checked<T>(key: string, value: T): T {
  assertJson(key, value);
  return value;
}
