import assert from "node:assert/strict";
import { Counter, Histogram, Registry } from "./registry.ts";

Deno.test("a counter, a gauge and a labelled counter scrape as HELP, TYPE and one line a series", () => {
  const registry = new Registry();
  const sent = registry.counter("chat_sent_total", "Messages sent").with();
  const users = registry.gauge("chat_users", "Users").with();
  const received = registry.counter("chat_received_total", "Messages received", {
    kind: ["room", "private"],
  });
  sent.inc();
  sent.inc(2);
  users.set(5);
  users.dec();
  received.with({ kind: "private" }).inc();
  received.with({ kind: "room" });
  assert.equal(
    registry.scrape(),
    [
      "# HELP chat_sent_total Messages sent",
      "# TYPE chat_sent_total counter",
      "chat_sent_total 3",
      "# HELP chat_users Users",
      "# TYPE chat_users gauge",
      "chat_users 4",
      "# HELP chat_received_total Messages received",
      "# TYPE chat_received_total counter",
      'chat_received_total{kind="private"} 1',
      'chat_received_total{kind="room"} 0',
      "",
    ].join("\n"),
  );
});

Deno.test("a series asked for twice is the same object, so counting on it costs no lookup", () => {
  const family = new Registry().counter("x_total", "x", { kind: ["a", "b"] });
  assert.equal(family.with({ kind: "a" }), family.with({ kind: "a" }));
  assert.notEqual(family.with({ kind: "a" }), family.with({ kind: "b" }));
});

Deno.test("a histogram scrapes cumulative buckets up to +Inf, then its sum and count", () => {
  const registry = new Registry();
  const latency = registry.histogram("op_seconds", "How long", [0.1, 1], { op: ["read"] });
  const read = latency.with({ op: "read" });
  for (const seconds of [0.05, 0.1, 0.5, 3]) read.observe(seconds);
  assert.equal(
    registry.scrape(),
    [
      "# HELP op_seconds How long",
      "# TYPE op_seconds histogram",
      'op_seconds_bucket{op="read",le="0.1"} 2',
      'op_seconds_bucket{op="read",le="1"} 3',
      'op_seconds_bucket{op="read",le="+Inf"} 4',
      'op_seconds_sum{op="read"} 3.65',
      'op_seconds_count{op="read"} 4',
      "",
    ].join("\n"),
  );
  const plain = new Histogram([1, 2]);
  plain.observe(5);
  assert.deepEqual(plain.cumulative(), [0, 0, 1]);
});

Deno.test("metrics read at scrape time are read once per scrape, after the snapshot is taken", () => {
  const registry = new Registry();
  let snapshot = 0;
  let taken = 0;
  registry.beforeScrape(() => snapshot = ++taken * 10);
  registry.collect("chat_rooms", "Rooms", "gauge", () => snapshot);
  registry.collect(
    "chat_connections",
    "Connections",
    "gauge",
    () => [{ labels: { wire: "json" }, value: snapshot + 1 }],
    { wire: ["json", "irc"] },
  );
  const first = registry.scrape();
  assert.match(first, /^chat_rooms 10$/m);
  assert.match(first, /^chat_connections\{wire="json"\} 11$/m);
  assert.match(registry.scrape(), /^chat_rooms 20$/m);
});

Deno.test("label values outside their fixed set are refused, so no nickname becomes a label", () => {
  const registry = new Registry();
  const family = registry.counter("x_total", "x", { kind: ["room"] });
  assert.throws(() => family.with({ kind: "alice" }), /"alice" is not a value of label "kind"/);
  assert.throws(() => family.with({}), /takes the labels "kind", got ""/);
  assert.throws(() => family.with({ kind: "room", nick: "a" }), /takes the labels "kind"/);
  registry.collect("y", "y", "gauge", () => [{ labels: { kind: "bob" }, value: 1 }], {
    kind: ["room"],
  });
  assert.throws(() => registry.scrape(), /"bob" is not a value of label "kind"/);
});

Deno.test("names follow the conventions: counters end in _total, nothing else does, no twice", () => {
  const registry = new Registry();
  assert.throws(() => registry.counter("chat_sent", "x"), /Counter "chat_sent" must end in _total/);
  assert.throws(() => registry.gauge("chat_users_total", "x"), /may not end in _total/);
  assert.throws(() => registry.gauge("chat_x_count", "x"), /may not end in/);
  assert.throws(() => registry.gauge("chat-users", "x"), /Invalid metric name "chat-users"/);
  assert.throws(() => registry.gauge("g", "x", { le: ["1"] }), /invalid label name "le"/);
  assert.throws(() => registry.gauge("g", "x", { kind: [] }), /label "kind" has no values/);
  assert.throws(() => registry.histogram("h", "x", [2, 1]), /bounds must be finite and ascending/);
  registry.gauge("chat_users", "x");
  assert.throws(() => registry.gauge("chat_users", "x"), /"chat_users" is registered already/);
});

Deno.test("a counter never goes down", () => {
  const counter = new Counter();
  counter.inc(0);
  assert.throws(() => counter.inc(-1), /A counter cannot go down: got -1/);
  assert.equal(counter.value, 0);
});
