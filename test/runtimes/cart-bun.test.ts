// The cart scenario on the real `bun` binary (examples/bun/main.ts: Bun.serve, memory store).
import { afterAll, beforeAll, expect, it } from "vitest";
import { SECRET } from "../helpers.js";
import { type RunningServer, startServerProcess } from "./cart-process.js";
import { runCartScenario } from "./cart-scenario.js";

let server: RunningServer | undefined;

beforeAll(async () => {
  server = await startServerProcess("node_modules/.bin/bun", ["examples/bun/main.ts"], { SESSION_SECRETS: SECRET });
});
afterAll(() => server?.stop());

it("Bun: the cart scenario over real HTTP", async () => {
  await runCartScenario(server!.url);
  expect(server!.output()).toContain("coatcheck shop (Bun, memory store)");
});
