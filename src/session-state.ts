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
  data: Map<string, unknown>;
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
    public readonly now: () => number = Date.now,
    /** The ref of the session as the request loaded or saved it (undefined before it is first stored). */
    public readonly ref: () => string | undefined = () => undefined,
  ) {
    this.data = new Map(base ? Object.entries(base.d) : undefined);
    this.flashIn = new Map(base?.f ? Object.entries(base.f) : undefined);
    this.user = base?.u;
    this.authenticatedAt = base?.a;
  }

  /** The session ends at commit: its record deleted, its cookie expired, unless data set after starts a new one. */
  end(): void {
    this.destroyed = true;
    this.cleared = true;
    this.data.clear();
    this.changes.clear();
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
    return this.data.size === 0 && this.flashOut.size === 0 && this.user === undefined;
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
