// The cart scenario on Node: the example's own server (@hono/node-server, memory store).
import { afterAll, beforeAll, it } from "vitest";
import { startCartServer } from "../../examples/node/server.ts";
import { SECRET } from "../helpers.js";
import { runCartScenario } from "./cart-scenario.js";

let server: Awaited<ReturnType<typeof startCartServer>>;

beforeAll(async () => {
  process.env.SESSION_SECRETS = SECRET;
  server = await startCartServer({ port: 0, hostname: "127.0.0.1" });
});
afterAll(() => server?.close());

it("Node: the cart scenario over real HTTP", async () => {
  await runCartScenario(server.url);
});
