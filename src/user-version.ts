// The app's version of a user's credentials (`userVersion`), asked when a user is set and when a
// user's session loads, and remembered per isolate for `userVersionCacheSeconds`.
import type { ResolvedOptions } from "./options.js";
import { RecentCache } from "./recent-cache.js";

/** Users whose version is remembered at most; past it the oldest is forgotten. */
const REMEMBERED_USERS = 10_000;

export class UserVersions {
  readonly #remembered = new RecentCache<string, { version: string; until: number }>(REMEMBERED_USERS);

  /**
   * The current version of `userId`'s credentials, asked of the app (never the remembered one: a
   * session bound now must not record a version already replaced), or undefined when it keeps none.
   */
  async current(userId: string, options: ResolvedOptions, env: unknown): Promise<string | undefined> {
    const { userVersion, userVersionCacheSeconds, clock } = options;
    if (!userVersion) return undefined;
    const now = clock();
    const version = String(await userVersion(userId, env));
    if (userVersionCacheSeconds > 0) this.#remembered.set(userId, { version, until: now + userVersionCacheSeconds * 1000 });
    return version;
  }

  /**
   * Whether `recorded` is still `userId`'s version. A remembered answer that agrees is trusted for
   * the cache window (a bump is seen once it passes); one that disagrees is asked again, so a
   * version remembered from before a bump never ends a session bound after it.
   */
  async matches(userId: string, recorded: string, options: ResolvedOptions, env: unknown): Promise<boolean> {
    const known = this.#remembered.get(userId);
    if (known && known.until > options.clock() && known.version === recorded) return true;
    return (await this.current(userId, options, env)) === recorded;
  }
}
