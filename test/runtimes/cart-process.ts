// Starts an example server in its own runtime (bun, deno) on a free loopback port, waits until it
// answers, and stops it.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  /** Everything the process printed so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  /** How long the server may take to answer. */
  timeoutMs?: number;
  /** The path polled until it answers 200 (`/`). */
  readyPath?: string;
  cwd?: string;
  /** Its own process group, stopped as a whole: for servers that fork workers (next start). */
  processGroup?: boolean;
}

/**
 * Spawns `command` with `PORT` and `HOST` set, then polls `GET <readyPath>` until it answers 200,
 * the process exits, or the timeout passes. `env` may be a function of the server's URL.
 */
export async function startServerProcess(
  command: string,
  args: string[],
  env: Record<string, string> | ((url: string) => Record<string, string>),
  { timeoutMs = 30_000, readyPath = "/", cwd, processGroup = false }: ServerProcessOptions = {},
): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const extra = typeof env === "function" ? env(url) : env;
  const child = spawn(command, args, {
    cwd,
    detached: processGroup,
    env: { ...process.env, ...extra, PORT: String(port), HOST: "127.0.0.1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const server: RunningServer = { url, output: () => output, stop: () => stop(child, exited, processGroup) };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${command} exited (${child.exitCode ?? child.signalCode}) before serving:\n${output}`);
    }
    if (await answers(url + readyPath)) return server;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await server.stop();
  throw new Error(`${command} did not answer at ${url} within ${timeoutMs} ms:\n${output}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function stop(child: ChildProcess, exited: Promise<void>, processGroup: boolean): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const kill = (signal: NodeJS.Signals) => (processGroup ? process.kill(-child.pid!, signal) : child.kill(signal));
  kill("SIGTERM");
  const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000))]);
  if (!killed) {
    kill("SIGKILL");
    await exited;
  }
}
