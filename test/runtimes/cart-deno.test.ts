// The cart scenario on the real `deno` binary (examples/deno/main.ts: Deno.serve, Deno KV in
// memory), offline: npm packages from the local node_modules, no jsr: or https: imports. Its type
// check (`deno check`) is part of `npm run typecheck`.
import { afterAll, beforeAll, expect, it } from "vitest";
import { SECRET } from "../helpers.js";
import { type RunningServer, startServerProcess } from "./cart-process.js";
import { runCartScenario } from "./cart-scenario.js";

const DENO = "node_modules/.bin/deno";
/** The flags of `npm run start:deno`, permissions kept to what the example needs. */
const DENO_RUN = ["run", "--cached-only", "--unstable-kv", "--allow-net=127.0.0.1", "--allow-env=PORT,HOST,SESSION_SECRETS,DENO_KV_PATH"];

let server: RunningServer | undefined;

beforeAll(async () => {
  server = await startServerProcess(DENO, [...DENO_RUN, "examples/deno/main.ts"], { SESSION_SECRETS: SECRET, DENO_KV_PATH: ":memory:" });
});
afterAll(() => server?.stop());

it("Deno: the cart scenario over real HTTP, sessions in Deno KV", async () => {
  await runCartScenario(server!.url);
  expect(server!.output()).toContain("coatcheck shop (Deno, Deno KV)");
});
