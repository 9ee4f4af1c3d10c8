import assert from "node:assert/strict";
import { seededRandom } from "../tools/fuzz.ts";
import { clientFrame } from "../tools/raw_websocket.ts";
import {
  CLOSE_CODE,
  closeFrame,
  FrameDecoder,
  frameLines,
  isValidCloseCode,
  linesWritten,
  MAX_BATCH_FRAME_BYTES,
  OPCODE,
} from "./websocket_frames.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a decoder told, as words. */
function decode(stream: Uint8Array, maxMessageBytes = 1000, cut = 0): string[] {
  const told: string[] = [];
  let text = "";
  const frames = new FrameDecoder({
    data: (bytes) => text += decoder.decode(bytes, { stream: true }),
    end: () => {
      told.push(`message ${text}`);
      text = "";
    },
    ping: (payload) => told.push(`ping ${decoder.decode(payload)}`),
    close: (code, reason) => told.push(`close ${code} ${reason}`),
    fail: (code, why) => told.push(`fail ${code} ${why}`),
  }, maxMessageBytes);
  // Pushed in pieces of `cut` bytes (0: whole), copied as a socket's reads would be.
  const step = cut || stream.length || 1;
  for (let at = 0; at < stream.length; at += step) {
    frames.push(stream.slice(at, at + step));
  }
  return told;
}

function join(...parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

Deno.test("FrameDecoder unmasks messages, joins fragments, answers pings between them, however cut", () => {
  const stream = join(
    clientFrame(OPCODE.text, '{"type":"list"}'),
    clientFrame(OPCODE.text, "hé", { fin: false }),
    clientFrame(OPCODE.ping, "are you there"),
    clientFrame(OPCODE.continuation, "llo ", { fin: false }),
    clientFrame(OPCODE.pong, "ignored"),
    clientFrame(OPCODE.continuation, "😀"),
    clientFrame(OPCODE.binary, "raw"),
    clientFrame(OPCODE.text, ""),
    clientFrame(OPCODE.text, "x".repeat(300)),
    clientFrame(OPCODE.close, join(Uint8Array.of(0x03, 0xe8), encoder.encode("bye"))),
    clientFrame(OPCODE.text, "after the close: not read"),
  );
  const expected = [
    'message {"type":"list"}',
    "ping are you there",
    "message héllo 😀",
    "message raw",
    "message ",
    `message ${"x".repeat(300)}`,
    "close 1000 bye",
  ];
  for (const cut of [0, 1, 2, 3, 5, 7, 64]) assert.deepEqual(decode(stream, 1000, cut), expected);
});

Deno.test("FrameDecoder fails the connection with the code each broken rule calls for", () => {
  const cases: [Uint8Array, string][] = [
    [clientFrame(OPCODE.text, "hi", { mask: false }), "fail 1002 A client's frame must be masked"],
    [clientFrame(OPCODE.text, "hi", { rsv: 0x40 }), "fail 1002 Reserved bits set"],
    [clientFrame(0x3, "hi"), "fail 1002 Opcode 3"],
    [clientFrame(0xb, "hi"), "fail 1002 Opcode 11"],
    [
      clientFrame(OPCODE.continuation, "hi"),
      "fail 1002 A continuation with no message under way",
    ],
    [
      join(clientFrame(OPCODE.text, "a", { fin: false }), clientFrame(OPCODE.text, "b")),
      "fail 1002 A new message before the last one ended",
    ],
    [
      clientFrame(OPCODE.ping, "x", { fin: false }),
      "fail 1002 A control frame must be whole and short",
    ],
    [
      clientFrame(OPCODE.ping, "x".repeat(126)),
      "fail 1002 A control frame must be whole and short",
    ],
    [clientFrame(OPCODE.text, Uint8Array.of(0x68, 0xff)), "fail 1007 Text that is not UTF-8"],
    // A character cut by the message's end, though each frame alone is fine so far.
    [
      join(
        clientFrame(OPCODE.text, Uint8Array.of(0x61, 0xf0, 0x9f), { fin: false }),
        clientFrame(OPCODE.continuation, Uint8Array.of(0x98)),
      ),
      "fail 1007 Text that is not UTF-8",
    ],
    [
      clientFrame(OPCODE.text, "x".repeat(1001)),
      "fail 1009 Message too long: the limit is 1000 bytes",
    ],
    [
      join(
        clientFrame(OPCODE.text, "x".repeat(600), { fin: false }),
        clientFrame(OPCODE.continuation, "x".repeat(401)),
      ),
      "fail 1009 Message too long: the limit is 1000 bytes",
    ],
    [clientFrame(OPCODE.close, Uint8Array.of(0x03)), "fail 1002 A close code cut short"],
    [clientFrame(OPCODE.close, Uint8Array.of(0x03, 0xed)), "fail 1002 Close code 1005"],
    [
      clientFrame(OPCODE.close, Uint8Array.of(0x03, 0xe8, 0xc3)),
      "fail 1007 A close reason that is not UTF-8",
    ],
  ];
  for (const [stream, told] of cases) {
    // Nothing more is read after the failure.
    const after = clientFrame(OPCODE.text, "never read");
    assert.deepEqual(decode(join(stream, after)).at(-1), told, told);
    assert.deepEqual(decode(join(stream, after), 1000, 1).at(-1), told, `${told}, byte by byte`);
  }
  // A binary message is not text: any bytes go.
  assert.deepEqual(decode(clientFrame(OPCODE.binary, Uint8Array.of(0xff))), ["message \ufffd"]);
  // A length past 2^53 is refused, not misread.
  const huge = Uint8Array.of(
    0x81,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    1,
    2,
    3,
    4,
  );
  assert.deepEqual(decode(huge), ["fail 1009 Message too long: the limit is 1000 bytes"]);
  assert.deepEqual(decode(clientFrame(OPCODE.close, "")), ["close undefined "]);
});

Deno.test("isValidCloseCode() takes the codes a client may send", () => {
  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999]) {
    assert.ok(isValidCloseCode(code), String(code));
  }
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000]) {
    assert.ok(!isValidCloseCode(code), String(code));
  }
});

/** The payloads of the server frames in `bytes` (text frames, lengths of every size). */
function serverPayloads(bytes: Uint8Array): string[] {
  const payloads: string[] = [];
  for (let at = 0; at < bytes.length;) {
    assert.equal(bytes[at], 0x80 | OPCODE.text, "a final text frame");
    let length = bytes[at + 1];
    let head = 2;
    if (length === 126) {
      length = (bytes[at + 2] << 8) | bytes[at + 3];
      head = 4;
    } else if (length === 127) {
      length = Number(new DataView(bytes.buffer, bytes.byteOffset + at + 2, 8).getBigUint64(0));
      head = 10;
    }
    payloads.push(decoder.decode(bytes.subarray(at + head, at + head + length)));
    at += head + length;
  }
  return payloads;
}

Deno.test("frameLines() frames one line a frame, or every line in one frame for a batch reader", () => {
  const lines = encoder.encode('{"a":1}\n\n{"b":"é"}\n' + "x".repeat(70_000) + "\n");
  assert.deepEqual(serverPayloads(frameLines(lines, false).bytes), [
    '{"a":1}',
    '{"b":"é"}',
    "x".repeat(70_000),
  ]);
  assert.deepEqual(serverPayloads(frameLines(lines, true).bytes), [decoder.decode(lines)]);
  // A last line without its newline is framed too; nothing but newlines makes no frame.
  assert.deepEqual(serverPayloads(frameLines(encoder.encode("a\nb"), false).bytes), ["a", "b"]);
  assert.equal(frameLines(encoder.encode("\n\n"), false).bytes.length, 0);
  // The very same bytes (a broadcast to many) are framed once.
  assert.equal(frameLines(lines, true), frameLines(lines, true));
  assert.notEqual(frameLines(lines.slice(), true), frameLines(lines, true));
});

Deno.test("frameLines() cuts a batch past its largest frame only between lines", () => {
  const line = "y".repeat(300_000) + "\n";
  const long = "z".repeat(MAX_BATCH_FRAME_BYTES + 10) + "\n";
  const lines = encoder.encode(line.repeat(5) + long + line);
  const payloads = serverPayloads(frameLines(lines, true).bytes);
  assert.deepEqual(payloads, [line.repeat(3), line.repeat(2), long, line]);
  assert.ok(payloads.every((payload) => payload.endsWith("\n")));
});

Deno.test("linesWritten() says how much of the lines the frames written so far carry", () => {
  const lines = encoder.encode("ab\ncd\n");
  const framed = frameLines(lines, false);
  // [0x81 2 a b] [0x81 2 c d]: the newline of a line counts once its frame is written.
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7, 8].map((written) => linesWritten(framed, written)),
    [0, 0, 0, 1, 3, 3, 3, 4, 6],
  );
  const batch = frameLines(lines, true);
  assert.deepEqual(
    [0, 2, 3, 7, 8].map((written) => linesWritten(batch, written)),
    [0, 0, 1, 5, 6],
  );
});

Deno.test("closeFrame() carries its code and a reason cut to fit, never inside a character", () => {
  const frame = closeFrame(CLOSE_CODE.tooBig, "é".repeat(100));
  assert.equal(frame[0], 0x88);
  assert.ok(frame[1] <= 125);
  assert.equal((frame[2] << 8) | frame[3], 1009);
  const fatal = new TextDecoder("utf-8", { fatal: true });
  assert.equal(fatal.decode(frame.subarray(4)), "é".repeat(61));
});

Deno.test("FrameDecoder agrees with itself however a seeded stream of frames is cut", () => {
  const next = seededRandom(11);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 200; i++) {
    const text = "m".repeat(Math.floor(next() * 200)) + (next() < 0.3 ? "é" : "");
    if (next() < 0.3) {
      const half = Math.floor(text.length / 2);
      frames.push(clientFrame(OPCODE.text, text.slice(0, half), { fin: false }));
      if (next() < 0.5) frames.push(clientFrame(OPCODE.ping, "p"));
      frames.push(clientFrame(OPCODE.continuation, text.slice(half)));
    } else frames.push(clientFrame(OPCODE.text, text));
  }
  const stream = join(...frames);
  const whole = decode(stream, 1000);
  for (const cut of [1, 13, 127, 4096]) assert.deepEqual(decode(stream, 1000, cut), whole);
});
