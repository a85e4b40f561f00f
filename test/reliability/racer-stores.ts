// The stores a racer child process can build, by kind, each from environment variables only (so
// every process gets its own client). A store's test registers its kind here and passes the
// variables to `defineCrossProcessRaces`.
import type { SessionStore } from "../../src/store.js";

export interface RacerStore {
  store: SessionStore;
  close(): Promise<void> | void;
}

export type RacerStoreFactory = (env: Record<string, string | undefined>) => Promise<RacerStore>;

export const racerStores: Record<string, RacerStoreFactory> = {
  /** Deno KV through `@deno/kv` on one SQLite file that every process opens (DENO_KV_PATH). */
  async "deno-kv-file"(env) {
    const { openKv } = await import("@deno/kv");
    const { denoKVStore } = await import("../../adapters/deno-kv.js");
    const kv = await openKv(required(env, "DENO_KV_PATH"));
    return { store: denoKVStore(kv), close: () => kv.close() };
  },
};

export function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`racer: ${name} is not set`);
  return value;
}
