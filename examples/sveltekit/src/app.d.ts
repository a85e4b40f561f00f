// The type of `event.locals` in every load, action and endpoint.
import type { Session } from "coatcheck";
import type { Data } from "$lib/server/sessions";

declare global {
  namespace App {
    interface Locals {
      /** Loads the session on the first call (one store read at most); later calls return the same one. */
      session: () => Promise<Session<Data>>;
    }
  }
}
