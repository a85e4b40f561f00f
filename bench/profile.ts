// `npm run bench:profile -- [scenario]`: one scenario of bench:ab (default `read`), this checkout
// only, in rounds for a few seconds (BENCH_PROFILE_SECONDS, default 5). bench/run.mjs starts it under
// `node --cpu-prof` and then prints the profile's top self-time functions (bench/profile-top.ts).
import { memoryStore } from "../adapters/memory.js";
import { withSession } from "../src/index.js";
import { AB_SCENARIOS, isAbScenario, prepare, round } from "./ab-scenarios.js";

const scenario = process.argv[2] ?? "read";
if (!isAbScenario(scenario) || process.argv.length > 3) {
  console.error(`usage: npm run bench:profile -- [${Object.keys(AB_SCENARIOS).join("|")}]`);
  process.exit(2);
}
const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 5);
const prepared = await prepare({ withSession, memoryStore }, scenario);
const times: number[] = [];
const start = performance.now();
while (performance.now() - start < seconds * 1000) times.push(await round(prepared));
times.sort((a, b) => a - b);
console.log(
  `${scenario}: ${AB_SCENARIOS[scenario]}; ${times.length} rounds of ${prepared.users} requests, ` +
    `median ${times[times.length >> 1]!.toFixed(1)} µs per request (under the profiler)`,
);
