import assert from "node:assert/strict";
import { MemoryStore } from "../store/memory.ts";
import { promtoolCheck } from "../tools/promtool.ts";
import { ChatMetrics, processCpuClock, type ServerSnapshot } from "./chat_metrics.ts";
import { Registry } from "./registry.ts";

const BOUNDS = { offlineMax: 10, offlineMaxAgeMs: 60_000, historyMax: 10, historyMaxAgeMs: 60_000 };

/** A server's snapshot, as a node of a cluster. */
function snapshot(): ServerSnapshot {
  return {
    connections: { json: 3, chat1: 1, websocket: 2, irc: 0 },
    users: 5,
    accounts: 2,
    rooms: 1,
    queuedBytes: 1200,
    peakQueuedBytes: 800,
    congested: 0,
    transfers: 1,
    cluster: { up: true, nodes: 2, published: 7, heard: 4 },
  };
}

/** The value of the series `series` (its name and labels as scraped) in `scrape`. */
function value(scrape: string, series: string): number {
  const line = scrape.split("\n").find((each) => each.startsWith(`${series} `));
  assert.ok(line !== undefined, `no series ${series} in the scrape`);
  return Number(line.slice(series.length + 1));
}

Deno.test("the chat's metrics count what happens and read the server's snapshot when scraped", async () => {
  const registry = new Registry();
  const metrics = new ChatMetrics(registry, { version: "1.2.3", cpuSeconds: () => 1.5 });
  let reads = 0;
  metrics.watch(() => (reads++, snapshot()), true);
  metrics.countCommand({ kind: "say" });
  metrics.countCommand({ kind: "say" });
  metrics.countCommand({ kind: "whisper" });
  metrics.countCommand({ kind: "room" });
  metrics.countCommand({ kind: "transfer", request: { type: "chunk" } });
  metrics.countCommand({ kind: "transfer", request: { type: "offer" } });
  metrics.countCommand({ kind: "nick" });
  metrics.deliveries.inc(12);
  metrics.refusals.taken.inc();
  metrics.disconnects.sendq_full.inc();
  metrics.transfers.bytes.inc(4096);
  const store = metrics.measured(new MemoryStore(BOUNDS));
  await store.accountNames();
  assert.equal(reads, 0);
  const scrape = registry.scrape();
  assert.equal(reads, 1);
  assert.equal(value(scrape, 'chat_build_info{version="1.2.3"}'), 1);
  assert.equal(value(scrape, "process_cpu_seconds_total"), 1.5);
  assert.ok(value(scrape, "process_resident_memory_bytes") > 0);
  assert.equal(value(scrape, "chat_commands_received_total"), 7);
  assert.equal(value(scrape, 'chat_messages_received_total{kind="everyone"}'), 2);
  assert.equal(value(scrape, 'chat_messages_received_total{kind="private"}'), 1);
  assert.equal(value(scrape, 'chat_messages_received_total{kind="room"}'), 1);
  assert.equal(value(scrape, 'chat_messages_received_total{kind="file_data"}'), 1);
  assert.equal(value(scrape, "chat_deliveries_total"), 12);
  assert.equal(value(scrape, 'chat_refusals_total{reason="taken"}'), 1);
  assert.equal(value(scrape, 'chat_refusals_total{reason="server_full"}'), 0);
  assert.equal(value(scrape, 'chat_disconnects_total{reason="sendq_full"}'), 1);
  assert.equal(value(scrape, "chat_file_bytes_total"), 4096);
  assert.equal(
    value(scrape, 'chat_store_operation_duration_seconds_count{operation="accountNames"}'),
    1,
  );
  assert.equal(value(scrape, 'chat_connections{wire="websocket"}'), 2);
  assert.equal(value(scrape, "chat_users"), 5);
  assert.equal(value(scrape, "chat_accounts"), 2);
  assert.equal(value(scrape, "chat_rooms"), 1);
  assert.equal(value(scrape, "chat_outbox_queued_bytes"), 1200);
  assert.equal(value(scrape, "chat_outbox_peak_bytes"), 800);
  assert.equal(value(scrape, "chat_cluster_link_up"), 1);
  assert.equal(value(scrape, "chat_cluster_nodes"), 2);
  assert.equal(value(scrape, 'chat_cluster_bus_messages_total{direction="out"}'), 7);
  assert.equal(value(scrape, 'chat_cluster_bus_messages_total{direction="in"}'), 4);
  // Every metric of the chat, cluster and store included, as Prometheus's linter reads it.
  assert.deepEqual(await promtoolCheck(scrape), { code: 0, output: "" });
});

Deno.test("a server outside a cluster has no cluster metrics, and none of CPU without its clock", () => {
  const registry = new Registry();
  new ChatMetrics(registry, { version: "1" }).watch(snapshot);
  const scrape = registry.scrape();
  assert.doesNotMatch(scrape, /chat_cluster_/);
  assert.doesNotMatch(scrape, /process_cpu_seconds_total/);
  assert.match(scrape, /^chat_users 5$/m);
});

Deno.test("the process's CPU clock counts seconds, going up", async () => {
  const clock = await processCpuClock();
  const before = clock();
  let spin = 0;
  for (let i = 0; i < 2e6; i++) spin += i;
  assert.ok(spin > 0);
  const after = clock();
  assert.ok(before > 0 && after >= before, `${before} then ${after}`);
});
