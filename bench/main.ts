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
 *
 * @module
 */

import { parseFlags } from "../lib/common/flags.ts";
import { type LoadOptions, type LoadReport, runLoad } from "./load.ts";
import { scalingChart, type ScalingPoint } from "./chart.ts";
import { type ClusterRow, clusterRows, clusterTable } from "./cluster.ts";
import { cpuSeconds, freePort, memoryMiB, output, waitForPort } from "./proc.ts";

const BENCHMARKS_FILE = "BENCHMARKS.md";
const CHART_FILE = "bench/scaling.svg";
const COMPARE_START = "<!-- compare:start -->";
const COMPARE_END = "<!-- compare:end -->";

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

/** A server of ours on a free port, pinned to CPU 1 when taskset is there. */
async function startServer(): Promise<{ port: number; pid: number; stop: () => Promise<void> }> {
  const port = freePort();
  const pinned = (await output("taskset", ["-c", "1", "true"])) !== undefined;
  const args = ["run", "--allow-net", "ChatServer.ts", `${port}`, "--max-rate", "0"];
  const child = new Deno.Command(pinned ? "taskset" : "deno", {
    args: pinned ? ["-c", "1", "deno", ...args] : args,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  await waitForPort(port);
  return {
    port,
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

async function run(workload: Workload, target?: { port: number; pid?: number }): Promise<Row> {
  const server = target === undefined ? await startServer() : undefined;
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
  command: string,
): Promise<void> {
  let compare = `${COMPARE_START}\n(No compare.sh run recorded yet.)\n${COMPARE_END}`;
  try {
    const old = await Deno.readTextFile(BENCHMARKS_FILE);
    const start = old.indexOf(COMPARE_START), end = old.indexOf(COMPARE_END);
    if (start >= 0 && end > start) compare = old.slice(start, end + COMPARE_END.length);
  } catch {
    // A first run.
  }
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

## How cost grows with the room

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
  if (values.json === true) {
    for (const row of [...rows, ...scaling]) console.log(JSON.stringify(jsonRow(row)));
  } else {
    console.log(table(rows));
    if (scaling.length > 0) console.log("\n" + table(scaling));
    if (cluster.length > 0) console.log("\n" + clusterTable(cluster));
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
    await writeBenchmarks(rows, scaling, cluster, command);
    console.error(`wrote ${BENCHMARKS_FILE}${scaling.length > 0 ? ` and ${CHART_FILE}` : ""}`);
  }
  const lost = [...rows, ...scaling, ...cluster].reduce((sum, row) => sum + row.report.lost, 0);
  if (lost > 0) {
    console.error(`${lost} deliveries were lost`);
    Deno.exit(1);
  }
}
