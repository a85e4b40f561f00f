// `deno test examples/custom-store/deno.test.ts`: Deno.test has no describe/it, so the suite is
// taken as a flat list of named cases.
import { collectStoreConformance } from "coatcheck/testing";
import { mapStoreTarget } from "./target.ts";

for (const { name, body } of collectStoreConformance(mapStoreTarget)) Deno.test(name, body);
