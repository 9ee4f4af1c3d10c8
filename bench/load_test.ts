import assert from "node:assert/strict";
import { processTest, ServerProgram } from "../lib/tools/testing.ts";
import { DeliveryLedger, runLoad } from "./load.ts";
import { scalingChart } from "./chart.ts";
import { ircDialect } from "./irc_load.ts";
import { ircRatios, ircRows, median } from "./irc_compare.ts";

Deno.test("DeliveryLedger counts deliveries, duplicates and messages out of order", () => {
  const ledger = new DeliveryLedger(2, 5);
  for (const seq of [0, 1, 3, 2, 2, 4]) ledger.record(0, seq);
  ledger.record(1, 0);
  ledger.record(1, 9); // not part of the run
  assert.equal(ledger.delivered, 6);
  assert.equal(ledger.duplicated, 1);
  assert.equal(ledger.reordered, 1, "2 came after 3");
});

processTest("runLoad() drives a real server: every message delivered once, in order", async () => {
  await using server = await ServerProgram.start(["--max-rate", "0"]);
  let sawRegistration = false;
  const report = await runLoad({
    port: server.port,
    clients: 5,
    senders: 2,
    messages: 20,
    rate: 0,
    size: 64,
    holdSeconds: 0,
    connectConcurrency: 5,
    timeoutSeconds: 30,
    onRegistered: () => {
      sawRegistration = true;
      return Promise.resolve();
    },
  });
  assert.ok(sawRegistration);
  assert.equal(report.registered, 5);
  assert.equal(report.expected, 2 * 20 * 4);
  assert.equal(report.delivered, report.expected);
  assert.deepEqual([report.lost, report.duplicated, report.reordered], [0, 0, 0]);
  assert.ok(report.latencyMs.p99 >= report.latencyMs.p50 && report.latencyMs.p50 >= 0);
  assert.ok(report.throughput > 0);
});

processTest("runLoad() drives IRC clients in the everyone-chat: the same accounting", async () => {
  await using server = await ServerProgram.start(["--max-rate", "0", "--irc-port", "0"]);
  const report = await runLoad({
    port: server.ircPort,
    clients: 5,
    senders: 2,
    messages: 20,
    rate: 0,
    size: 64,
    holdSeconds: 0,
    connectConcurrency: 5,
    timeoutSeconds: 30,
    dialect: ircDialect({ channel: "&chat", join: false }),
  });
  assert.equal(report.registered, 5);
  assert.equal(report.delivered, 2 * 20 * 4);
  assert.deepEqual([report.lost, report.duplicated, report.reordered], [0, 0, 0]);
});

Deno.test("ircDialect() joins after the welcome, registers at its channel's names, pongs", () => {
  const dialect = ircDialect({ channel: "#bench", join: true });
  assert.equal(dialect.register("b1", 1), "NICK b1\r\nUSER b1 0 * :bench 1\r\n");
  assert.deepEqual(dialect.registering(":s 001 b1 :Welcome\r"), {
    registered: false,
    answer: "JOIN #bench\r\n",
  });
  assert.deepEqual(dialect.registering(":s PING :token\r"), {
    registered: false,
    answer: "PONG :token\r\n",
  });
  assert.equal(dialect.registering(":s 366 b1 #other :End\r").registered, false);
  assert.equal(dialect.registering(":s 366 b1 #Bench :End of /NAMES list.\r").registered, true);
  assert.equal(dialect.answer?.("PING s\r"), "PONG s\r\n");
  assert.equal(dialect.answer?.(":b2!~b2@irc PRIVMSG #bench :hi\r"), undefined);
  const line = dialect.frame("b1", "b:0:1:2:xx");
  assert.equal(line, "PRIVMSG #bench :b:0:1:2:xx\r\n");
  assert.ok(`:b1!~b1@irc ${line}`.includes(`${dialect.marker}0:1:2:`));
});

Deno.test("ircRows() gives medians per workload and side, and the IRC-over-JSON ratio", () => {
  const report = (p99: number, lost = 0) => ({
    registered: 3,
    failedToRegister: 0,
    connectMs: 1,
    expected: 10,
    delivered: 10 - lost,
    lost,
    duplicated: 0,
    reordered: 0,
    throughput: 100,
    latencyMs: { p50: 1, p90: 1, p99, max: p99 },
    seconds: 1,
  });
  const rows = ircRows([
    { workload: "fanout", side: "ours-json", report: report(5), cpuMicros: 0.2 },
    { workload: "fanout", side: "ours-irc", report: report(9), cpuMicros: 0.3 },
    { workload: "fanout", side: "ours-json", report: report(7, 1), cpuMicros: 0.4 },
    { workload: "fanout", side: "ours-irc", report: report(3), cpuMicros: 0.25 },
    { workload: "fanout", side: "ours-json", report: report(6), cpuMicros: 0.3 },
  ], { fanout: 3 });
  assert.deepEqual(rows.map((row) => [row.side, row.runs, row.cpuMicros, row.p99Ms, row.lost]), [
    ["ours-json", 3, 0.3, 6, 1],
    ["ours-irc", 2, 0.25, 3, 0],
  ]);
  assert.equal(median([3, undefined, 1, NaN, 2]), 2);
  assert.match(
    ircRatios(rows),
    /^- fanout: IRC over JSON on our server, CPU per delivery 0\.83× .*met\)$/,
  );
});

processTest("runLoad() reports what never arrives as lost", async () => {
  // A "server" that acknowledges registrations and relays nothing.
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      await conn.write(new TextEncoder().encode('{"type":"welcome"}\n'));
      if (conns.length === 3) break;
    }
  })();
  const report = await runLoad({
    port: (listener.addr as Deno.NetAddr).port,
    clients: 3,
    senders: 1,
    messages: 4,
    rate: 0,
    size: 64,
    holdSeconds: 0,
    connectConcurrency: 3,
    timeoutSeconds: 6,
  });
  await serving;
  for (const conn of conns) conn.close();
  assert.equal(report.expected, 8);
  assert.equal(report.lost, 8);
});

Deno.test("scalingChart() draws one panel per figure with a point per client count", () => {
  const svg = scalingChart([
    { clients: 10, deliveriesPerSecond: 500_000, cpuMicrosPerDelivery: 0.9, p99Ms: 3 },
    { clients: 1000, deliveriesPerSecond: 1_500_000, cpuMicrosPerDelivery: 0.3, p99Ms: 40 },
  ]);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal(svg.match(/<polyline /g)?.length, 3);
  assert.equal(svg.match(/<circle /g)?.length, 6);
  for (
    const label of [
      "deliveries per second",
      "server CPU per delivery",
      "p99 latency",
      "1.50M",
      "0.30",
      "40",
    ]
  ) {
    assert.ok(svg.includes(label), label);
  }
});
