// A Bun WebSocket upgrade through withSession, in the real `bun` binary: the handler reads the
// session, calls server.upgrade() and returns nothing. That used to throw inside commit.
import { execFileSync } from "node:child_process";
import { expect, it } from "vitest";
import { SECRET } from "../helpers.js";

it("Bun: a handler that reads the session, upgrades and returns nothing passes through", () => {
  const output = execFileSync("node_modules/.bin/bun", ["test/runtimes/entries/bun-upgrade.ts"], {
    env: { ...process.env, SESSION_SECRETS: SECRET },
    encoding: "utf8",
    timeout: 20_000,
  });
  const result = JSON.parse(output.trim().split("\n").at(-1)!) as { reply: string; errors: string[] };
  expect(result.errors).toEqual([]);
  expect(result.reply).toBe("hello after 2 visits");
}, 30_000);
