// `npx vitest run examples/custom-store/vitest.test.ts`
import { defineStoreConformance } from "coatcheck/testing";
import { describe, it } from "vitest";
import { mapStoreTarget } from "./target.ts";

defineStoreConformance({ describe, it }, mapStoreTarget);
