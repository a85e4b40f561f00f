// A real redis-server for one test file, the load check or the bench: started on 127.0.0.1 on a
// free port, in a temporary folder, with no persistence (`--save "" --appendonly no`), and
// stopped by its PID. It can be paused (SIGSTOP), killed (SIGKILL) and started again on the same
// port, for the fault tests. Without the Debian package a local run skips the Redis files and says
// why; with CI=true, `redisServerAvailable()` throws instead, so the file fails.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../runtimes/cart-process.js";

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER ?? "/usr/bin/redis-server";

/** Whether redis-server is installed; logs why the Redis tests skip when not, and throws under CI=true. */
export function redisServerAvailable(): boolean {
  if (existsSync(REDIS_SERVER_BIN)) return true;
  const reason = `${REDIS_SERVER_BIN} is not installed (apt-get install -y redis-server)`;
  if (process.env.CI === "true") throw new Error(`Redis tests cannot run: ${reason}.`);
  console.warn(`Skipping the Redis tests: ${reason}.`);
  return false;
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /** Sends `signal` to the server's process (SIGSTOP pauses it, SIGCONT resumes, SIGKILL kills). */
  signal(signal: NodeJS.Signals): void;
  /** Kills the server with SIGKILL and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts a fresh server on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
  /** Stops the server by its PID and removes its folder. */
  stop(): Promise<void>;
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--loglevel", "notice"];
  const child = spawn(REDIS_SERVER_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) {
        child.stdout!.off("data", onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts a redis-server on a free port of 127.0.0.1. */
export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "coatcheck-redis-"));
  let port = 0;
  let child: ChildProcess | undefined;
  // Another process may take the free port between the probe and the bind: try another one.
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    child = await launch(port, dir).catch((error: Error) => {
      if (attempt === 5) throw error;
      return undefined;
    });
  }
  let current = child;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return current.pid!;
    },
    signal(signal) {
      process.kill(current.pid!, signal);
    },
    async kill() {
      process.kill(current.pid!, "SIGKILL");
      await exited(current);
    },
    async restart() {
      current = await launch(port, dir);
    },
    async stop() {
      if (current.exitCode === null && current.signalCode === null) {
        process.kill(current.pid!, "SIGCONT");
        process.kill(current.pid!, "SIGTERM");
        await exited(current);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
