// The cross-process races on Deno KV: several Node processes, each with its own `@deno/kv` handle on
// one SQLite file. Other stores run the same races from their own tests, against their servers.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { defineCrossProcessRaces } from "./cross-process.js";

const folder = mkdtempSync(join(tmpdir(), "coatcheck-races-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let databases = 0;
defineCrossProcessRaces(
  { describe, it },
  // A new database file per test, so the tests share nothing.
  {
    name: "deno-kv (@deno/kv, one SQLite file)",
    kind: "deno-kv-file",
    env: () => ({ DENO_KV_PATH: join(folder, `kv-${++databases}.sqlite`) }),
  },
);
