// A ticket that is the record itself, sealed by a `SealedCookieStore` into the cookie: our chunk
// names, joining and unsealing them, ambiguity, and sealing and splitting on the way out.
import { MAX_COOKIE_NAME_VALUE_BYTES, readCookies } from "./cookie.js";
import { encodeBase64urlNoPadding } from "./encoding.js";
import { SessionError } from "./errors.js";
import type { SessionEvents } from "./events.js";
import { acceptRecord, expiresAt, type LifetimePolicy, type SessionRecord } from "./record.js";
import type { SessionState } from "./session-state.js";
import type { SealContext, SealedCookieStore } from "./store.js";
import { MAX_TICKETS_TRIED, type SavePlan, type Ticket, type TicketCarrier, type UserSessions } from "./ticket-carrier.js";

/** What the sealed-cookie carrier is configured with, once. */
export interface SealedCookieConfig {
  store: SealedCookieStore;
  secrets: readonly string[];
  cookieName: string;
  policy: LifetimePolicy;
  clock: () => number;
}

export function sealedCookieCarrier(config: SealedCookieConfig): TicketCarrier {
  const { cookieName, store } = config;
  const prefix = `${cookieName}.`;
  // Only `<name>.<n>` up to maxChunks is ours: an app's own `sid.csrf` must not be joined in or
  // expired, and `sid.1` … `sid.1000` sent by a client must not cost a thousand expiring lines.
  const isOurs = (name: string) =>
    name === cookieName || (name.startsWith(prefix) && isChunkIndex(name.slice(prefix.length), store.maxChunks));
  return {
    users: cannotFindUsers(store.name),
    async load(request, events) {
      const cookies = readCookies(request.headers.get("cookie"), isOurs, MAX_TICKETS_TRIED);
      const sentCookies = [...cookies.keys()];
      const tokens = [...(cookies.get(cookieName) ?? [])];
      if (tokens.length > MAX_TICKETS_TRIED) return ambiguous(config, events);
      // Every `<name>` value (a browser sends one per path or domain), and the chunks joined.
      if (cookies.has(`${prefix}1`)) {
        let joined = "";
        for (let index = 1; cookies.has(`${prefix}${index}`); index++) joined += cookies.get(`${prefix}${index}`)![0];
        tokens.push(joined);
      }
      const opened = await openOne(config, tokens, events);
      if (opened === "ambiguous") return ambiguous(config, events);
      const record = opened ? acceptRecord(opened.value, undefined, config.policy, config.clock(), events) : null;
      const carried = record ? opened! : undefined;
      return new SealedTicket(config, record, sentCookies, carried?.stale === true, carried?.token);
    },
  };
}

/** Two authentic sessions at once: trust neither, as with two valid ids, and expire nothing. */
function ambiguous(config: SealedCookieConfig, events: SessionEvents): Ticket {
  events.tampered("ambiguous-cookies");
  return new SealedTicket(config, null, [], false, undefined);
}

/** The one session the tokens open to; forged and expired ones are reported and skipped. */
async function openOne(
  config: SealedCookieConfig,
  tokens: readonly string[],
  events: SessionEvents,
): Promise<{ value: string; stale: boolean; token: string } | "ambiguous" | undefined> {
  const context: SealContext = { secrets: config.secrets, cookieName: config.cookieName, expiresAt: 0, now: config.clock() };
  let found: { value: string; stale: boolean; token: string } | undefined;
  for (const token of tokens) {
    if (!token) continue;
    const opened = await config.store.unseal(token, context).catch(() => null);
    if (opened === "expired") events.emit("expired");
    else if (!opened) events.tampered("bad-signature");
    else if (found && found.value !== opened.value) return "ambiguous";
    else found ??= { ...opened, token };
  }
  return found;
}

class SealedTicket implements Ticket {
  readonly #config: SealedCookieConfig;

  constructor(
    config: SealedCookieConfig,
    readonly record: SessionRecord | null,
    readonly sentCookies: readonly string[],
    readonly stale: boolean,
    readonly cookieValue: string | undefined,
  ) {
    this.#config = config;
  }

  #saved: SessionRecord | undefined;

  get ref(): string | undefined {
    return (this.#saved ?? this.record)?.r;
  }

  /** Nothing to store: the record travels in the cookie. A new or regenerated session gets a new ref. */
  async save(state: SessionState, { fresh }: SavePlan, now: number): Promise<SessionRecord> {
    const record = state.applyTo(fresh ? null : this.record, now);
    const kept = !fresh && !state.regenerate ? this.record?.r : undefined;
    record.r = kept ?? encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(16)));
    this.#saved = record;
    return record;
  }

  /** Nothing to delete: the expiring cookies end it. */
  async discard(): Promise<void> {}

  async cookies(record: SessionRecord, now: number, emptyLineLength: (name: string) => number): Promise<[string, string][]> {
    const { store, secrets, cookieName, policy } = this.#config;
    const token = await store.seal(JSON.stringify(record), { secrets, cookieName, expiresAt: expiresAt(record, policy), now });
    const chunks = splitToken(cookieName, token, store.maxChunks, emptyLineLength);
    if (chunks) return chunks;
    throw new SessionError(
      "ERR_SESSION_TOO_LARGE",
      `${store.name} store: the sealed session is ${token.length} bytes, more than ${store.maxChunks} cookies can carry; keep less in the session or use a server-side store.`,
    );
  }
}

/** A sealed session lives in the browser: there is nothing on the server to list or end. */
function cannotFindUsers(storeName: string): UserSessions {
  const unsupported = async (): Promise<never> => {
    throw new SessionError(
      "ERR_SESSION_UNSUPPORTED",
      `${storeName} store: sessions cannot be listed or revoked, because they live in the browser's cookie. Use a server-side store, or the \`userVersion\` option to end a user's sessions everywhere.`,
    );
  };
  return { list: unsupported, revoke: unsupported, revokeAll: unsupported };
}

/** `1` … `maxChunks`, spelled canonically (no leading zero). */
function isChunkIndex(text: string, maxChunks: number): boolean {
  return /^[1-9]\d{0,2}$/.test(text) && Number(text) <= maxChunks;
}

/**
 * A sealed token as [cookie name, value] pairs, each whole `Set-Cookie` line, attributes included,
 * within 4096 bytes: RFC 6265bis §5.7 counts name and value only, but the strictest browsers count
 * the line. `emptyLineLength(name)` is the length of the line for `name` with an empty value (all of
 * it ASCII, so characters are bytes). The plain name when one cookie is enough, `<name>.1` …
 * otherwise. Null when more than `maxChunks` cookies would be needed.
 */
export function splitToken(
  cookieName: string,
  token: string,
  maxChunks: number,
  emptyLineLength: (name: string) => number,
): [string, string][] | null {
  if (emptyLineLength(cookieName) + token.length <= MAX_COOKIE_NAME_VALUE_BYTES) return [[cookieName, token]];
  const room = MAX_COOKIE_NAME_VALUE_BYTES - emptyLineLength(`${cookieName}.${maxChunks}`);
  const count = Math.ceil(token.length / room);
  if (count > maxChunks) return null;
  const chunks: [string, string][] = [];
  for (let index = 0; index < count; index++) chunks.push([`${cookieName}.${index + 1}`, token.slice(index * room, (index + 1) * room)]);
  return chunks;
}
