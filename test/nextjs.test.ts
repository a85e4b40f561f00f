// The Next.js recipe (examples/nextjs/) through Next's own production server: `next build`, then
// `next start` on 127.0.0.1, driven over HTTP with a cookie jar. Route handlers on the Node.js
// runtime with the memory store, the proxy guarding /api/account, and the same handlers on the
// Edge runtime with the cookie store.
//
// The build runs in a temporary copy laid out like the repository (package.json, dist/ and
// node_modules/ linked), so that `coatcheck` resolves to the built package as a user's install
// would, and nothing Next writes lands in the repository. Webpack, not Turbopack: Turbopack refuses
// a node_modules that is a link to outside the project's root.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpBrowser, SECRET } from "./helpers.js";
import { type RunningServer, startServerProcess } from "./runtimes/cart-process.js";

const root = resolve(import.meta.dirname, "..");
const example = join(root, "examples/nextjs");
const nextBin = join(root, "node_modules/next/dist/bin/next");

let workspace: string;
let server: RunningServer | undefined;
let origin: string;

beforeAll(async () => {
  if (!existsSync(join(root, "dist/src/index.js"))) throw new Error("run `npm run build` first: the example imports the built package");
  workspace = mkdtempSync(join(tmpdir(), "coatcheck-nextjs-"));
  cpSync(join(root, "package.json"), join(workspace, "package.json"));
  symlinkSync(join(root, "dist"), join(workspace, "dist"));
  symlinkSync(realpathSync(join(root, "node_modules")), join(workspace, "node_modules"));
  const app = join(workspace, "examples/nextjs");
  cpSync(example, app, { recursive: true, filter: (path) => !/[/\\](\.next|node_modules)$/.test(path) });

  // No secrets at build time: `next build` imports every route, and must not need them.
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", SESSION_SECRETS: "" };
  const started = performance.now();
  await promisify(execFile)(process.execPath, [nextBin, "build", "--webpack"], { cwd: app, env, timeout: 150_000 });
  const built = performance.now();

  // Its own process group: stopping it stops next and any worker it forked.
  server = await startServerProcess(
    process.execPath,
    [nextBin, "start", "--hostname", "127.0.0.1"],
    { NEXT_TELEMETRY_DISABLED: "1", SESSION_SECRETS: SECRET },
    { cwd: app, readyPath: "/api/cart", processGroup: true },
  );
  origin = server.url;
  console.info(`next build: ${((built - started) / 1000).toFixed(1)} s, next start: ${((performance.now() - built) / 1000).toFixed(1)} s`);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

const browser = () => httpBrowser(origin);

const form = (fields: Record<string, string>) => ({ method: "POST", body: new URLSearchParams(fields) });

describe("Next.js route handlers (Node.js runtime, memory store) and proxy", () => {
  it("keeps a cart, and a request that only reads sets no cookie", async () => {
    const { jar, visit } = browser();
    const nothing = await visit("/api/cart");
    expect(await nothing.json()).toEqual({ cart: {}, user: null });
    expect(nothing.headers.get("set-cookie")).toBeNull(); // a read of nothing creates nothing

    const added = await visit("/api/cart", form({ item: "apple" }));
    expect(added.headers.get("set-cookie")).toMatch(/^sid=[^;]+; Path=\/; Max-Age=1209600; HttpOnly; SameSite=Lax$/);
    expect(added.headers.get("cache-control")).toMatch(/private/);
    expect(added.headers.get("vary")).toMatch(/cookie/i);
    await visit("/api/cart", form({ item: "apple" }));

    const read = await visit("/api/cart");
    expect(await read.json()).toEqual({ cart: { apple: 2 }, user: null });
    expect(read.headers.get("set-cookie")).toBeNull();
    expect(jar.cookies.size).toBe(1);
  });

  it("turns away /api/account in the proxy until login, which gives a new id and kills the old one", async () => {
    const { jar, visit } = browser();
    await visit("/api/cart", form({ item: "pear" }));
    const turnedAway = await visit("/api/account");
    expect(turnedAway.status).toBe(401);
    expect(await turnedAway.json()).toEqual({ error: "sign in first", from: "proxy" });
    expect(turnedAway.headers.get("set-cookie")).toBeNull(); // the proxy reads, never commits

    const anonymous = jar.header()!;
    const login = await visit("/api/login", form({ user: "ada" }));
    expect(login.status).toBe(200);
    expect(login.headers.get("set-cookie")).toMatch(/^sid=/);
    expect(jar.header()).not.toBe(anonymous);
    expect(await (await visit("/api/account")).json()).toEqual({ user: "ada" });
    expect(await (await visit("/api/cart")).json()).toEqual({ cart: { pear: 1 }, user: "ada" });

    // The id from before the login is dead: whoever kept it finds an empty session.
    const stale = await fetch(`${origin}/api/cart`, { headers: { cookie: anonymous } });
    expect(await stale.json()).toEqual({ cart: {}, user: null });
    expect((await fetch(`${origin}/api/account`, { headers: { cookie: anonymous } })).status).toBe(401);
  });

  it("saves nothing when a route handler throws", async () => {
    const { visit } = browser();
    await visit("/api/cart", form({ item: "plum" }));
    const failed = await visit("/api/boom");
    expect(failed.status).toBe(500);
    expect(failed.headers.get("set-cookie")).toBeNull();
    expect(await (await visit("/api/cart")).json()).toEqual({ cart: { plum: 1 }, user: null }); // not mallory
  });

  it("logs out: the cookie expires and the record is gone", async () => {
    const { jar, visit } = browser();
    await visit("/api/login", form({ user: "grace" }));
    const signedIn = jar.header()!;
    const logout = await visit("/api/logout", { method: "POST" });
    expect(logout.status).toBe(204);
    expect(logout.headers.get("set-cookie")).toMatch(/^sid=; Path=\/; Max-Age=0/);
    expect(jar.header()).toBeUndefined();
    const replayed = await fetch(`${origin}/api/account`, { headers: { cookie: signedIn } });
    expect(replayed.status).toBe(401);
  });
});

describe("Next.js route handlers on the Edge runtime (cookie store)", () => {
  it("keeps a cart in its own sealed cookie, apart from the Node.js routes' session", async () => {
    const { jar, visit } = browser();
    await visit("/api/cart", form({ item: "apple" }));
    const added = await visit("/api/edge/cart", form({ item: "pear" }));
    expect(added.headers.get("set-cookie")).toMatch(
      /^edge_sid=[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=1209600; HttpOnly; SameSite=Lax$/,
    );
    await visit("/api/edge/cart", form({ item: "pear" }));

    const read = await visit("/api/edge/cart");
    expect(await read.json()).toEqual({ cart: { pear: 2 }, user: null });
    expect(read.headers.get("set-cookie")).toBeNull();
    expect(await (await visit("/api/cart")).json()).toEqual({ cart: { apple: 1 }, user: null });
    expect([...jar.cookies.keys()].sort()).toEqual(["edge_sid", "sid"]);
  });
});

it("a build changes nothing in the example: Next finds the tsconfig.json and next-env.d.ts it wants", () => {
  for (const file of ["tsconfig.json", "next-env.d.ts"]) {
    expect(readFileSync(join(workspace, "examples/nextjs", file), "utf8"), file).toBe(readFileSync(join(example, file), "utf8"));
  }
});
