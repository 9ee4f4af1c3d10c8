import assert from "node:assert/strict";
import type { BusMessage } from "./bus_messages.ts";
import { HeldMessages } from "./held_messages.ts";

/** A line said by `nickname`, as a delivery to everyone. */
function line(text: string, nickname = "Alice"): BusMessage {
  return {
    kind: "deliver",
    to: "*",
    messages: [{ type: "broadcast", nickname, message: text, timestamp: "t" }],
  };
}

/** What was sent (`channel seq text`), a clock, what was dropped, and control over each send. */
function setUp(options: { maxMessages?: number; maxAgeMs?: number; maxBytes?: number } = {}) {
  const sent: string[] = [];
  const dropped: string[] = [];
  const pending: { resolve: (heard: number) => void; reject: (error: Error) => void }[] = [];
  const clock = { now: 0 };
  const held = new HeldMessages({
    send: (channel, message, seq) => {
      const text = message.kind === "deliver" && message.messages[0].type === "broadcast"
        ? message.messages[0].message
        : message.kind;
      sent.push(`${channel} ${seq} ${text}`);
      return new Promise((resolve, reject) => pending.push({ resolve, reject }));
    },
    dropped: (message) =>
      dropped.push(
        message.kind === "deliver" && message.messages[0].type === "broadcast"
          ? message.messages[0].message
          : message.kind,
      ),
    now: () => clock.now,
    ...options,
  });
  return { clock, dropped, held, pending, sent };
}

/** Lets settled promises' handlers run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("HeldMessages numbers messages and sends them at once while the link is up", () => {
  const { held, sent } = setUp();
  held.publish("all", line("one"));
  held.publish("room:#ops", line("two"));
  assert.deepEqual(sent, ["all 1 one", "room:#ops 2 two"]);
  assert.equal(held.holding, false);
});

Deno.test("HeldMessages keeps what was not taken when the link goes, and sends it all once back, in order", async () => {
  const { held, pending, sent } = setUp();
  held.publish("all", line("one"));
  held.publish("all", line("two"));
  pending[0].resolve(2);
  await settle();
  held.hold();
  held.publish("all", line("three"));
  // "two" was sent, but not known to be taken: it is sent again, ahead of "three".
  assert.equal(held.size, 2);
  sent.length = 0;
  held.release();
  assert.deepEqual(sent, ["all 2 two", "all 3 three"]);
  held.publish("all", line("four"));
  assert.deepEqual(sent.at(-1), "all 4 four");
  // The first sending of "two" fails late: nothing more happens.
  pending[1].reject(new Error("gone"));
  await settle();
  assert.equal(held.holding, false);
});

Deno.test("HeldMessages starts keeping when a send fails, before it is told the link is lost", async () => {
  const { held, pending, sent } = setUp();
  held.publish("all", line("one"));
  held.publish("all", line("two"));
  pending[0].reject(new Error("Socket closed unexpectedly"));
  pending[1].reject(new Error("Socket closed unexpectedly"));
  await settle();
  assert.equal(held.holding, true);
  held.publish("all", line("three"));
  sent.length = 0;
  held.release();
  assert.deepEqual(sent, ["all 1 one", "all 2 two", "all 3 three"]);
});

Deno.test("HeldMessages keeps at most its bound of messages and of age; the rest are dropped", () => {
  const { clock, dropped, held, sent } = setUp({ maxMessages: 2, maxAgeMs: 1000 });
  held.hold();
  held.publish("all", line("one"));
  held.publish("all", line("two"));
  held.publish("all", line("three"));
  assert.deepEqual(dropped, ["three"], "past the count");
  clock.now = 600;
  held.publish("all", line("four"));
  assert.deepEqual(dropped, ["three", "four"], "still full");
  clock.now = 1200;
  held.publish("all", line("five"));
  assert.deepEqual(dropped, ["three", "four", "one", "two"], "too old: the oldest go first");
  clock.now = 2500;
  held.publish("all", line("six"));
  clock.now = 3000;
  held.release();
  assert.deepEqual(dropped, ["three", "four", "one", "two", "five"], "too old when sent");
  assert.deepEqual(sent, ["all 6 six"]);
});

Deno.test("HeldMessages keeps at most its bound of bytes", async () => {
  const size = JSON.stringify(line("one")).length;
  const { dropped, held, pending, sent } = setUp({ maxBytes: size * 2 + 1 });
  held.hold();
  for (const text of ["one", "two", "six"]) held.publish("all", line(text));
  assert.deepEqual(dropped, ["six"]);
  held.release();
  for (const each of pending) each.resolve(2);
  await settle();
  held.hold();
  held.publish("all", line("ten"));
  held.release();
  assert.deepEqual(sent, ["all 1 one", "all 2 two", "all 4 ten"], "the count starts again");
});

Deno.test("HeldMessages says when a node's channel has nobody to hear it", async () => {
  const { held, pending } = setUp();
  const failed: string[] = [];
  held.publish("node:ab12", line("one"), () => failed.push("node"));
  held.publish("all", line("two"), () => failed.push("all"));
  pending[0].resolve(0);
  pending[1].resolve(0);
  await settle();
  assert.deepEqual(failed, ["node"]);
});
