import assert from "node:assert/strict";
import { BULK_WRITE_BYTES, Outbox, PROGRESS_BYTES } from "./outbox.ts";
import { FakeWriter } from "../tools/testing.ts";

Deno.test("Outbox writes everything queued meanwhile in one write", async () => {
  const writer = new FakeWriter();
  writer.hold();
  const outbox = new Outbox(writer, { capBytes: 100 });
  outbox.enqueue(new Uint8Array([1]));
  await Promise.resolve();
  outbox.enqueue(new Uint8Array([2, 3]));
  outbox.enqueue(new Uint8Array([4]));
  writer.release();
  await outbox.drained();
  assert.deepEqual(writer.writes.map((w) => [...w]), [[1], [2, 3, 4]]);
  assert.equal(outbox.queuedBytes, 0);
});

Deno.test("Outbox finishes partial writes in order", async () => {
  const writer = new FakeWriter();
  writer.limit = 2;
  const outbox = new Outbox(writer, { capBytes: 100 });
  outbox.enqueue(new Uint8Array([1, 2, 3, 4, 5]));
  await outbox.drained();
  assert.deepEqual(writer.writes.map((w) => [...w]), [[1, 2], [3, 4], [5]]);
});

Deno.test("Outbox.enqueue() refuses bytes past the cap, counting bytes being written", async () => {
  const writer = new FakeWriter();
  writer.hold();
  const outbox = new Outbox(writer, { capBytes: 10 });
  assert.equal(outbox.enqueue(new Uint8Array(6)), true);
  await Promise.resolve();
  assert.equal(outbox.queuedBytes, 6, "in flight still counts");
  assert.equal(outbox.enqueue(new Uint8Array(4)), true);
  assert.equal(outbox.enqueue(new Uint8Array(1)), false);
  assert.equal(outbox.queuedBytes, 10);
  writer.release();
  await outbox.drained();
  assert.equal(outbox.enqueue(new Uint8Array(10)), true);
  await outbox.drained();
});

Deno.test("Outbox reports a failed write once and refuses everything after it", async () => {
  const writer = new FakeWriter();
  writer.fail = new Error("Broken pipe");
  const errors: unknown[] = [];
  const outbox = new Outbox(writer, { capBytes: 100, onError: (e) => errors.push(e) });
  outbox.enqueue(new Uint8Array(3));
  await outbox.drained();
  assert.deepEqual(errors, [writer.fail]);
  assert.equal(outbox.failed, true);
  assert.equal(outbox.enqueue(new Uint8Array(1)), false);
  assert.equal(outbox.queuedBytes, 0);
});

Deno.test("Outbox.stalledFor() measures time since the last progress of a pending write", async () => {
  let now = 1000;
  const writer = new FakeWriter();
  const outbox = new Outbox(writer, { capBytes: 100, now: () => now });
  assert.equal(outbox.stalledFor(), 0, "idle is not stalled");
  writer.hold();
  outbox.enqueue(new Uint8Array(3));
  await Promise.resolve(); // writing starts once the current work is done
  now = 4000;
  assert.equal(outbox.stalledFor(), 3000);
  writer.release();
  await outbox.drained();
  assert.equal(outbox.stalledFor(), 0);
});

Deno.test("Outbox.stalledFor() takes a trickle of small writes for no progress", async () => {
  let now = 0;
  const writer = new FakeWriter();
  writer.limit = 100; // a reader that takes 100 bytes at a time, every 10 ms: 10 kB/s
  const outbox = new Outbox(writer, { capBytes: 10 * PROGRESS_BYTES, now: () => now });
  const stalls: number[] = [];
  const write = writer.write.bind(writer);
  writer.write = (bytes) => {
    now += 10;
    stalls.push(outbox.stalledFor());
    return write(bytes);
  };
  outbox.enqueue(new Uint8Array(2 * PROGRESS_BYTES));
  await outbox.drained();
  // Just before each 16 KiB mark the writing has gone some 1.6 s without progress.
  const beforeMark = Math.floor(PROGRESS_BYTES / 100);
  assert.equal(stalls[beforeMark], 1640);
  assert.equal(stalls[beforeMark + 1], 10, "16 KiB written: progress, 10 ms ago");
  assert.equal(outbox.stalledFor(), 0);
});

Deno.test("Outbox.clear() drops what is queued but not what is being written", async () => {
  const writer = new FakeWriter();
  writer.hold();
  const outbox = new Outbox(writer, { capBytes: 100 });
  outbox.enqueue(new Uint8Array([1]));
  await Promise.resolve();
  outbox.enqueue(new Uint8Array([2]));
  outbox.clear();
  outbox.enqueue(new Uint8Array([9]));
  writer.release();
  await outbox.drained();
  assert.deepEqual(writer.writes.map((w) => [...w]), [[1], [9]]);
});

Deno.test("Outbox.waitBelow() resolves once the queue has drained to the given size", async () => {
  const writer = new FakeWriter();
  writer.hold();
  const outbox = new Outbox(writer, { capBytes: 100 });
  await outbox.waitBelow(0); // already empty
  outbox.enqueue(new Uint8Array(10));
  await Promise.resolve();
  outbox.enqueue(new Uint8Array(20));
  let below = false;
  const waiting = outbox.waitBelow(5).then(() => below = true);
  await Promise.resolve();
  assert.equal(below, false);
  writer.release();
  await waiting;
  assert.equal(outbox.queuedBytes, 0);
});

Deno.test("Outbox.waitBelow() resolves when writing fails", async () => {
  const writer = new FakeWriter();
  writer.hold();
  writer.fail = new Error("Connection reset");
  const outbox = new Outbox(writer, { capBytes: 100 });
  outbox.enqueue(new Uint8Array(50));
  const waiting = outbox.waitBelow(0);
  writer.release();
  await waiting;
  assert.equal(outbox.failed, true);
});

Deno.test("Outbox writes what is queued in the same turn together, and shares identical joins", async () => {
  // Writers that keep the very arrays they are given.
  const recorder = () => {
    const writes: Uint8Array[] = [];
    return {
      writes,
      write: (bytes: Uint8Array) => (writes.push(bytes), Promise.resolve(bytes.length)),
    };
  };
  const first = recorder();
  const second = recorder();
  const a = new Outbox(first, { capBytes: 100 });
  const b = new Outbox(second, { capBytes: 100 });
  const x = new Uint8Array([1, 2]);
  const y = new Uint8Array([3]);
  for (const outbox of [a, b]) {
    outbox.enqueue(x);
    outbox.enqueue(y);
  }
  await Promise.all([a.drained(), b.drained()]);
  assert.deepEqual(first.writes.map((w) => [...w]), [[1, 2, 3]]);
  assert.equal(first.writes[0].buffer, second.writes[0].buffer, "one copy for both");
});

Deno.test("Outbox.enqueueBulk() writes bulk behind anything else, outside the cap", async () => {
  const writer = new FakeWriter();
  writer.hold();
  const outbox = new Outbox(writer, { capBytes: 4 });
  assert.equal(outbox.enqueueBulk(new Uint8Array([10, 10, 10])), true);
  await Promise.resolve();
  // The first bulk piece is being written; what comes now, chat first, waits for it.
  assert.equal(outbox.enqueueBulk(new Uint8Array([11, 11, 11])), true);
  assert.equal(outbox.enqueueBulk(new Uint8Array([12, 12, 12])), true);
  assert.equal(outbox.enqueue(new Uint8Array([1, 2])), true);
  assert.equal(outbox.enqueue(new Uint8Array([3, 4])), true, "bulk does not count against the cap");
  assert.equal(outbox.queuedBytes, 4);
  assert.equal(outbox.bulkBytes, 6);
  writer.release();
  await outbox.drained();
  assert.deepEqual(writer.writes.map((w) => [...w]), [
    [10, 10, 10],
    [1, 2, 3, 4],
    [11, 11, 11, 12, 12, 12],
  ]);
  assert.equal(outbox.bulkBytes, 0);
});

Deno.test("Outbox writes at most BULK_WRITE_BYTES of bulk at once", async () => {
  const writer = new FakeWriter();
  const outbox = new Outbox(writer, { capBytes: 4 });
  const piece = BULK_WRITE_BYTES / 2;
  for (let i = 0; i < 3; i++) outbox.enqueueBulk(new Uint8Array(piece));
  await outbox.drained();
  assert.deepEqual(writer.writes.map((w) => w.length), [2 * piece, piece]);
});

Deno.test("Outbox counts the bytes written, partial writes included, when given a tally", async () => {
  const writer = new FakeWriter();
  writer.limit = 3;
  let written = 0;
  const outbox = new Outbox(writer, { capBytes: 100, written: { inc: (n = 1) => written += n } });
  outbox.enqueue(new Uint8Array(5));
  outbox.enqueueBulk(new Uint8Array(4));
  await outbox.drained();
  assert.equal(written, 9);
  assert.equal(writer.writes.length, 4);
});

Deno.test("Outbox.hold() keeps what is queued from being written until it settles, then writes it together", async () => {
  const writer = new FakeWriter();
  const outbox = new Outbox(writer, { capBytes: 100 });
  let settle!: () => void;
  outbox.hold(new Promise<void>((resolve) => settle = resolve));
  outbox.enqueue(new Uint8Array([1]));
  await new Promise((resolve) => setTimeout(resolve, 5));
  outbox.enqueue(new Uint8Array([2]));
  assert.deepEqual(writer.writes, [], "nothing is written while held");
  assert.equal(outbox.stalledFor(), 0, "a hold is no stall");
  settle();
  await outbox.drained();
  assert.deepEqual(writer.writes.map((w) => [...w]), [[1, 2]]);
  // A hold that fails lets writing go on too.
  outbox.hold(Promise.reject(new Error("no subscription")));
  outbox.enqueue(new Uint8Array([3]));
  await outbox.drained();
  assert.deepEqual(writer.writes.map((w) => [...w]), [[1, 2], [3]]);
});
