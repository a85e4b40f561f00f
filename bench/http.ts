// `npm run bench:http`: the Node quick start on 127.0.0.1, with and without sessions, each in its
// own process, loaded by autocannon (in this process) for a bounded time, one server at a time,
// alternating. Prints requests/s and the ratio with/without sessions; writes bench/results/http.md.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { median } from "./harness.js";

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 8);
const WARMUP_SECONDS = 2;
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const CONNECTIONS = 10;
const USERS = 1000;
type Mode = "plain" | "plain-headers" | "session" | "session-read";
const MODES: Record<Mode, string> = {
  plain: "no sessions (same server, same body)",
  "plain-headers": "no sessions, but reads `Cookie` and sets `Vary` (what any fetch-API session layer must touch)",
  session: "sessions: the quick start (read-modify-write of `visits`, memory store)",
  "session-read": "sessions: read `visits` only (an existing session, no write)",
};

async function start(mode: Mode): Promise<{ child: ChildProcess; url: string }> {
  const script = fileURLToPath(new URL("./http-server.mjs", import.meta.url));
  const child = spawn(process.execPath, [script, mode], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`server (${mode}) exited with ${code}`)));
    child.stdout!.once("data", (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).port));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** Logs 1,000 visitors in and returns their cookies (`name=value`). */
async function login(url: string): Promise<string[]> {
  const cookies: string[] = [];
  for (let index = 0; index < USERS; index++) {
    const response = await fetch(`${url}/login`);
    await response.arrayBuffer();
    const line = response.headers.getSetCookie()[0];
    if (!line) throw new Error("the session server set no cookie");
    cookies.push(line.split(";")[0]!);
  }
  return cookies;
}

async function load(url: string, cookies: string[], seconds: number): Promise<{ rps: number; p99: number; bad: number }> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: "GET",
        path: "/",
        // Each request is one of the 1,000 logged-in visitors, in turn.
        setupRequest: (request) =>
          cookies.length === 0 ? request : { ...request, headers: { ...request.headers, cookie: cookies[next++ % cookies.length]! } },
      },
    ],
  });
  return { rps: result.requests.average, p99: result.latency.p99, bad: result.non2xx + result.errors + result.timeouts };
}

async function main(): Promise<void> {
  const loadAverage = loadavg();
  const results = new Map<Mode, { rps: number[]; p99: number[]; bad: number }>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of Object.keys(MODES) as Mode[]) {
      const { child, url } = await start(mode);
      try {
        // The plain servers get a Cookie header of the same size, so every server parses the same bytes.
        const cookies = mode.startsWith("plain") ? [`sid=${"x".repeat(43)}.${"y".repeat(43)}`] : await login(url);
        await load(url, cookies, WARMUP_SECONDS);
        const figure = await load(url, cookies, SECONDS);
        const entry = results.get(mode) ?? { rps: [], p99: [], bad: 0 };
        entry.rps.push(figure.rps);
        entry.p99.push(figure.p99);
        entry.bad += figure.bad;
        results.set(mode, entry);
        console.error(`[bench:http] round ${round + 1}/${ROUNDS} ${mode}: ${figure.rps.toFixed(0)} requests/s`);
      } finally {
        await stop(child);
      }
    }
  }
  const plain = median(results.get("plain")!.rps);
  const lines = [
    "# coatcheck HTTP load figure — Node",
    "",
    `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${availableParallelism()} cores (server and load generator share them), ` +
      `@hono/node-server on 127.0.0.1, autocannon ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s per server ` +
      `(after ${WARMUP_SECONDS} s warm-up), median of rounds. Session servers are loaded by ${USERS} logged-in visitors in turn.`,
    "",
    `Load average at the start: ${loadAverage.map((value) => value.toFixed(2)).join(" / ")} (1 / 5 / 15 min). Each round's figure is listed, and its ratio to the same round's server without sessions.`,
    "",
    "| server | requests/s | latency p99 (ms) | vs. no sessions | each round: requests/s | each round: vs. no sessions | errors + non-2xx |",
    "|---|--:|--:|--:|--:|--:|--:|",
  ];
  const plainRounds = results.get("plain")!.rps;
  for (const [mode, entry] of results) {
    const rps = median(entry.rps);
    const rounds = entry.rps.map((value) => value.toFixed(0)).join(", ");
    const ratios = entry.rps.map((value, index) => `${((value / plainRounds[index]!) * 100).toFixed(1)}%`).join(", ");
    lines.push(
      `| ${MODES[mode]} | ${rps.toFixed(0)} | ${median(entry.p99).toFixed(1)} | ${((rps / plain) * 100).toFixed(1)}% | ${rounds} | ${ratios} | ${entry.bad} |`,
    );
  }
  const ratio = median(results.get("session")!.rps) / plain;
  lines.push("", `Goal: with sessions ≥ 90% of without: ${(ratio * 100).toFixed(1)}% — ${ratio >= 0.9 ? "met" : "**missed**"}.`, "");
  const markdown = lines.join("\n");
  const resultsDir = `${process.cwd()}/bench/results`;
  await mkdir(resultsDir, { recursive: true });
  await writeFile(`${resultsDir}/http.md`, markdown);
  console.log(markdown);
}

await main();
