/**
 * The cluster workload of `deno task bench`: 300 clients, every one of them sending to everyone
 * at the same offered rate, once on one server and once spread over three nodes that share a
 * Redis (Debian's `redis-server`, started here). It reports deliveries per second, CPU per
 * delivery (the nodes plus Redis), Redis's CPU per message, and latency.
 *
 * @module
 */

import { REDIS_ENV } from "../lib/cluster/join.ts";
import { RedisServer } from "../lib/tools/redis_server.ts";
import { type LoadReport, runLoad } from "./load.ts";
import { cpuSeconds, freePort, waitForPort } from "./proc.ts";

/** One setup's figures. */
export interface ClusterRow {
  setup: string;
  nodes: number;
  clients: number;
  /** Messages per second offered, all senders together. */
  offered: number;
  report: LoadReport;
  /** CPU seconds of the nodes and of Redis over the sending. */
  nodeCpu?: number;
  redisCpu?: number;
}

/** A ChatServer on a free port (a node of `cluster`, when given), once it accepts connections. */
async function startNode(cluster?: string): Promise<{ port: number; child: Deno.ChildProcess }> {
  const port = freePort();
  const child = new Deno.Command("deno", {
    args: [
      ...["run", "--allow-net", `--allow-env=${REDIS_ENV.join(",")}`, "ChatServer.ts", `${port}`],
      ...["--max-rate", "0", "--byte-rate", "0", ...(cluster ? ["--cluster", cluster] : [])],
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  if (await waitForPort(port)) return { port, child };
  throw new Error(`a node on port ${port} did not start`);
}

async function cpuOf(pids: number[]): Promise<number | undefined> {
  const each = await Promise.all(pids.map(cpuSeconds));
  return each.some((value) => value === undefined)
    ? undefined
    : each.reduce((sum: number, value) => sum + value!, 0);
}

/** Runs the workload on `nodes` nodes (1: a plain server; more: a cluster over Redis). */
async function runSetup(nodes: number, quick: boolean): Promise<ClusterRow> {
  const redis = nodes > 1 ? await RedisServer.start({ dir: "." }) : undefined;
  const started = await Promise.all(
    Array.from({ length: nodes }, () => startNode(redis?.url)),
  );
  const clients = 300, rate = 2, messages = quick ? 2 : 6;
  const pids = started.map(({ child }) => child.pid);
  const redisPid = redis?.pid;
  let nodeCpu: number | undefined, redisCpu: number | undefined;
  try {
    const report = await runLoad({
      port: started[0].port,
      ports: started.map(({ port }) => port),
      clients,
      senders: clients,
      messages,
      rate,
      size: 64,
      holdSeconds: nodes > 1 ? 1 : 0,
      connectConcurrency: 100,
      timeoutSeconds: 120,
      onRegistered: async () => {
        nodeCpu = await cpuOf(pids);
        redisCpu = redisPid === undefined ? undefined : await cpuSeconds(redisPid);
      },
    });
    const nodeEnd = await cpuOf(pids);
    const redisEnd = redisPid === undefined ? undefined : await cpuSeconds(redisPid);
    return {
      setup: nodes > 1 ? `${nodes} nodes over Redis` : "1 server",
      nodes,
      clients,
      offered: clients * rate,
      report,
      nodeCpu: nodeCpu === undefined || nodeEnd === undefined ? undefined : nodeEnd - nodeCpu,
      redisCpu: redisCpu === undefined || redisEnd === undefined ? undefined : redisEnd - redisCpu,
    };
  } finally {
    for (const { child } of started) child.kill("SIGTERM");
    await Promise.all(started.map(({ child }) => child.status));
    await redis?.stop();
  }
}

/** The cluster workload: one server, then three nodes. */
export async function clusterRows(quick: boolean): Promise<ClusterRow[]> {
  return [await runSetup(1, quick), await runSetup(3, quick)];
}

const f = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(digits);

/** The rows as a Markdown table. */
export function clusterTable(rows: ClusterRow[]): string {
  const lines = [
    "| setup | clients | offered msg/s | deliveries/s | CPU µs per delivery (nodes + Redis) | Redis CPU µs per message | p50 ms | p99 ms | lost |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const row of rows) {
    const r = row.report;
    const cpu = row.nodeCpu === undefined ? undefined : row.nodeCpu + (row.redisCpu ?? 0);
    const sent = row.clients * (r.expected / Math.max(1, row.clients * (row.clients - 1)));
    lines.push(
      `| ${row.setup} | ${r.registered} | ${row.offered} | ${f(r.throughput)} | ` +
        `${f(cpu === undefined ? undefined : cpu / r.delivered * 1e6, 3)} | ` +
        `${f(row.redisCpu === undefined ? undefined : row.redisCpu / sent * 1e6, 1)} | ` +
        `${f(r.latencyMs.p50, 1)} | ${f(r.latencyMs.p99, 1)} | ${r.lost} |`,
    );
  }
  const [one, three] = rows;
  if (one !== undefined && three !== undefined && one.report.latencyMs.p99 > 0) {
    const ratio = three.report.latencyMs.p99 / one.report.latencyMs.p99;
    lines.push(
      "",
      `Cross-node p99 is ${ratio.toFixed(2)}× one server's at the same offered rate (target: ` +
        `within 2×, ${ratio <= 2 ? "met" : "missed"} in this run).`,
    );
  }
  return lines.join("\n");
}
