// The page `npm run bench:growth` writes: one table per curve (p50 overhead over the floor, median
// over rounds, with the lowest and highest round), the tabs table and the heap per live session.
import { availableParallelism } from "node:os";
import type { Cell, Plan } from "./cells.js";
import type { Library } from "./growth-candidates.js";
import type { Point } from "./growth-points.js";
import { median, type Scenario, us } from "./harness.js";

export interface Curve {
  id: string;
  title: string;
  points: Point[];
}

export interface TabsRow {
  library: string;
  tabs: number;
  latencyMs: number;
  /** Time until the last tab's answer, ms: median over rounds of each round's median batch. */
  ms: number;
  lowest: number;
  highest: number;
  sent: number;
  kept: number;
  failed: number;
}

export interface MemoryRow {
  library: string;
  /** Heap growth divided by live sessions, at each point of `liveSessions`. */
  bytesPerSession: number[];
}

export interface GrowthReport {
  curves: Curve[];
  cells: Cell[];
  floorOf(cell: Cell): Cell | undefined;
  libraries: Library[];
  tabs: TabsRow[];
  memory: MemoryRow[] | string;
  liveSessions: number[];
  plan: Plan;
  users: number;
  rotationRequests: number;
  load: number[];
  seconds: number;
}

const SCENARIOS: Scenario[] = ["S1", "S2"];
const thousands = (value: number) => Math.round(value).toLocaleString("en-US");

/** "12.3 (11.8–13.1)": the median over rounds of the paired p50 difference, and its lowest and highest round. */
function overhead(cell: Cell | undefined, floor: Cell | undefined): string {
  if (!cell || !floor) return "—";
  const perRound = cell.rounds.map((round, index) => round.stats.p50 - (floor.rounds[index]?.stats.p50 ?? Number.NaN));
  return `${us(median(perRound))} (${us(Math.min(...perRound))}–${us(Math.max(...perRound))})`;
}

function curveTable(report: GrowthReport, curve: Curve): string[] {
  const { libraries, cells } = report;
  const header = SCENARIOS.flatMap((scenario) => libraries.map((library) => `${scenario} ${library.name}`));
  const out = [`| ${curve.title} | ${header.join(" | ")} |`, `|---|${header.map(() => "--:").join("|")}|`];
  for (const point of curve.points) {
    const values = SCENARIOS.flatMap((scenario) =>
      libraries.map((library) => {
        const cell = cells.find((other) => other.name === `${curve.id}|${point.label}|${library.name}` && other.scenario === scenario);
        return overhead(cell, cell && report.floorOf(cell));
      }),
    );
    out.push(`| ${point.label} | ${values.join(" | ")} |`);
  }
  return out;
}

function tabsTable({ tabs, libraries }: GrowthReport): string[] {
  const out = [
    `| tabs, added store latency | ${libraries.map((library) => library.name).join(" | ")} |`,
    `|---|${libraries.map(() => "--:").join("|")}|`,
  ];
  const settings = [...new Set(tabs.map((row) => `${row.tabs}|${row.latencyMs}`))];
  for (const setting of settings) {
    const [count, latency] = setting.split("|").map(Number);
    const values = libraries.map((library) => {
      const row = tabs.find((other) => other.library === library.name && other.tabs === count && other.latencyMs === latency);
      if (!row) return "—";
      const failed = row.failed > 0 ? `, ${thousands(row.failed)} failed` : "";
      return `${ms(row.ms)} (${ms(row.lowest)}–${ms(row.highest)}) ms; kept ${thousands(row.kept)} of ${thousands(row.sent)}${failed}`;
    });
    out.push(`| ${count} at ${latency} ms | ${values.join(" | ")} |`);
  }
  return out;
}

const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1));

function memoryTable({ memory, liveSessions }: GrowthReport): string[] {
  if (typeof memory === "string") return [memory];
  const out = [`| live sessions | ${memory.map((row) => row.library).join(" | ")} |`, `|---|${memory.map(() => "--:").join("|")}|`];
  liveSessions.forEach((count, index) => {
    out.push(`| ${thousands(count)} | ${memory.map((row) => `${thousands(row.bytesPerSession[index]!)} B`).join(" | ")} |`);
  });
  return out;
}

export function render(report: GrowthReport): string {
  const { plan, users, rotationRequests, load, seconds } = report;
  const byName = (id: string) => report.curves.find((curve) => curve.id === id)!;
  return [
    `# coatcheck growth curves — Node ${process.version}`,
    "",
    `${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} cores, load average ${load.map((value) => value.toFixed(2)).join(" / ")} (1 / 5 / 15 min) at the start, ` +
      `${plan.rounds} interleaved rounds, ${seconds.toFixed(0)} s in all. Command: \`npm run bench:growth\`.`,
    "",
    "S1 (read a value) and S2 (read-modify-write) through the same harness as `npm run bench`: virtual users with cookie jars, " +
      "every cell of every curve interleaved in a new order each round. Each figure is the **p50 overhead** over the floor in µs " +
      "(the request's p50 minus the same round's p50 of the floor, whose users carry a cookie too), median over rounds, " +
      "in brackets the lowest and highest round. coatcheck and react-router are measured over a plain fetch handler, " +
      "express-session over plain express through light-my-request. Server-side stores in the process: coatcheck's `memoryStore`, " +
      "react-router's `createMemorySessionStorage` strategy, express-session's `MemoryStore`. " +
      "They do not store alike: coatcheck's memory store keeps the record's JSON and parses it on each read (as every coatcheck store " +
      "does); express-session's `MemoryStore` keeps JSON too (and writes it back on S1, a `touch`); react-router's memory strategy keeps " +
      "the data object itself (no JSON) and `getSession` copies its top-level keys into a `Map`, so its reads grow with the key count " +
      "but not with the size of a value (over a networked store they would).",
    "",
    `## ${byName("size").title}`,
    "",
    `Each user's session holds a cart of small records (\`{"sku":"sku-000001","qty":2,"note":"gift wrap"}\`, …) whose JSON is about this long, and \`count\`. ${users} users per point.`,
    "",
    ...curveTable(report, byName("size")),
    "",
    `## ${byName("keys").title}`,
    "",
    `\`count\` and short strings (\`k0001: "value-0001"\`, …) up to this many keys. ${users} users per point.`,
    "",
    ...curveTable(report, byName("keys")),
    "",
    `## ${byName("secrets").title}`,
    "",
    "The app verifies with this many secrets (the first signs); the users' tickets were stamped by the first or by the last (oldest) one, " +
      `under a list the measured app does not use. No user comes back (${rotationRequests} new users a round), so every request is that ` +
      "visitor's first since the rotation: coatcheck's verified-ticket cache has not seen the ticket, which is the worst case. " +
      "A visitor's next request carries the re-stamped ticket, or (coatcheck) hits the cache.",
    "",
    ...curveTable(report, byName("secrets")),
    "",
    "## Tabs: concurrent read-modify-writes on one session",
    "",
    "One visitor; this many S2 requests (increment `count`) sent at once, with every store call first waiting the added latency " +
      "(a timer; 0: none). The figure is the time until the last one is answered: each round's median batch, median over rounds " +
      "(lowest and highest round in brackets). Kept: how many of the increments the session holds afterwards, of those sent. " +
      "S2 sets the count it read (`session.set`, not coatcheck's `session.update`, which replays on a conflict), so tabs that read the " +
      "same count write the same value: a low figure is the app's last-write-wins, not data lost by the store. coatcheck writes with " +
      "compare-and-set, so a tab that lost the race re-reads and writes again (the time it takes); react-router and express-session " +
      "overwrite whatever is stored.",
    "",
    ...tabsTable(report),
    "",
    "## Heap per live session",
    "",
    "New visitors (S3) whose cookie jars are dropped, so only the server side keeps anything; V8's heap in use after two full " +
      "garbage collections, minus the same before the first visitor, divided by the sessions made so far. Everything the library " +
      "keeps counts (coatcheck's verified-ticket cache holds at most 10,000 entries). The session holds `count` only.",
    "",
    ...memoryTable(report),
    "",
  ].join("\n");
}
