// The baseline candidates: coatcheck (memory) and (cookie) built from another commit's src/ and
// adapters/, which bench/run.mjs --baseline <ref> extracts and bundles beside this bench as baseline.mjs.
import type { cookieStore } from "../../adapters/cookie.js";
import type { CoatcheckBuild } from "./coatcheck-app.js";
import { coatcheckCookieCandidate } from "./coatcheck-cookie.js";
import { coatcheckMemoryCandidate } from "./coatcheck-memory.js";
import type { Candidate } from "./shared.js";

/** What bench/baseline.mjs bundles: the commit's public API, typed as this checkout's (it is unchanged). */
interface BaselineBuild extends CoatcheckBuild {
  /** Undefined when adapters/cookie.ts did not exist at that commit. */
  cookieStore: typeof cookieStore | undefined;
}

/** Baseline candidates when BENCH_BASELINE names a ref (set by bench/run.mjs); none otherwise. */
export async function baselineCandidates(): Promise<(Candidate | string)[]> {
  const ref = process.env.BENCH_BASELINE;
  if (!ref) return [];
  const commit = (process.env.BENCH_BASELINE_COMMIT ?? "").slice(0, 12);
  // Not a fallback: run.mjs bundles baseline.mjs whenever it sets BENCH_BASELINE, so a failure here is loud.
  const build = (await import(new URL("./baseline.mjs", import.meta.url).href)) as BaselineBuild;
  const label = ` @${ref}`;
  const origin = `; src/ and adapters/ of ${ref} (${commit})`;
  const { cookieStore } = build;
  return [
    coatcheckMemoryCandidate(build, label, origin),
    cookieStore
      ? coatcheckCookieCandidate({ withSession: build.withSession, cookieStore }, label, origin)
      : `coatcheck (cookie)${label}: adapters/cookie.ts does not exist at ${ref} (${commit})`,
  ];
}
