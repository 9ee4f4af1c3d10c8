import assert from "node:assert/strict";
import { seededRandom } from "../tools/fuzz.ts";
import { codePointLength, isWellFormedUtf8, utf8ByteLength, Utf8Stream } from "./utf8.ts";

const encoder = new TextEncoder();
const bytes = (text: string) => encoder.encode(text);

Deno.test("utf8ByteLength() matches TextEncoder on every kind of character", () => {
  const samples = [
    "",
    "abc",
    "héllo wörld",
    "日本語",
    "😀 emoji",
    "\ud800 lone",
    "end \udc00",
    "a\u0000b",
  ];
  const next = seededRandom(1);
  for (let i = 0; i < 200; i++) {
    const units = Array.from({ length: 20 }, () => Math.floor(next() * 0x10000));
    samples.push(String.fromCharCode(...units));
  }
  for (const text of samples) assert.equal(utf8ByteLength(text), encoder.encode(text).length);
});

Deno.test("isWellFormedUtf8() agrees with a fatal TextDecoder on every kind of input (seeded)", () => {
  const fatal = new TextDecoder("utf-8", { fatal: true });
  const wellFormed = (input: Uint8Array) => {
    try {
      fatal.decode(input);
      return true;
    } catch {
      return false;
    }
  };
  const edges = [
    [],
    [0x7f],
    [0xc2, 0x80],
    [0xc1, 0xbf],
    [0xe0, 0xa0, 0x80],
    [0xe0, 0x9f, 0xbf],
    [0xed, 0x9f, 0xbf],
    [0xed, 0xa0, 0x80],
    [0xef, 0xbf, 0xbf],
    [0xf0, 0x90, 0x80, 0x80],
    [0xf0, 0x8f, 0xbf, 0xbf],
    [0xf4, 0x8f, 0xbf, 0xbf],
    [0xf4, 0x90, 0x80, 0x80],
    [0xf5, 0x80],
    [0x80],
    [0xc2],
    [0xe2, 0x82],
    [0xf0, 0x9f, 0x98],
    [0xff],
    [0xc2, 0x41],
  ].map((b) => new Uint8Array(b));
  for (const input of edges) {
    assert.equal(isWellFormedUtf8(input), wellFormed(input), `bytes ${[...input]}`);
  }
  const next = seededRandom(3);
  const pool = [
    0x00,
    0x41,
    0x7f,
    0x80,
    0x8f,
    0x90,
    0x9f,
    0xa0,
    0xbf,
    0xc0,
    0xc2,
    0xdf,
    0xe0,
    0xed,
    0xef,
    0xf0,
    0xf4,
    0xf5,
    0xff,
  ];
  for (let round = 0; round < 20_000; round++) {
    const input = new Uint8Array(Math.floor(next() * 8)).map(() =>
      next() < 0.8 ? pool[Math.floor(next() * pool.length)] : Math.floor(next() * 256)
    );
    assert.equal(isWellFormedUtf8(input), wellFormed(input), `bytes ${[...input]}`);
  }
  assert.equal(isWellFormedUtf8(bytes("héllo 😀 日本")), true);
});

Deno.test("codePointLength() counts code points, not UTF-16 units", () => {
  assert.equal(codePointLength("héllo 😀"), 7);
  assert.equal(codePointLength(""), 0);
  assert.equal(codePointLength("日本"), 2);
});

Deno.test("Utf8Stream agrees with isWellFormedUtf8() however the bytes are cut into pieces (seeded)", () => {
  const next = seededRandom(7);
  const pool = [0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xf0, 0xf4, 0xf5];
  const stream = new Utf8Stream();
  for (let round = 0; round < 20_000; round++) {
    const input = new Uint8Array(Math.floor(next() * 10)).map(() =>
      next() < 0.8 ? pool[Math.floor(next() * pool.length)] : Math.floor(next() * 256)
    );
    let ok = true;
    for (let at = 0; at < input.length && ok;) {
      const to = Math.min(input.length, at + 1 + Math.floor(next() * 4));
      ok = stream.push(input.subarray(at, to));
      at = to;
    }
    // A failed check is dropped, as its connection is: the next text starts a new check.
    const complete = stream.end();
    assert.equal(ok && complete, isWellFormedUtf8(input), `bytes ${[...input]}`);
  }
  const smile = bytes("😀");
  assert.equal(stream.push(smile.subarray(0, 2)), true, "a character cut in two is fine so far");
  assert.equal(stream.end(), false, "but not as the end of the text");
});
