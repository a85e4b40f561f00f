// A throwaway PostgreSQL server for tests and the bench: Debian's `postgresql` binaries
// (/usr/lib/postgresql/<version>/bin), initialised into a temporary folder and started on 127.0.0.1
// with a free port, stopped by PID. PostgreSQL refuses to run as root, so under root (CI) initdb and
// the server run as the `postgres` OS user that the Debian package creates, owning the folder.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../runtimes/cart-process.js";

const DEBIAN_ROOT = "/usr/lib/postgresql";

/** The newest installed PostgreSQL's bin folder, or undefined. */
export function postgresBin(): string | undefined {
  if (!existsSync(DEBIAN_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_ROOT)
    .filter((version) => existsSync(join(DEBIAN_ROOT, version, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(DEBIAN_ROOT, versions[0], "bin");
}

/** Why the PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresMissing(): string | undefined {
  if (!postgresBin()) return `no PostgreSQL server binaries under ${DEBIAN_ROOT} (apt-get install postgresql)`;
  if (process.getuid?.() === 0 && !osUser("postgres")) return "running as root and no `postgres` OS user to run the server as";
  return undefined;
}

/** Skips locally with the reason; under CI=true a missing server fails instead. */
export function skipWithoutPostgres(what: string): boolean {
  const missing = postgresMissing();
  if (!missing) return false;
  if (process.env.CI === "true") throw new Error(`${what}: ${missing}; CI must run these tests`);
  console.warn(`skipping ${what}: ${missing}`);
  return true;
}

function osUser(name: string): { uid: number; gid: number } | undefined {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

export interface PostgresServer {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication on 127.0.0.1). */
  url: string;
  pid: number;
  /** Stops the server (a fast shutdown: clients are disconnected); the data folder stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes the folder. */
  dispose(): Promise<void>;
}

/** Initialises a cluster in a temporary folder and starts it; resolves once it accepts connections. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBin();
  if (!bin) throw new Error(postgresMissing());
  const runAs = process.getuid?.() === 0 ? osUser("postgres") : undefined;
  const folder = mkdtempSync(join(tmpdir(), "coatcheck-pg-"));
  if (runAs) chownSync(folder, runAs.uid, runAs.gid);
  const data = join(folder, "data");
  const owner = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  execFileSync(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"], {
    ...owner,
    stdio: "pipe",
    env: { ...process.env, LC_ALL: "C" },
  });
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = "";

  const start = async () => {
    // No durability: a test server that is thrown away. The socket goes into the folder, not /var/run.
    const args = ["-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-k", folder];
    args.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
    const server = spawn(join(bin, "postgres"), args, { ...owner, stdio: ["ignore", "ignore", "pipe"] });
    child = server;
    server.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const ready = () => /ready to accept connections/.test(log);
      const check = setInterval(() => {
        if (ready()) finish();
      }, 20);
      const finish = (error?: Error) => {
        clearInterval(check);
        server.off("exit", exited);
        if (error) reject(error);
        else resolve();
      };
      const exited = (code: number | null) => finish(new Error(`postgres exited with ${code} before it was ready:\n${log}`));
      server.on("exit", exited);
    });
  };

  const stop = async () => {
    const server = child;
    child = undefined;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server.once("exit", resolve));
    // SIGINT: PostgreSQL's fast shutdown (disconnect clients, stop at once), sent to this PID only.
    process.kill(server.pid!, "SIGINT");
    await exited;
    log = "";
  };

  await start();
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    get pid() {
      return child?.pid ?? 0;
    },
    stop,
    start,
    async dispose() {
      await stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
