/**
 * The one conformance target the four test files share: how to build a fresh store for each case,
 * and what the store can do. Each runner's file is then two lines.
 *
 * @module
 */
import type { ConformanceTarget } from "coatcheck/testing";
import { type MapStoreEntry, mapStore } from "./map-store.ts";

export const mapStoreTarget: ConformanceTarget = {
  name: "map",
  // A fresh backend per case, built with the suite's clock so that its expiry cases can move time.
  create: async (clock) => {
    const backend = new Map<string, MapStoreEntry>();
    return { store: mapStore(backend, { clock }), cleanup: () => backend.clear() };
  },
  // compareAndSet: true, so the compare-and-set, concurrency and users cases (50 concurrent logins
  // of one user, list, revoke and revokeAll racing requests in flight) run on it too.
  capabilities: { compareAndSet: true, largeValueBytes: 1024 * 1024 },
};
