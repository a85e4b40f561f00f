// `bun test ./examples/custom-store/bun.test.ts`
import { describe, it } from "bun:test";
import { defineStoreConformance } from "coatcheck/testing";
import { mapStoreTarget } from "./target.ts";

defineStoreConformance({ describe, it }, mapStoreTarget);
