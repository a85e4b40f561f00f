// Races between OS processes, each with its own store client: the guarantees that compare-and-set
// gives must hold across machines, and inside one process the save queue would hide the conflicts.
// A store's test calls `defineCrossProcessRaces` once its backend runs; the racers are children
// running entries/racer.ts, which build their store from `racerStores[kind]`.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { expect } from "vitest";
import { SECRET } from "../helpers.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
/** One bundle per checkout: worktrees share node_modules, and so its cache folder. */
const bundle = `${root}node_modules/.cache/coatcheck-racer-${createHash("sha256").update(root).digest("hex").slice(0, 8)}/racer.mjs`;

/** The racer bundle: built once per test file, with every package left to node_modules. */
let built: Promise<unknown> | undefined;
function buildRacer(): Promise<unknown> {
  built ??= build({
    entryPoints: [`${root}test/reliability/entries/racer.ts`],
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: bundle,
    logLevel: "silent",
  });
  return built;
}

type Action = "create" | "add" | "logout" | "login" | "read";
export interface Committed {
  ok: boolean;
  code?: string;
  body?: { cart: Record<string, number> | null; user: string | null; isNew: boolean };
  /** `sid=<value>` when the response set one. */
  cookie?: string | null;
  expired?: boolean;
}

/** One child process and its own client, driven one JSON line at a time. */
export class Racer {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, (reply: Committed) => void>();
  #nextId = 1;
  #stderr = "";

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.stderr!.on("data", (chunk) => (this.#stderr += chunk));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const reply = JSON.parse(line) as Committed & { id: number };
      this.#waiting.get(reply.id)?.(reply);
      this.#waiting.delete(reply.id);
    });
  }

  static async start(kind: string, env: Record<string, string>): Promise<Racer> {
    await buildRacer();
    const child = spawn(process.execPath, [bundle], {
      env: { ...process.env, ...env, RACER_KIND: kind, RACER_SECRET: SECRET },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const racer = new Racer(child);
    const ready = await Promise.race([
      racer.#await(0),
      new Promise<Committed>((resolve) => child.once("exit", (code) => resolve({ ok: false, code: `exited with ${code}` }))),
    ]);
    if (!ready.ok) throw new Error(`racer ${kind} did not start (${ready.code}):\n${racer.#stderr}`);
    return racer;
  }

  /** Loads a session for `cookie` and applies `action`, without saving; resolves with the request's id. */
  async open(action: Action, cookie?: string): Promise<number> {
    const id = this.#nextId++;
    const reply = await this.#send({ id, op: "open", action, cookie });
    if (!reply.ok) throw new Error(`racer: open ${action} failed: ${reply.code}\n${this.#stderr}`);
    return id;
  }

  commit(id: number): Promise<Committed> {
    return this.#send({ id, op: "commit" });
  }

  /** A whole request: open and commit at once. */
  async request(action: Action, cookie?: string): Promise<Committed> {
    return this.commit(await this.open(action, cookie));
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once("exit", resolve));
    this.#child.stdin!.end(`${JSON.stringify({ id: this.#nextId++, op: "exit" })}\n`);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (this.#child.exitCode === null) this.#child.kill("SIGKILL");
  }

  #send(command: { id: number; op: string; action?: Action; cookie?: string }): Promise<Committed> {
    const answer = this.#await(command.id);
    this.#child.stdin!.write(`${JSON.stringify(command)}\n`);
    return answer;
  }

  #await(id: number): Promise<Committed> {
    return new Promise((resolve) => this.#waiting.set(id, resolve));
  }
}

export interface CrossProcessTarget {
  /** A name for the suite: "redis (node-redis)". */
  name: string;
  /** The `racerStores` kind each child builds its store with. */
  kind: string;
  /** The variables that kind reads, known once the backend runs: called once per test, shared by its racers. */
  env(): Record<string, string>;
}

type Runner = {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => Promise<void>, timeout?: number): void;
};

const ADDS_PER_RACER = 10;
const TIMEOUT = 60_000;

export function defineCrossProcessRaces({ describe, it }: Runner, target: CrossProcessTarget): void {
  /** `count` racers on the target's store, stopped afterwards whatever happens. */
  const withRacers = (count: number, body: (racers: Racer[]) => Promise<void>) => async () => {
    const env = target.env();
    const racers = await Promise.all(Array.from({ length: count }, () => Racer.start(target.kind, env)));
    try {
      await body(racers);
    } finally {
      await Promise.all(racers.map((racer) => racer.stop()));
    }
  };
  const created = async (racer: Racer) => (await racer.request("create")).cookie!;

  describe(`${target.name}: races between OS processes, each with its own client`, () => {
    for (const count of [2, 4]) {
      it(
        `${count} processes adding to one cart with update() at once: every add kept`,
        withRacers(count, async (racers) => {
          const cookie = await created(racers[0]!);
          const opened = await Promise.all(
            racers.map(async (racer) => Promise.all(Array.from({ length: ADDS_PER_RACER }, () => racer.open("add", cookie)))),
          );
          const results = await Promise.all(racers.flatMap((racer, index) => opened[index]!.map((id) => racer.commit(id))));
          expect(results.filter((result) => !result.ok)).toEqual([]);
          const read = await racers[0]!.request("read", cookie);
          expect(read.body!.cart).toEqual({ apple: count * ADDS_PER_RACER });
        }),
        TIMEOUT,
      );
    }

    it(
      "a logout racing saves in another process: the session is never brought back",
      withRacers(2, async ([first, second]) => {
        // All at once: each save lands before the logout or fails; the session ends either way.
        const cookie = await created(first!);
        const adds = await Promise.all(Array.from({ length: ADDS_PER_RACER }, () => second!.open("add", cookie)));
        const logout = await first!.open("logout", cookie);
        const landed = await Promise.all([first!.commit(logout), ...adds.map((id) => second!.commit(id))]);
        expect(landed[0]).toMatchObject({ ok: true, expired: true });
        for (const result of landed.slice(1))
          expect(result.ok || result.code === "ERR_SESSION_INTERRUPTED", JSON.stringify(result)).toBe(true);
        expect((await first!.request("read", cookie)).body).toMatchObject({ isNew: true, cart: null });
        // Saves that read the session before the logout and arrive after it: every one refused.
        const again = await created(first!);
        const late = await Promise.all(Array.from({ length: ADDS_PER_RACER }, () => second!.open("add", again)));
        expect(await first!.request("logout", again)).toMatchObject({ ok: true, expired: true });
        for (const result of await Promise.all(late.map((id) => second!.commit(id)))) {
          expect(result).toMatchObject({ ok: false, code: "ERR_SESSION_INTERRUPTED" });
        }
        expect((await first!.request("read", again)).body).toMatchObject({ isNew: true, cart: null });
      }),
      TIMEOUT,
    );

    it(
      "a login (regenerate) after racing saves from another process: the new session has their changes, the old id is closed",
      withRacers(2, async ([first, second]) => {
        const cookie = await created(first!);
        const login = await first!.open("login", cookie);
        const adds = await Promise.all(Array.from({ length: ADDS_PER_RACER }, () => second!.open("add", cookie)));
        const landed = await Promise.all(adds.map((id) => second!.commit(id)));
        expect(landed.filter((result) => !result.ok)).toEqual([]);
        // The login read the session before the adds landed; closing the old id merges them in.
        const loggedIn = await first!.commit(login);
        expect(loggedIn).toMatchObject({ ok: true });
        expect(loggedIn.cookie).not.toBe(cookie);
        expect((await second!.request("read", loggedIn.cookie!)).body).toEqual({
          cart: { apple: ADDS_PER_RACER },
          user: "ada",
          isNew: false,
        });
        expect((await second!.request("read", cookie)).body).toMatchObject({ isNew: true, user: null });
      }),
      TIMEOUT,
    );

    it(
      "saves that read the session before a login in another process, arriving after it: refused, the old id never revived",
      withRacers(2, async ([first, second]) => {
        const cookie = await created(first!);
        const adds = await Promise.all(Array.from({ length: ADDS_PER_RACER }, () => second!.open("add", cookie)));
        const loggedIn = await first!.request("login", cookie);
        expect(loggedIn).toMatchObject({ ok: true });
        const late = await Promise.all(adds.map((id) => second!.commit(id)));
        for (const result of late) expect(result).toMatchObject({ ok: false, code: "ERR_SESSION_INTERRUPTED" });
        expect((await second!.request("read", cookie)).body).toMatchObject({ isNew: true, user: null });
        expect((await second!.request("read", loggedIn.cookie!)).body).toEqual({ cart: {}, user: "ada", isNew: false });
      }),
      TIMEOUT,
    );
  });
}
