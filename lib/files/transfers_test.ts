import assert from "node:assert/strict";
import { CHUNK_BYTES, EXTENSION_TYPES, type ServerMessage, WINDOW_CHUNKS } from "../../protocol.ts";
import { FakeMember, RecordingOutbound } from "../core/fakes.ts";
import { Transfers } from "./transfers.ts";

const SHA = "ab".repeat(32);

function setUp({ maxFileBytes = 1_000_000, maxTransfers = 2 } = {}) {
  const out = new RecordingOutbound();
  const log: string[] = [];
  const members = new Map<string, FakeMember>();
  let port = 30_000;
  const member = (nickname: string, extensions: readonly string[] = EXTENSION_TYPES) => {
    const m = new FakeMember(port++);
    m.nickname = nickname;
    m.extensions = new Set(extensions);
    members.set(nickname.toLowerCase(), m);
    return m;
  };
  const transfers = new Transfers<FakeMember>({
    out,
    chat: {
      find: (nickname) => members.get(nickname.toLowerCase()),
      isAccount: (nickname) => nickname === "Dana",
    },
    log: (event) => log.push(event.text),
    now: () => new Date(2024, 2, 21, 10, 30, 44),
    maxFileBytes,
    maxTransfers,
  });
  const last = (m: FakeMember): ServerMessage | undefined => out.received(m).at(-1);
  return { out, log, transfers, member, last };
}

/** Base64 of `bytes` zero bytes. */
const data = (bytes: number) => new Uint8Array(bytes).toBase64();

Deno.test("Transfers relays an offer, its acceptance, the data and the completion", () => {
  const { out, log, transfers, member, last } = setUp();
  const alice = member("Alice");
  const bob = member("Bob");
  transfers.handle(alice, {
    type: "offer",
    id: "t1",
    to: "bob",
    name: "../notes.txt",
    size: 5,
    sha256: SHA,
  });
  assert.deepEqual(last(bob), {
    type: "offer",
    id: "t1",
    from: "Alice",
    name: "_notes.txt",
    size: 5,
    sha256: SHA,
    timestamp: new Date(2024, 2, 21, 10, 30, 44).toISOString(),
  });
  transfers.handle(bob, { type: "accept", id: "t1" });
  assert.deepEqual(last(alice), { type: "accept", id: "t1" });
  transfers.handle(alice, { type: "chunk", id: "t1", seq: 0, data: data(5) });
  assert.deepEqual(last(bob), { type: "chunk", id: "t1", seq: 0, data: data(5) });
  transfers.handle(bob, { type: "received", id: "t1", seq: 0 });
  assert.deepEqual(last(alice), { type: "received", id: "t1", seq: 0 });
  transfers.handle(bob, { type: "complete", id: "t1" });
  assert.deepEqual(last(alice), { type: "complete", id: "t1" });
  assert.equal(transfers.size, 0);
  assert.deepEqual(out.refusals, []);
  assert.deepEqual(log.map((line) => line.slice(23)), [
    "Alice: offers _notes.txt (5 bytes) to Bob.",
    "Bob: accepted _notes.txt from Alice.",
    "transfer of _notes.txt (5 bytes) from Alice to Bob finished in 0.0 s.",
  ]);
});

Deno.test("Transfers turns down offers it cannot relay, naming why", () => {
  const { transfers, member, last } = setUp({ maxFileBytes: 100, maxTransfers: 1 });
  const alice = member("Alice");
  member("Bob");
  member("Carol", []);
  const offer = (id: string, to: string, size = 10) =>
    transfers.handle(alice, { type: "offer", id, to, name: "a.txt", size, sha256: SHA });
  const reasons: string[] = [];
  for (
    const [id, to, size] of [["a", "nobody"], ["b", "Dana"], ["c", "Alice"], ["d", "Carol"], [
      "e",
      "Bob",
      101,
    ]] as const
  ) {
    offer(id, to, size);
    const reply = last(alice);
    assert.equal(reply?.type === "cancel" && reply.id, id);
    reasons.push(reply?.type === "cancel" ? reply.reason ?? "" : "");
  }
  assert.deepEqual(reasons, [
    'No such user "nobody"',
    "Dana is not connected: files go only to those who are",
    "Cannot send a file to yourself",
    'User "Carol" cannot receive files: their client does not support them',
    "File too large: the limit is 100 bytes",
  ]);
  offer("f", "Bob");
  offer("g", "Bob");
  assert.deepEqual(last(alice), {
    type: "cancel",
    id: "g",
    reason: "Too many transfers at once: the limit is 1 per client",
  });
});

Deno.test("Transfers refuses data out of order, past the size, outside the window or not its own, and changes nothing", () => {
  const { out, transfers, member, last } = setUp({ maxFileBytes: 10_000_000 });
  const alice = member("Alice");
  const bob = member("Bob");
  const eve = member("Eve");
  const size = CHUNK_BYTES * (WINDOW_CHUNKS + 2);
  transfers.handle(alice, {
    type: "offer",
    id: "big",
    to: "Bob",
    name: "b.bin",
    size,
    sha256: SHA,
  });
  transfers.handle(alice, { type: "chunk", id: "big", seq: 0, data: data(10) });
  transfers.handle(bob, { type: "accept", id: "big" });
  transfers.handle(alice, { type: "chunk", id: "big", seq: 1, data: data(10) });
  transfers.handle(eve, { type: "chunk", id: "big", seq: 0, data: data(10) });
  transfers.handle(bob, { type: "chunk", id: "big", seq: 0, data: data(10) });
  transfers.handle(alice, { type: "chunk", id: "big", seq: 0, data: data(CHUNK_BYTES + 3) });
  transfers.handle(alice, { type: "chunk", id: "big", seq: 0, data: "abc" });
  transfers.handle(alice, { type: "chunk", id: "nope", seq: 0, data: data(10) });
  assert.deepEqual(out.refusals.map((r) => r.message), [
    'Transfer "big": it has not been accepted; nothing changed',
    'Transfer "big": chunk 1 is out of order (expected 0); nothing changed',
    'Transfer "big" is not yours',
    'Transfer "big": only its sender sends data; nothing changed',
    `Transfer "big": a chunk holds 1 to ${CHUNK_BYTES} bytes; nothing changed`,
    `Transfer "big": a chunk's data must be base64; nothing changed`,
    'No transfer "nope" in progress',
  ]);
  out.refusals.length = 0;
  for (let seq = 0; seq < WINDOW_CHUNKS; seq++) {
    transfers.handle(alice, { type: "chunk", id: "big", seq, data: data(CHUNK_BYTES) });
  }
  transfers.handle(alice, {
    type: "chunk",
    id: "big",
    seq: WINDOW_CHUNKS,
    data: data(CHUNK_BYTES),
  });
  assert.deepEqual(out.refusals.map((r) => r.message), [
    `Transfer "big": more than ${WINDOW_CHUNKS} chunks would be unacknowledged; nothing changed`,
  ]);
  transfers.handle(bob, { type: "received", id: "big", seq: WINDOW_CHUNKS - 1 });
  transfers.handle(alice, {
    type: "chunk",
    id: "big",
    seq: WINDOW_CHUNKS,
    data: data(CHUNK_BYTES),
  });
  transfers.handle(alice, {
    type: "chunk",
    id: "big",
    seq: WINDOW_CHUNKS + 1,
    data: data(CHUNK_BYTES),
  });
  transfers.handle(alice, { type: "chunk", id: "big", seq: WINDOW_CHUNKS + 2, data: data(1) });
  assert.equal(
    out.refusals.at(-1)?.message,
    `Transfer "big": past the announced size of ${size} bytes; nothing changed`,
  );
  assert.equal(out.received(bob).filter((m) => m.type === "chunk").length, WINDOW_CHUNKS + 2);
  assert.equal(last(alice)?.type, "received");
});

Deno.test("Transfers ends a transfer on a cancel from either side, and when a side leaves", () => {
  const { transfers, member, last, log } = setUp();
  const alice = member("Alice");
  const bob = member("Bob");
  transfers.handle(alice, { type: "offer", id: "x", to: "Bob", name: "x", size: 1, sha256: SHA });
  transfers.handle(bob, { type: "cancel", id: "x" });
  assert.deepEqual(last(alice), { type: "cancel", id: "x", reason: "cancelled by Bob" });
  transfers.handle(alice, { type: "offer", id: "y", to: "Bob", name: "y", size: 1, sha256: SHA });
  transfers.handle(bob, { type: "reject", id: "y" });
  assert.deepEqual(last(alice), { type: "reject", id: "y" });
  transfers.handle(alice, { type: "offer", id: "z", to: "Bob", name: "z", size: 1, sha256: SHA });
  transfers.handle(bob, { type: "accept", id: "z" });
  transfers.left(alice);
  assert.deepEqual(last(bob), { type: "cancel", id: "z", reason: "Alice left" });
  assert.equal(transfers.size, 0);
  assert.deepEqual(log.filter((line) => line.includes("transfer of")).map((l) => l.slice(23)), [
    "transfer of x (1 bytes) from Alice to Bob failed: cancelled by Bob.",
    "transfer of y (1 bytes) from Alice to Bob rejected by Bob.",
    "transfer of z (1 bytes) from Alice to Bob failed: Alice left.",
  ]);
});
