// The type of `Astro.locals` and `context.locals` in every page, endpoint and action.
declare namespace App {
  interface Locals {
    /** Loads the session on the first call (one store read at most); later calls return the same one. */
    session: () => Promise<import("coatcheck").Session<import("./sessions").Data>>;
  }
}
