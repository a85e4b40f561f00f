// The tabs curve: one visitor's session, `tabs` read-modify-write requests (S2) sent at once, as
// from that many browser tabs; the time until the last one is answered, and how many of the
// increments the session kept. Batches of every setting are interleaved round by round.
import { SECRET } from "./candidates/shared.js";
import { prepare } from "./cells.js";
import type { Library } from "./growth-candidates.js";
import type { TabsRow } from "./growth-report.js";
import { type CookieJar, type FetchHandler, median, shuffled, visit } from "./harness.js";

const BASE = "http://bench.test";
/** Wall time one setting may take per round; batches per round are sized to it, within these bounds. */
const BUDGET_MS = 40;
const MIN_BATCHES = 3;
const MAX_BATCHES = 30;

interface Setting {
  library: Library;
  tabs: number;
  latencyMs: number;
  fetch: FetchHandler;
  jar: CookieJar;
  batches: number;
  /** Per round: the median time of its batches, in ms. */
  roundTimes: number[];
  sent: number;
  kept: number;
  failed: number;
}

async function countOf(setting: Setting): Promise<number> {
  const response = await setting.fetch(setting.jar.request(`${BASE}/s1`));
  return Number((await response.text()).replace("count=", ""));
}

/** One batch: `tabs` S2 requests at once; its time in ms, and what it did to the count. */
async function batch(setting: Setting): Promise<number> {
  const before = await countOf(setting);
  const start = performance.now();
  const results = await Promise.allSettled(Array.from({ length: setting.tabs }, () => visit(setting.fetch, setting.jar, `${BASE}/s2`)));
  const elapsed = performance.now() - start;
  setting.sent += setting.tabs;
  setting.failed += results.filter((result) => result.status === "rejected" || result.value.status !== 200).length;
  setting.kept += (await countOf(setting)) - before;
  return elapsed;
}

export async function measureTabs(
  libraries: Library[],
  tabCounts: number[],
  latencies: number[],
  rounds: number,
  log: (message: string) => void,
): Promise<TabsRow[]> {
  const settings: Setting[] = [];
  for (const library of libraries) {
    for (const latencyMs of latencies) {
      for (const tabs of tabCounts) {
        const setup = { payload: {}, secrets: [SECRET], latencyMs };
        const candidate = { name: library.name, floor: library.floor, store: "server" as const, note: "" };
        const { instance, users } = await prepare({ ...candidate, create: async () => ({ fetch: library.create(setup) }) }, 1);
        const setting = { library, tabs, latencyMs, fetch: instance.fetch, jar: users[0]!, batches: MIN_BATCHES, roundTimes: [] };
        settings.push({ ...setting, sent: 0, kept: 0, failed: 0 });
      }
    }
  }
  for (const setting of settings) {
    const warm = await batch(setting);
    setting.batches = Math.max(MIN_BATCHES, Math.min(MAX_BATCHES, Math.floor(BUDGET_MS / Math.max(warm, 0.001))));
    Object.assign(setting, { sent: 0, kept: 0, failed: 0 });
  }
  for (let round = 0; round < rounds; round++) {
    for (const setting of shuffled(settings, 0x85ebca6b + round * 7919)) {
      const times: number[] = [];
      for (let index = 0; index < setting.batches; index++) times.push(await batch(setting));
      setting.roundTimes.push(median(times));
    }
    log(`tabs: round ${round + 1}/${rounds} done`);
  }
  return settings.map(({ library, tabs, latencyMs, roundTimes, sent, kept, failed }) => ({
    library: library.name,
    tabs,
    latencyMs,
    ms: median(roundTimes),
    lowest: Math.min(...roundTimes),
    highest: Math.max(...roundTimes),
    sent,
    kept,
    failed,
  }));
}
