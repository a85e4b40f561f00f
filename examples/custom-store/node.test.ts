// `node --test examples/custom-store/node.test.ts` (Node 22.18 and later run TypeScript as is;
// test/custom-store.test.ts bundles it with esbuild first, for Node 20).
import { describe, it } from "node:test";
import { defineStoreConformance } from "coatcheck/testing";
import { mapStoreTarget } from "./target.ts";

defineStoreConformance({ describe, it }, mapStoreTarget);
