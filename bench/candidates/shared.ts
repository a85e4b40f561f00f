// What every candidate and floor is made of: their shapes, the secret and max-age they all use, and
// the route lookup and text response every one of them pays alike.
import type { FetchHandler, StoreCounts } from "../harness.js";

export const SECRET = "bench-secret-bench-secret-bench-secret-0001";
export const MAX_AGE = 14 * 24 * 3600;

export interface Instance {
  fetch: FetchHandler;
  /** Counts of the store's calls; absent for stateless (cookie) stores. */
  counts?: StoreCounts;
  /** Releases what `create` started (connections, a database server); called once the run ends. */
  close?(): Promise<void> | void;
}

/**
 * A session library reduced to one fetch-shaped handler with four routes: /s1 reads `count`, /s2
 * increments it and saves, /s3 is a new visitor who gets a session with `count = 0` (also used to
 * log the virtual users in), /s4 never touches the session.
 */
export interface Candidate {
  name: string;
  /** The floor (see floors.ts) this candidate's overhead is measured over. */
  floor: string;
  /** Where the data lives. */
  store: "server" | "cookie";
  /** One line for the notes: what exactly runs. */
  note: string;
  create(): Promise<Instance>;
}

/** The same routes with no session at all: what a candidate's overhead is measured over. */
export interface Floor {
  name: string;
  note: string;
  create(): Promise<FetchHandler>;
}

/** The last path segment: a route lookup every candidate and floor pays alike. */
export const route = (url: string): string => url.slice(url.lastIndexOf("/"));

export const text = (body: string) => new Response(body, { headers: { "content-type": "text/plain;charset=UTF-8" } });
