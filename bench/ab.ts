// `npm run bench:ab -- <ref> [scenario...]`: this checkout against coatcheck at <ref>, paired in one
// process. Each round runs both builds over all users, in alternating order (this checkout first in
// even rounds); the first rounds are warm-up and dropped. Prints per scenario the median µs per
// request of each, the median of the per-round differences (this checkout minus <ref>), in how many
// rounds this checkout was slower, and a sign test. Writes nothing. Built and started by bench/run.mjs,
// which extracts <ref>'s src/ and adapters/ (bench/baseline.mjs) and bundles them as baseline.mjs.
import { memoryStore } from "../adapters/memory.js";
import { withSession } from "../src/index.js";
import { AB_SCENARIOS, type AbScenario, isAbScenario, prepare, round, usersOf } from "./ab-scenarios.js";
import { signTestP } from "./baseline-report.js";
import type { CoatcheckBuild } from "./candidates/coatcheck-app.js";
import { median } from "./harness.js";

const ref = process.env.BENCH_BASELINE ?? "";
const commit = (process.env.BENCH_BASELINE_COMMIT ?? "").slice(0, 12);
const rounds = Number(process.env.BENCH_ROUNDS ?? 25);
const warmup = Number(process.env.BENCH_WARMUP ?? 5);
const names = process.argv.slice(2);
const unknown = names.filter((name) => !isAbScenario(name));
if (!ref || unknown.length > 0 || !(rounds > warmup && warmup >= 0)) {
  console.error(`usage: npm run bench:ab -- <git ref> [${Object.keys(AB_SCENARIOS).join("|")} ...]`);
  if (unknown.length > 0) console.error(`unknown scenario: ${unknown.join(", ")}`);
  if (!(rounds > warmup && warmup >= 0)) console.error(`BENCH_ROUNDS (${rounds}) must exceed BENCH_WARMUP (${warmup})`);
  process.exit(2);
}
const scenarios = (names.length > 0 ? names : Object.keys(AB_SCENARIOS)) as AbScenario[];

const head: CoatcheckBuild = { withSession, memoryStore };
// Not a fallback: run.mjs bundles baseline.mjs whenever it sets BENCH_BASELINE.
const base = (await import(new URL("./baseline.mjs", import.meta.url).href)) as CoatcheckBuild;

const f = (value: number) => value.toFixed(Math.abs(value) >= 100 ? 0 : 1);
console.log(`this checkout against ${ref} (${commit}), Node ${process.version}: ${rounds} rounds, the first ${warmup} dropped`);
console.log("µs per request, medians over rounds; difference: this checkout minus the ref, paired per round\n");
for (const scenario of scenarios) {
  const variants = { head: await prepare(head, scenario), base: await prepare(base, scenario) };
  const times = { head: [] as number[], base: [] as number[] };
  for (let index = 0; index < rounds; index++) {
    for (const name of index % 2 === 0 ? (["head", "base"] as const) : (["base", "head"] as const)) {
      times[name].push(await round(variants[name]));
    }
  }
  const kept = { head: times.head.slice(warmup), base: times.base.slice(warmup) };
  const differences = kept.head.map((time, index) => time - kept.base[index]!);
  const slower = differences.filter((difference) => difference > 0).length;
  const faster = differences.filter((difference) => difference < 0).length;
  const n = differences.length;
  // One-sided sign tests each way, at 5%: ties (equal rounds) count for neither.
  const verdict =
    signTestP(slower, slower + faster) < 0.05
      ? `slower (sign test p = ${signTestP(slower, slower + faster).toPrecision(2)})`
      : signTestP(faster, slower + faster) < 0.05
        ? `faster (sign test p = ${signTestP(faster, slower + faster).toPrecision(2)})`
        : "no difference shown (sign test p ≥ 0.05 either way)";
  const difference = median(differences);
  console.log(
    `${scenario.padEnd(10)} ${AB_SCENARIOS[scenario]} (${usersOf(scenario)} users)\n` +
      `           ${ref}: ${f(median(kept.base))}   this checkout: ${f(median(kept.head))}   ` +
      `difference: ${difference > 0 ? "+" : ""}${f(difference)}   slower in ${slower} of ${n} rounds: ${verdict}`,
  );
}
