/**
 * The IRC workloads of `deno task bench`: fanout and bigroom over IRC against our server and
 * ngIRCd with the same generator (`bench/irc_load.ts`), beside our server's JSON in the same run.
 * Each repetition runs every side in turn, so that the machine's drift falls on all alike; the
 * table gives medians.
 *
 * @module
 */

import type { LoadDialect, LoadReport } from "./load.ts";
import { ircDialect } from "./irc_load.ts";

/** Who is measured: our server on JSON, our server on IRC, ngIRCd. */
export type Side = "ours-json" | "ours-irc" | "ngircd-irc";

/** The sides in the order they run and are shown. */
export const SIDES: readonly Side[] = ["ours-json", "ours-irc", "ngircd-irc"];

/**
 * The wire a side's clients speak: JSON, or IRC in our server's everyone-chat `&chat` (which
 * every IRC user is in from registration, and which is where JSON's lines to everyone go), or
 * IRC in a channel `#bench` that ngIRCd's clients join.
 */
export function dialectOf(side: Side): LoadDialect | undefined {
  switch (side) {
    case "ours-json":
      return undefined;
    case "ours-irc":
      return ircDialect({ channel: "&chat", join: false });
    case "ngircd-irc":
      return ircDialect({ channel: "#bench", join: true });
  }
}

/** One run of a workload on one side. */
export interface IrcSample {
  /** The workload's name (`fanout`, `bigroom`). */
  workload: string;
  /** Who was measured. */
  side: Side;
  /** What the generator measured. */
  report: LoadReport;
  /** The server's CPU µs per delivery, when its process could be read. */
  cpuMicros?: number;
}

/** The medians of a workload's runs on one side. */
export interface IrcRow {
  /** The workload's name. */
  workload: string;
  /** Who was measured. */
  side: Side;
  /** How many runs the medians are of. */
  runs: number;
  /** Median deliveries per second. */
  deliveriesPerSecond: number;
  /** Median server CPU µs per delivery, when known. */
  cpuMicros?: number;
  /** Median of the runs' median latency, ms. */
  p50Ms: number;
  /** Median of the runs' 99th percentile latency, ms. */
  p99Ms: number;
  /** Deliveries lost, all runs together. */
  lost: number;
  /** The fewest clients registered in a run. */
  registered: number;
  /** Clients of the workload. */
  clients: number;
}

/** The median of `values` (the lower of the middle two), ignoring what is not a number. */
export function median(values: readonly (number | undefined)[]): number | undefined {
  const sorted = values.filter((value): value is number => value !== undefined && isFinite(value))
    .sort((a, b) => a - b);
  return sorted.length === 0 ? undefined : sorted[(sorted.length - 1) >> 1];
}

/** The samples gathered into one row per workload and side, in the order they came. */
export function ircRows(samples: readonly IrcSample[], clients: Record<string, number>): IrcRow[] {
  const groups = new Map<string, IrcSample[]>();
  for (const sample of samples) {
    const key = `${sample.workload}/${sample.side}`;
    groups.set(key, [...groups.get(key) ?? [], sample]);
  }
  return [...groups.values()].map((runs) => ({
    workload: runs[0].workload,
    side: runs[0].side,
    runs: runs.length,
    deliveriesPerSecond: median(runs.map((run) => run.report.throughput)) ?? 0,
    cpuMicros: median(runs.map((run) => run.cpuMicros)),
    p50Ms: median(runs.map((run) => run.report.latencyMs.p50)) ?? 0,
    p99Ms: median(runs.map((run) => run.report.latencyMs.p99)) ?? 0,
    lost: runs.reduce((sum, run) => sum + run.report.lost, 0),
    registered: Math.min(...runs.map((run) => run.report.registered)),
    clients: clients[runs[0].workload] ?? 0,
  }));
}

const f = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(digits);

/** The rows as a Markdown table. */
export function ircTable(rows: readonly IrcRow[]): string {
  const lines = [
    "| workload | server, wire | runs | clients registered (fewest) | deliveries/s | server CPU µs per delivery | p50 ms | p99 ms | lost (all runs) |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.workload} | ${row.side} | ${row.runs} | ${row.registered} of ${row.clients} | ` +
        `${f(row.deliveriesPerSecond)} | ${f(row.cpuMicros, 3)} | ${f(row.p50Ms, 1)} | ` +
        `${f(row.p99Ms, 1)} | ${row.lost} |`,
    );
  }
  return lines.join("\n");
}

/** IRC's CPU per delivery over JSON's on our server, for `workload`. */
export function ircOverJson(rows: readonly IrcRow[], workload: string): number | undefined {
  const of = (side: Side) => rows.find((row) => row.workload === workload && row.side === side);
  const irc = of("ours-irc")?.cpuMicros, json = of("ours-json")?.cpuMicros;
  return irc === undefined || json === undefined || json === 0 ? undefined : irc / json;
}

/** The ratios the issue asks for, one line per workload. */
export function ircRatios(rows: readonly IrcRow[]): string {
  const workloads = [...new Set(rows.map((row) => row.workload))];
  return workloads.map((workload) => {
    const of = (side: Side) => rows.find((row) => row.workload === workload && row.side === side);
    const ratio = ircOverJson(rows, workload);
    const ours = of("ours-irc"), ngircd = of("ngircd-irc");
    const parts = [
      `IRC over JSON on our server, CPU per delivery ${f(ratio, 2)}× (target at most 1.2×: ${
        ratio === undefined ? "not measured" : ratio <= 1.2 ? "met" : "missed"
      })`,
    ];
    if (ours?.cpuMicros !== undefined && ngircd?.cpuMicros !== undefined) {
      parts.push(`ours over ngIRCd on IRC, CPU ${f(ours.cpuMicros / ngircd.cpuMicros, 2)}×`);
    }
    if (ours !== undefined && ngircd !== undefined && ngircd.p99Ms > 0) {
      parts.push(`p99 ${f(ours.p99Ms / ngircd.p99Ms, 2)}×`);
    }
    return `- ${workload}: ${parts.join(", ")}`;
  }).join("\n");
}
