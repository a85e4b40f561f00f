// One request's session: loaded lazily through the ticket carrier, then committed by the one
// decision table into store writes and `Set-Cookie` lines on the response.
import { MAX_COOKIE_AGE_SECONDS } from "./cookie.js";
import { SessionError } from "./errors.js";
import { SessionEvents } from "./events.js";
import type { ResolvedOptions } from "./options.js";
import { cookieMaxAge, endsWithBrowser, type SessionData, type SessionRecord, touchDue } from "./record.js";
import { decorate, passesThrough } from "./response.js";
import { Session } from "./session.js";
import { SessionState } from "./session-state.js";
import type { Ticket } from "./ticket-carrier.js";
import type { UserVersions } from "./user-version.js";

/** A loaded request: its ticket, and the state the handler's `Session` changes. */
interface Loaded {
  ticket: Ticket;
  state: SessionState;
  session: Session<SessionData>;
  events: SessionEvents;
}

/** One request's session, opened from a request and committed onto its response. */
export interface SessionHandle<Data extends SessionData = SessionData> {
  /** Loads the session on the first call (one store read at most); later calls return the same one. */
  session(): Promise<Session<Data>>;
  /**
   * Saves what changed and returns the response with the cookie set, on a copy when cookies are
   * set. A response whose handler never loaded the session comes back untouched.
   */
  commit(response: Response): Promise<Response>;
  /**
   * Closes the handle without saving anything or setting a cookie, for a request whose route threw
   * (what `withSession` does then). The request may be opened again afterwards, as when a framework
   * renders an error page for it through the same middleware.
   */
  release(): void;
}

export class RequestSession<Data extends SessionData> implements SessionHandle<Data> {
  readonly #options: ResolvedOptions;
  readonly #request: Request;
  readonly #env: unknown;
  readonly #versions: UserVersions;
  #loading: Promise<Loaded> | undefined;
  #committed = false;

  constructor(options: ResolvedOptions, request: Request, env: unknown, versions: UserVersions) {
    this.#options = options;
    this.#request = request;
    this.#env = env;
    this.#versions = versions;
  }

  /** The ref of this request's session, when it has been loaded. */
  async currentRef(): Promise<string | undefined> {
    const loaded = await this.#loading?.catch(() => undefined);
    return loaded?.ticket.ref;
  }

  get cookieName(): string {
    return this.#options.cookieName;
  }

  /** Not committed yet: another handle for this request and cookie would be a double mount. */
  get open(): boolean {
    return !this.#committed;
  }

  async session(): Promise<Session<Data>> {
    if (!this.#loading && this.#committed) {
      throw new SessionError(
        "ERR_SESSION_CLOSED",
        "the session was first loaded after its response was committed (in `waitUntil` or other background work); changes made there could never be saved. Load it before returning the response.",
      );
    }
    this.#loading ??= this.#load();
    return (await this.#loading).session as unknown as Session<Data>;
  }

  async #load(): Promise<Loaded> {
    const { carrier, onEvent, store, clock } = this.#options;
    const events = new SessionEvents(onEvent, store.name);
    const ticket = await carrier.load(this.#request, events);
    const state = new SessionState(ticket.record, clock, () => ticket.ref);
    await this.#checkUserVersion(state, events);
    return { ticket, state, session: new Session(state), events };
  }

  /** A session whose user's credentials changed since `setUser` (the app's `userVersion`) ends here. */
  async #checkUserVersion(state: SessionState, events: SessionEvents): Promise<void> {
    const record = state.base;
    // No version recorded (bound before the option existed), or the option since removed: nothing to compare.
    if (record?.u === undefined || record.uv === undefined || !this.#options.userVersion) return;
    if (await this.#versions.matches(record.u, record.uv, this.#options, this.#env)) return;
    state.revoked = true;
    state.end();
    events.emit("revoked");
  }

  release(): void {
    this.#committed = true;
    this.#loading?.then(
      (loaded) => {
        loaded.state.closed = true;
      },
      () => {},
    );
  }

  async commit(response: Response): Promise<Response> {
    this.#committed = true;
    const passThrough = passesThrough(response, this.#request);
    if (!this.#loading) return response;
    let loaded: Loaded;
    try {
      loaded = await this.#loading;
    } catch {
      // The handler was told (ctx.session() rejected) and answered anyway: nothing to save.
      return response;
    }
    loaded.state.closed = true;
    if (passThrough) return response;
    const cookies = response.status < 500 || this.#options.saveOnError ? await this.#persist(loaded) : [];
    return decorate(response, cookies);
  }

  /** The one decision table: what to store, and the `Set-Cookie` lines to send. */
  async #persist({ ticket, state, events }: Loaded): Promise<string[]> {
    const { clock, policy } = this.#options;
    const now = clock();
    const base = ticket.record;
    const empty = state.empty;
    if (base && (state.destroyed || empty)) {
      await ticket.discard();
      events.emit("destroyed");
    }
    if (empty) return this.#expireSent(ticket, []);
    const fresh = !base || state.destroyed;
    const touchOnly = !fresh && !state.modified && touchDue(base, policy, now);
    if (!fresh && !state.modified && !state.regenerate && !touchOnly) {
      // Stamped by an older secret: re-issue under the first one (lazy migration), same expiry.
      return ticket.stale ? this.#setCookies(ticket, base, now) : [];
    }
    if (state.userSet && state.user !== undefined) {
      state.userVersion = await this.#versions.current(state.user, this.#options, this.#env);
    }
    const record = await ticket.save(state, { fresh, touchOnly }, now);
    // The store skipped a touch-only write: the cookie must not outlive the stored expiry either.
    if (!record) return [];
    if (fresh) events.emit("created");
    else if (state.regenerate) events.emit("regenerated");
    return this.#setCookies(ticket, record, now);
  }

  /** Set-Cookie lines carrying `record`, and expiring whichever of our cookies the request sent that they replace no more. */
  async #setCookies(ticket: Ticket, record: SessionRecord, now: number): Promise<string[]> {
    const { policy } = this.#options;
    const pairs = await ticket.cookies(record, now, (name) => this.#cookie(name, "", MAX_COOKIE_AGE_SECONDS).length);
    // The browser already holds exactly this value, and neither record has an expiry to refresh.
    const base = ticket.record;
    const held = pairs.length === 1 && pairs[0]![0] === this.#options.cookieName && pairs[0]![1] === ticket.cookieValue;
    if (held && base && endsWithBrowser(base, policy) && endsWithBrowser(record, policy)) return [];
    const maxAge = cookieMaxAge(record, policy, now);
    const lines = pairs.map(([name, value]) => this.#cookie(name, value, maxAge));
    return lines.concat(
      this.#expireSent(
        ticket,
        pairs.map(([name]) => name),
      ),
    );
  }

  /** Expiring Set-Cookie lines for the cookies of ours the request carried, except those in `keep`. */
  #expireSent(ticket: Ticket, keep: readonly string[]): string[] {
    return ticket.sentCookies.filter((name) => !keep.includes(name)).map((name) => this.#cookie(name, "", 0));
  }

  #cookie(name: string, value: string, maxAge: number | undefined): string {
    const { secure, cookie } = this.#options;
    // Request.url is always absolute and serialised with a lower-case scheme: no URL parse needed.
    const isSecure = secure === "auto" ? this.#request.url.startsWith("https:") : secure;
    return cookie(name, value, maxAge, isSecure);
  }
}
