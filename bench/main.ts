/**
 * `deno task bench`: runs the benchmark workloads against ChatServer (started here, one fresh
 * server per workload, or a running one given `--port`), prints a table, and writes
 * BENCHMARKS.md and bench/scaling.svg. Exits non-zero when any delivery was lost.
 *
 * Options: `--port <p>` (a running server) with `--pid <pid>` (its process, for CPU and memory),
 * `--only fanout,bigroom,storm,idle,scaling,transfer,cluster`, `--quick` (smaller runs),
 * `--no-write`, `--json` (one JSON line per workload on standard output instead of the tables,
 * as `bench/ab_fanout.sh` reads them). `cluster` (bench/cluster.ts) runs 300 clients all sending, on one server and on
 * three nodes over Redis.
 * `transfer` runs `bench/transfer.ts` (a 100 MiB file between two clients while two others chat)
 * and prints its figures, which BENCHMARKS.md keeps by hand.
 * `irc` (bench/irc_compare.ts; `fanout-irc` or `bigroom-irc` for one of its two) runs fanout and
 * bigroom with the same generator on three sides: our server on JSON, our server on IRC (its
 * clients talk in the everyone-chat `&chat`, where JSON's lines to everyone go, so that only the
 * wire differs) and ngIRCd (Debian's `ngircd`, in a channel `#bench`; skipped if not installed).
 * Our server runs with `--irc-port` on both of its sides. `--reps <n>` (default 3, 1 with
 * `--quick`) repeats them in turn; the table gives medians. This process pins itself to CPU 0 for
 * them, the servers being on CPU 1. A run of `irc` alone rewrites only its section of
 * BENCHMARKS.md.
 *
 * It runs past 450 lines because it is the one table of workloads with the text of BENCHMARKS.md
 * they write; each workload's own driving is in a module of its own (`load.ts`, `cluster.ts`,
 * `irc_compare.ts`, `transfer.ts`).
 *
 * @module
 */

import { parseFlags } from "../lib/common/flags.ts";
import { type LoadOptions, type LoadReport, runLoad } from "./load.ts";
import { scalingChart, type ScalingPoint } from "./chart.ts";
import { type ClusterRow, clusterRows, clusterTable } from "./cluster.ts";
import { cpuSeconds, freePort, memoryMiB, output, waitForPort } from "./proc.ts";
import {
  dialectOf,
  ircRatios,
  type IrcRow,
  ircRows,
  type IrcSample,
  ircTable,
  type Side,
  SIDES,
} from "./irc_compare.ts";
import { type BenchServer, ngircdVersion, startNgircd } from "./ngircd.ts";

const BENCHMARKS_FILE = "BENCHMARKS.md";
const CHART_FILE = "bench/scaling.svg";
const COMPARE_START = "<!-- compare:start -->";
const COMPARE_END = "<!-- compare:end -->";
const IRC_START = "<!-- irc:start -->";
const IRC_END = "<!-- irc:end -->";
const IRC_RUN_START = "<!-- irc-run:start -->";
const IRC_RUN_END = "<!-- irc-run:end -->";

interface Workload {
  name: string;
  options: Omit<LoadOptions, "port">;
}

/** One workload's result, with the server's CPU and memory when known. */
interface Row {
  name: string;
  clients: number;
  report: LoadReport;
  cpuSeconds?: number;
  peakRssMiB?: number;
  rssAfterRegistrationMiB?: number;
}

const base = { rate: 0, size: 64, holdSeconds: 0, connectConcurrency: 200, timeoutSeconds: 120 };

function workloads(quick: boolean): Workload[] {
  const scale = quick ? 10 : 1;
  return [
    {
      name: "fanout",
      options: {
        ...base,
        clients: 100,
        senders: 10,
        messages: 2000 / scale,
        connectConcurrency: 100,
      },
    },
    {
      name: "bigroom",
      options: { ...base, clients: 1000 / scale, senders: 5, messages: 50, rate: 20 },
    },
    {
      name: "storm",
      options: {
        ...base,
        clients: 2000 / scale,
        senders: 0,
        messages: 0,
        holdSeconds: 5 / scale,
        connectConcurrency: 2000,
      },
    },
    {
      name: "idle",
      options: {
        ...base,
        clients: 10_000 / scale,
        senders: 0,
        messages: 0,
        holdSeconds: 1,
        connectConcurrency: 1000,
      },
    },
  ];
}

/** The scaling series: 5 senders in one room of N, about half a million deliveries each. */
function scalingSeries(quick: boolean): Workload[] {
  const sizes = quick ? [10, 100, 1000] : [10, 100, 1000, 5000];
  const deliveries = quick ? 50_000 : 500_000;
  return sizes.map((clients) => ({
    name: `scaling-${clients}`,
    options: {
      ...base,
      clients,
      senders: 5,
      messages: Math.ceil(deliveries / (5 * (clients - 1))),
      connectConcurrency: 500,
      timeoutSeconds: 180,
    },
  }));
}

/**
 * A server of ours on a free port, pinned to CPU 1 when taskset is there; with `irc`, serving IRC
 * too, on `ircPort`.
 */
async function startServer(irc = false): Promise<BenchServer & { ircPort?: number }> {
  const port = freePort();
  const ircPort = irc ? freePort() : undefined;
  const pinned = (await output("taskset", ["-c", "1", "true"])) !== undefined;
  const args = ["run", "--allow-net", "ChatServer.ts", `${port}`, "--max-rate", "0"];
  if (ircPort !== undefined) args.push("--irc-port", `${ircPort}`);
  const child = new Deno.Command(pinned ? "taskset" : "deno", {
    args: pinned ? ["-c", "1", "deno", ...args] : args,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPort(port);
  if (ircPort !== undefined) await waitForPort(ircPort);
  return {
    port,
    ircPort,
    pid: child.pid,
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // Gone.
      }
      await child.status;
    },
  };
}

async function run(
  workload: Workload,
  target?: { port: number; pid?: number },
  start: () => Promise<BenchServer | undefined> = startServer,
): Promise<Row> {
  const server = target === undefined ? await start() : undefined;
  if (target === undefined && server === undefined) throw new Error("the server did not start");
  const port = target?.port ?? server!.port;
  const pid = target?.pid ?? server?.pid;
  let cpuAtStart: number | undefined;
  let rssAfterRegistration: number | undefined;
  try {
    const report = await runLoad({
      ...workload.options,
      port,
      onRegistered: async () => {
        if (pid === undefined) return;
        rssAfterRegistration = await memoryMiB(pid, "VmRSS");
        cpuAtStart = await cpuSeconds(pid);
      },
    });
    const cpuAtEnd = pid === undefined ? undefined : await cpuSeconds(pid);
    return {
      name: workload.name,
      clients: workload.options.clients,
      report,
      cpuSeconds: cpuAtStart === undefined || cpuAtEnd === undefined
        ? undefined
        : cpuAtEnd - cpuAtStart,
      peakRssMiB: pid === undefined ? undefined : await memoryMiB(pid, "VmHWM"),
      rssAfterRegistrationMiB: rssAfterRegistration,
    };
  } finally {
    await server?.stop();
  }
}

/** The server of `side`, as `run` starts it: on the port its clients are to use. */
function starterOf(side: Side): () => Promise<BenchServer | undefined> {
  switch (side) {
    case "ours-json":
      return () => startServer(true);
    case "ours-irc":
      return async () => {
        const server = await startServer(true);
        return { ...server, port: server.ircPort! };
      };
    case "ngircd-irc":
      return startNgircd;
  }
}

/**
 * The IRC workloads named (`fanout`, `bigroom`) on every side, `reps` times each in turn, with
 * this process pinned to CPU 0 meanwhile.
 */
async function ircComparison(names: string[], quick: boolean, reps: number): Promise<IrcRow[]> {
  // "pid 12's current affinity mask: 3": put back when done, for what runs after.
  const mask = (await output("taskset", ["-p", `${Deno.pid}`]))?.trim().split(" ").pop();
  await output("taskset", ["-a", "-p", "-c", "0", `${Deno.pid}`]);
  try {
    return await ircSamples(names, quick, reps);
  } finally {
    if (mask !== undefined) await output("taskset", ["-a", "-p", mask, `${Deno.pid}`]);
  }
}

/** The IRC workloads named, on every side, `reps` times each in turn. */
async function ircSamples(names: string[], quick: boolean, reps: number): Promise<IrcRow[]> {
  const version = await ngircdVersion();
  if (version === undefined) console.error("ngircd is not installed: its rows are skipped");
  const sides = SIDES.filter((side) => side !== "ngircd-irc" || version !== undefined);
  const chosen = workloads(quick).filter((workload) => names.includes(workload.name));
  const samples: IrcSample[] = [];
  for (const workload of chosen) {
    for (let rep = 1; rep <= reps; rep++) {
      for (const side of sides) {
        console.error(`running ${workload.name} on ${side} (${rep} of ${reps}) ...`);
        const options = { ...workload.options, dialect: dialectOf(side) };
        try {
          const row = await run({ name: workload.name, options }, undefined, starterOf(side));
          const cpuMicros = cpuPerDelivery(row);
          samples.push({ workload: workload.name, side, report: row.report, cpuMicros });
          console.error(
            `  ${f(cpuMicros, 3)} µs per delivery, p99 ${f(row.report.latencyMs.p99, 1)} ms, ` +
              `${row.report.registered} registered, ${row.report.lost} lost`,
          );
        } catch (error) {
          console.error(`${workload.name} on ${side}: ${error}`);
        }
      }
    }
  }
  const clients = Object.fromEntries(chosen.map((w) => [w.name, w.options.clients]));
  return ircRows(samples, clients);
}

/** The IRC workloads `--only` asks for (all of them without `--only`). */
function ircWanted(only: string[] | undefined): string[] {
  const all = ["fanout", "bigroom"];
  if (only === undefined || only.includes("irc")) return all;
  return all.filter((name) => only.includes(`${name}-irc`));
}

/** The IRC section's figures, as `command` wrote them. */
function ircRun(rows: IrcRow[], command: string): string {
  return `${IRC_RUN_START}
Written by \`${command}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: the
fanout and bigroom workloads above, each side in turn within a repetition, medians over the
repetitions. ours-json and ours-irc are one server, \`deno run --allow-net ChatServer.ts <port>
--max-rate 0 --irc-port <port>\`, driven on its JSON port or on its IRC port (the clients talk in
the everyone-chat \`&chat\`, where JSON's lines to everyone go, so that only the wire differs);
ngircd-irc is ngIRCd (\`bench/ngircd.ts\` writes its configuration: no connection caps, no
penalties), whose clients \`JOIN #bench\`. Every server on CPU 1, the generator
(\`bench/load.ts\` with \`bench/irc_load.ts\`, one Deno process) on CPU 0; the same message text on
both wires, IRC clients with no capabilities.

${ircTable(rows)}

${ircRatios(rows)}
${IRC_RUN_END}`;
}

/** `old` (a whole BENCHMARKS.md, or its IRC block) with the figures of `rows` put in. */
function withIrcRun(old: string, rows: IrcRow[], command: string): string {
  const start = old.indexOf(IRC_RUN_START), end = old.indexOf(IRC_RUN_END);
  if (start < 0 || end < start) return old;
  return old.slice(0, start) + ircRun(rows, command) + old.slice(end + IRC_RUN_END.length);
}

/** The IRC block of `old`, or a first one. */
function ircBlock(old: string | undefined): string {
  const start = old?.indexOf(IRC_START) ?? -1, end = old?.indexOf(IRC_END) ?? -1;
  if (old !== undefined && start >= 0 && end > start) return old.slice(start, end + IRC_END.length);
  return `${IRC_START}\n${IRC_RUN_START}\n(Not run yet: \`deno task bench --only irc\`.)\n${IRC_RUN_END}\n${IRC_END}`;
}

/** Rewrites only the IRC section of BENCHMARKS.md (a run of the IRC workloads alone). */
async function writeIrcSection(rows: IrcRow[], command: string): Promise<void> {
  const old = await Deno.readTextFile(BENCHMARKS_FILE);
  const block = withIrcRun(ircBlock(old), rows, command);
  const start = old.indexOf(IRC_START), end = old.indexOf(IRC_END);
  if (start >= 0 && end > start) {
    await Deno.writeTextFile(
      BENCHMARKS_FILE,
      old.slice(0, start) + block + old.slice(end + IRC_END.length),
    );
    return;
  }
  const section = `## ${IRC_TITLE}\n\n${block}\n\n`;
  const before = old.indexOf(`## ${SCALING_TITLE}`);
  await Deno.writeTextFile(
    BENCHMARKS_FILE,
    before < 0 ? `${old}\n${section}` : old.slice(0, before) + section + old.slice(before),
  );
}

const IRC_TITLE = "IRC beside JSON, and beside ngIRCd";
const SCALING_TITLE = "How cost grows with the room";

const f = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(digits);

function cpuPerDelivery(row: Row): number | undefined {
  return row.cpuSeconds === undefined || row.report.delivered === 0
    ? undefined
    : row.cpuSeconds / row.report.delivered * 1e6;
}

/** One workload's figures as `--json` prints them. */
function jsonRow(row: Row) {
  return {
    workload: row.name,
    clients: row.clients,
    deliveriesPerSecond: row.report.throughput,
    cpuMicrosPerDelivery: cpuPerDelivery(row),
    p99Ms: row.report.latencyMs.p99,
    peakRssMiB: row.peakRssMiB,
    lost: row.report.lost,
  };
}

function table(rows: Row[]): string {
  const lines = [
    "| workload | clients | registered | deliveries/s | server CPU µs per delivery | p50 ms | p99 ms | connect ms | RSS after registering MiB | peak RSS MiB | lost | duplicated | reordered |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const row of rows) {
    const r = row.report;
    const sending = r.expected > 0;
    lines.push(
      `| ${row.name} | ${row.clients} | ${r.registered} | ${sending ? f(r.throughput) : "-"} | ` +
        `${f(cpuPerDelivery(row), 3)} | ${sending ? f(r.latencyMs.p50, 1) : "-"} | ` +
        `${sending ? f(r.latencyMs.p99, 1) : "-"} | ${f(r.connectMs)} | ` +
        `${f(row.rssAfterRegistrationMiB, 1)} | ${f(row.peakRssMiB, 1)} | ${r.lost} | ` +
        `${r.duplicated} | ${r.reordered} |`,
    );
  }
  return lines.join("\n");
}

async function machine(): Promise<string> {
  const cpuinfo = await output("cat", ["/proc/cpuinfo"]);
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo ?? "")?.[1] ?? "unknown CPU";
  const cores = (cpuinfo?.match(/^processor\s*:/gm) ?? []).length;
  return `${cores} × ${model}; Deno ${Deno.version.deno} (V8 ${Deno.version.v8}); ${Deno.build.os}`;
}

async function writeBenchmarks(
  rows: Row[],
  scaling: Row[],
  cluster: ClusterRow[],
  irc: IrcRow[],
  command: string,
): Promise<void> {
  let compare = `${COMPARE_START}\n(No compare.sh run recorded yet.)\n${COMPARE_END}`;
  let old: string | undefined;
  try {
    old = await Deno.readTextFile(BENCHMARKS_FILE);
    const start = old.indexOf(COMPARE_START), end = old.indexOf(COMPARE_END);
    if (start >= 0 && end > start) compare = old.slice(start, end + COMPARE_END.length);
  } catch {
    // A first run.
  }
  const ircText = irc.length > 0 ? withIrcRun(ircBlock(old), irc, command) : ircBlock(old);
  const points: ScalingPoint[] = scaling.map((row) => ({
    clients: row.clients,
    deliveriesPerSecond: row.report.throughput,
    cpuMicrosPerDelivery: cpuPerDelivery(row) ?? 0,
    p99Ms: row.report.latencyMs.p99,
  }));
  if (points.length > 0) await Deno.writeTextFile(CHART_FILE, scalingChart(points));
  const text = `# Benchmarks

Figures from this machine: ${await machine()}. Both tables are medians or single runs as said;
re-run them with the commands given.

## Side by side: compare.sh

${compare}

## deno task bench

Written by \`${command}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: one
fresh server per workload (\`deno run --allow-net ChatServer.ts <port> --max-rate 0\`, pinned to
CPU 1 with taskset, standard output discarded), driven by the generator in \`bench/load.ts\` from
this process. Server CPU and memory are read from /proc; "RSS after registering" is the server's
resident memory once every client has registered. The generator, one Deno process, is slower than
compare.sh's and is the bottleneck in fanout: its deliveries per second and latencies measure the
pair, while the server's CPU per delivery is the server's own.

${table(rows)}

## ${IRC_TITLE}

${ircText}

## ${SCALING_TITLE}

Five senders in one room of N clients, as fast as the sockets take them, about half a million
deliveries per point. The senders are unthrottled and the generator is one Deno process, so the
latencies here are those of a saturated system (messages queue in the generator and the server),
not of a chat at human pace; what the series shows is how throughput and CPU per delivery change
with the size of the room.

${table(scaling)}

![deliveries per second, CPU per delivery and p99 latency against clients](${CHART_FILE})

## A cluster of three nodes against one server

300 clients, every one sending 2 messages a second to everyone (600 messages and about 180,000
deliveries a second offered), spread evenly over three nodes that share one Redis, then all on one
server. The machine's cores are shared by every process (the nodes, Redis and the generator),
nothing pinned. CPU per delivery adds the nodes' and Redis's; Redis's CPU per message is its own
over the messages sent.

${cluster.length > 0 ? clusterTable(cluster) : "(not run: `deno task bench --only cluster`)"}
`;
  await Deno.writeTextFile(BENCHMARKS_FILE, text);
}

if (import.meta.main) {
  const parsed = parseFlags(Deno.args, {
    port: "string",
    pid: "string",
    only: "string",
    quick: "boolean",
    "no-write": "boolean",
    json: "boolean",
    reps: "string",
  });
  if (!parsed.ok) {
    console.error(parsed.error);
    Deno.exit(2);
  }
  const { values } = parsed;
  const quick = values.quick === true;
  const only = typeof values.only === "string" ? values.only.split(",") : undefined;
  const target = typeof values.port === "string"
    ? {
      port: Number(values.port),
      pid: typeof values.pid === "string" ? Number(values.pid) : undefined,
    }
    : undefined;
  const wanted = (name: string) => only === undefined || only.includes(name.split("-")[0]);
  const rows: Row[] = [];
  const scaling: Row[] = [];
  for (const workload of workloads(quick).filter((w) => wanted(w.name))) {
    console.error(`running ${workload.name} ...`);
    rows.push(await run(workload, target));
  }
  for (const workload of scalingSeries(quick).filter((w) => wanted(w.name))) {
    console.error(`running ${workload.name} ...`);
    scaling.push(await run(workload, target));
  }
  const cluster: ClusterRow[] = [];
  if (wanted("cluster") && target === undefined) {
    console.error("running cluster ...");
    cluster.push(...await clusterRows(quick));
  }
  const irc: IrcRow[] = [];
  const ircNames = target === undefined ? ircWanted(only) : [];
  if (ircNames.length > 0) {
    const reps = typeof values.reps === "string" ? Number(values.reps) : quick ? 1 : 3;
    irc.push(...await ircComparison(ircNames, quick, reps));
  }
  if (values.json === true) {
    for (const row of [...rows, ...scaling]) console.log(JSON.stringify(jsonRow(row)));
  } else {
    if (rows.length > 0 || irc.length === 0) console.log(table(rows));
    if (scaling.length > 0) console.log("\n" + table(scaling));
    if (cluster.length > 0) console.log("\n" + clusterTable(cluster));
    if (irc.length > 0) console.log("\n" + ircTable(irc) + "\n\n" + ircRatios(irc));
  }
  if (wanted("transfer") && target === undefined) {
    console.error("running transfer ...");
    const { success } = await new Deno.Command("deno", {
      args: [
        "run",
        "--allow-net=127.0.0.1",
        "--allow-run=deno,cat",
        "--allow-read=.bench-data,ChatClient.ts,ChatServer.ts",
        "--allow-write=.bench-data",
        "bench/transfer.ts",
        ...(quick ? ["--mib", "10"] : []),
      ],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!success) Deno.exit(1);
  }
  if (values["no-write"] !== true) {
    const command = `deno task bench ${Deno.args.join(" ")}`.trim();
    const ircOnly = rows.length + scaling.length + cluster.length === 0 && irc.length > 0;
    if (ircOnly) await writeIrcSection(irc, command);
    else await writeBenchmarks(rows, scaling, cluster, irc, command);
    console.error(`wrote ${BENCHMARKS_FILE}${scaling.length > 0 ? ` and ${CHART_FILE}` : ""}`);
  }
  const lost = [...rows, ...scaling, ...cluster].reduce((sum, row) => sum + row.report.lost, 0) +
    irc.filter((row) => row.side !== "ngircd-irc").reduce((sum, row) => sum + row.lost, 0);
  if (lost > 0) {
    console.error(`${lost} deliveries were lost`);
    Deno.exit(1);
  }
}
