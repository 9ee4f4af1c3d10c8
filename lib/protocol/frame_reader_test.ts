import assert from "node:assert/strict";
import { MAX_FRAME_BYTES } from "../../protocol.ts";
import { type FrameEvent, FrameReader } from "./frame_reader.ts";
import { seededRandom } from "../tools/fuzz.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);

/** Frames (as text) and oversize events produced by feeding `chunks` to a fresh reader. */
function frames(chunks: (string | Uint8Array)[], max = MAX_FRAME_BYTES): string[] {
  const reader = new FrameReader(max);
  const out: string[] = [];
  for (const chunk of chunks) {
    for (const event of reader.push(typeof chunk === "string" ? bytes(chunk) : chunk)) {
      out.push(describe(event));
    }
  }
  return out;
}

function describe(event: FrameEvent): string {
  return event.kind === "frame" ? decoder.decode(event.bytes) : `<oversize ${event.limit}>`;
}

Deno.test("FrameReader splits objects ended by newlines and objects with nothing between them", () => {
  assert.deepEqual(frames(['{"a":1}\n{"b":2}\n']), ['{"a":1}', '{"b":2}']);
  assert.deepEqual(frames(['{"a":1}{"b":2}{"c":{"d":[1,{}]}}']), [
    '{"a":1}',
    '{"b":2}',
    '{"c":{"d":[1,{}]}}',
  ]);
  assert.deepEqual(frames(['{"a":1}\r\n  {"b":2} \t {"c":3}']), ['{"a":1}', '{"b":2}', '{"c":3}']);
});

Deno.test("FrameReader drops the CR of a CR LF line ending, even in an earlier chunk", () => {
  assert.deepEqual(frames(["not json\r\n"]), ["not json"]);
  assert.deepEqual(frames(["not json\r", "\n"]), ["not json"]);
  assert.deepEqual(frames(["a\rb\n"]), ["a\rb"], "a CR elsewhere stays");
});

Deno.test("FrameReader is not fooled by braces, quotes and backslashes inside strings", () => {
  const tricky = '{"m":"} { \\" \\\\"}{"n":"\\\\\\"}"}';
  assert.deepEqual(frames([tricky]), ['{"m":"} { \\" \\\\"}', '{"n":"\\\\\\"}"}']);
  for (const frame of frames([tricky])) JSON.parse(frame);
});

Deno.test("FrameReader ends a broken frame at the newline so the next one is unaffected", () => {
  assert.deepEqual(frames(['{"a": "no end\n{"b":1}\n']), ['{"a": "no end', '{"b":1}']);
  assert.deepEqual(frames(['{"a": {"b": 1\n{"c":2}']), ['{"a": {"b": 1', '{"c":2}']);
  assert.deepEqual(frames(["not json\r\n[1,2]\n", '{"ok":true}']), [
    "not json",
    "[1,2]",
    '{"ok":true}',
  ]);
});

Deno.test("FrameReader gives the same frames whatever the chunk boundaries (seeded)", () => {
  const objects = [
    { type: "nickname", nickname: "Zoë", clientID: "001", timestamp: "2024-03-21T10:30:25Z" },
    { type: "message", nickname: "Zoë", message: '} { " \\ 😀 日本', timestamp: "t" },
    { type: "message", nickname: "x", message: "[".repeat(50) },
    { type: "disconnect", nickname: "Zoë", clientID: "001" },
  ];
  const expected = objects.map((o) => JSON.stringify(o));
  const next = seededRandom(42);
  for (let round = 0; round < 500; round++) {
    // Mix newline-ended and back-to-back objects, then cut the bytes at random points.
    const text = expected.map((f) => f + (next() < 0.5 ? "\n" : "")).join("");
    const all = bytes(text);
    const chunks: Uint8Array[] = [];
    let offset = 0;
    while (offset < all.length) {
      const size = 1 + Math.floor(next() * 40);
      chunks.push(all.slice(offset, offset + size));
      offset += size;
    }
    assert.deepEqual(frames(chunks), expected, `round ${round}`);
  }
});

Deno.test("FrameReader accepts a frame of exactly the limit and refuses one byte more", () => {
  const frameOf = (size: number) => `{"m":"${"x".repeat(size - 8)}"}`;
  assert.equal(frameOf(100).length, 100);
  assert.deepEqual(frames([frameOf(100) + "\n"], 100), [frameOf(100)]);
  assert.deepEqual(frames([frameOf(101) + "\n"], 100), ["<oversize 100>"]);
  // Split over chunks, the same.
  assert.deepEqual(frames([frameOf(100).slice(0, 50), frameOf(100).slice(50)], 100), [
    frameOf(100),
  ]);
  assert.deepEqual(frames([frameOf(101).slice(0, 50), frameOf(101).slice(50)], 100), [
    "<oversize 100>",
  ]);
});

Deno.test("FrameReader reports a frame with no end as soon as it passes the limit, keeping none of it", () => {
  const reader = new FrameReader(1000);
  const events: string[] = [];
  const feed = (text: string) => reader.push(bytes(text)).forEach((e) => events.push(describe(e)));
  feed('{"m":"');
  for (let i = 0; i < 100; i++) feed("x".repeat(100)); // 10 KB with no end yet
  assert.deepEqual(events, ["<oversize 1000>"], "reported once, before the frame ends");
  assert.equal(reader.pending, true, "the reader still follows the long frame to its end");
  feed('still the long one"}{"after":1}\n{"next":2}\n');
  assert.deepEqual(events, ["<oversize 1000>", '{"after":1}', '{"next":2}']);
  // A line with no newline at all, the same.
  const line = new FrameReader(1000);
  assert.deepEqual(line.push(bytes("y".repeat(5000))).map(describe), ["<oversize 1000>"]);
  assert.deepEqual(line.push(bytes("zzz\nok\n")).map(describe), ["ok"]);
});

Deno.test("FrameReader survives random bytes and keeps framing what follows (seeded)", () => {
  const next = seededRandom(7);
  const reader = new FrameReader(2048);
  for (let round = 0; round < 2000; round++) {
    const noise = new Uint8Array(Math.floor(next() * 300)).map(() => Math.floor(next() * 256));
    for (const event of reader.push(noise)) {
      if (event.kind === "frame") assert.ok(event.bytes.length <= 2048);
    }
    // A newline always brings the reader back, whatever came before.
    reader.push(bytes("\n"));
    assert.deepEqual(reader.push(bytes('{"type":"disconnect"}')).map(describe), [
      '{"type":"disconnect"}',
    ]);
  }
});

Deno.test("FrameReader in line mode makes every line a frame, braces or not", () => {
  const reader = new FrameReader(100, { lines: true });
  const events = [
    ...reader.push(bytes('{"a":1}{"b":2}\n  two {\r')),
    ...reader.push(bytes("\n\r\n\n}last\n")),
  ];
  assert.deepEqual(events.map(describe), ['{"a":1}{"b":2}', "  two {", "}last"]);
  assert.equal(reader.pending, false);
});
