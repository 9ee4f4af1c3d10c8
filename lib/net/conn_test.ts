import assert from "node:assert/strict";
import { IncomingBytes } from "./conn.ts";

Deno.test("IncomingBytes reads chunks in order, split to fit the buffer", async () => {
  const incoming = new IncomingBytes();
  incoming.push(new Uint8Array([1, 2, 3]));
  incoming.push(new Uint8Array([4]));
  assert.equal(incoming.bytes, 4);
  const buffer = new Uint8Array(2);
  assert.equal(await incoming.read(buffer), 2);
  assert.deepEqual([...buffer], [1, 2]);
  assert.equal(await incoming.read(buffer), 1);
  assert.deepEqual(buffer[0], 3);
  assert.equal(await incoming.read(buffer), 1);
  assert.deepEqual(buffer[0], 4);
  assert.equal(incoming.bytes, 0);
});

Deno.test("IncomingBytes waits for bytes, and answers null only once ended and read", async () => {
  const incoming = new IncomingBytes();
  const buffer = new Uint8Array(8);
  const reading = incoming.read(buffer);
  incoming.push(new Uint8Array([7, 8]));
  incoming.end();
  assert.equal(await reading, 2);
  assert.deepEqual([...buffer.subarray(0, 2)], [7, 8]);
  assert.equal(await incoming.read(buffer), null);
  const waiting = new IncomingBytes();
  const pending = waiting.read(buffer);
  waiting.end();
  assert.equal(await pending, null);
});
