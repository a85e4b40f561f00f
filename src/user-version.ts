// The app's version of a user's credentials (`userVersion`), asked when a user is set and when a
// user's session loads, and remembered per isolate for `userVersionCacheSeconds`.
import type { ResolvedOptions } from "./options.js";

/** Users whose version is remembered at most; past it the oldest is forgotten. */
const REMEMBERED_USERS = 10_000;

export class UserVersions {
  readonly #remembered = new Map<string, { version: string; until: number }>();

  /**
   * The current version of `userId`'s credentials, or undefined when the app keeps none. `fresh`
   * (at `setUser`: a login right after a password change) asks the app whatever is remembered.
   */
  async current(userId: string, options: ResolvedOptions, env: unknown, fresh = false): Promise<string | undefined> {
    const { userVersion, userVersionCacheSeconds, clock } = options;
    if (!userVersion) return undefined;
    const now = clock();
    const known = this.#remembered.get(userId);
    if (known && known.until > now && !fresh) return known.version;
    const version = String(await userVersion(userId, env));
    if (userVersionCacheSeconds > 0) {
      this.#remembered.delete(userId);
      if (this.#remembered.size >= REMEMBERED_USERS) this.#remembered.delete(this.#remembered.keys().next().value!);
      this.#remembered.set(userId, { version, until: now + userVersionCacheSeconds * 1000 });
    }
    return version;
  }
}
