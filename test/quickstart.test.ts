import type { AddressInfo } from "node:net";
import { afterAll, expect, it } from "vitest";
import { start } from "../examples/quickstart/node.js";

const server = start(0);
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it("the README's Node quick start counts visits per browser over real HTTP", async () => {
  await new Promise((resolve) => (server.listening ? resolve(null) : server.once("listening", resolve)));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  const first = await fetch(url);
  expect(await first.text()).toBe("You have visited 1 time.\n");
  const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
  expect(cookie).toMatch(/^sid=/);
  await fetch(url, { headers: { cookie } });
  expect(await (await fetch(url, { headers: { cookie } })).text()).toBe("You have visited 3 times.\n");
  expect(await (await fetch(url)).text()).toBe("You have visited 1 time.\n");
});
