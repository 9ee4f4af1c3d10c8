/**
 * A seeded fuzzer for the frame reader and the decoders of both wires (JSON Lines and
 * CHAT/1.0). Every input is random bytes, a mutated valid frame, or valid frames mixed with
 * noise, fed whole and again cut at random points; any broken invariant throws with the seed
 * and input that reproduce it.
 *
 * Run a long campaign: `deno task fuzz` (or `deno run lib/tools/fuzz.ts --inputs N --seed S`).
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  CLIENT_MESSAGE_TYPES,
  type ClientMessage,
  decodeClientMessage,
  decodeServerMessage,
  encodeMessage,
  SERVER_MESSAGE_TYPES,
  type ServerMessage,
} from "../../protocol.ts";
import { type FrameEvent, FrameReader } from "../protocol/frame_reader.ts";
import { chat1Chat, parseChat1Reply } from "../protocol/chat1.ts";
import { CHAT1_WIRE } from "../wire/chat1.ts";
import { sniff } from "../wire/sniff.ts";

/** A small seeded pseudo-random generator (mulberry32) returning numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a fuzz run went through. */
export interface FuzzReport {
  /** Inputs run. */
  inputs: number;
  /** Frames the reader gave, each then decoded. */
  frames: number;
  /** Frames over the limit, reported instead of given. */
  oversize: number;
  /** Frames that decoded to a known message, as client and as server messages. */
  decoded: number;
  /** Frames refused by both decoders. */
  refused: number;
}

/** The frame limit the fuzzer uses: small, so the cap is crossed often. */
export const FUZZ_MAX_FRAME_BYTES = 512;

const encoder = new TextEncoder();

const VALID: (ClientMessage | ServerMessage)[] = [
  { type: "nickname", nickname: "Zoë", clientID: "001", timestamp: "2024-03-21T10:30:25Z" },
  { type: "message", nickname: "Zoë", message: 'a "quoted" } { [ ] \\ line 😀', timestamp: "x" },
  { type: "message", message: "" },
  { type: "disconnect", nickname: "Zoë", clientID: "001" },
  { type: "broadcast", nickname: "Bob", message: "日本語\u0000\u001b", timestamp: "t" },
  { type: "error", message: "Nickname already in use" },
  { type: "welcome" },
  { type: "shutdown", message: "bye" },
  { type: "private", to: "Bob", message: "psst" },
  { type: "join", room: "#lab" },
  { type: "list", users: ["Alice", "Bob"], rooms: [{ room: "#lab", members: ["Bob"] }] },
  { type: "joined", nickname: "Bob", room: "#lab", members: ["Alice", "Bob"] },
];
const VALID_FRAMES = VALID.map((message) => encodeMessage(message).subarray(0, -1));
const KNOWN_TYPES = new Set<string>([...CLIENT_MESSAGE_TYPES, ...SERVER_MESSAGE_TYPES]);
const RECOVERY_FRAME = encoder.encode('{"type":"disconnect"}');
const INTERESTING = encoder.encode('{}[]"\\\n\r :,0123456789abcdefnrtu\u00ff');

/** One generated input: its bytes, and the frames it must give when they are known. */
interface Input {
  bytes: Uint8Array;
  expected?: Uint8Array[];
}

/**
 * Makes seeded inputs from `valid` frames: random bytes, a mutated valid frame, or valid frames
 * ended by a newline (or, where `glued`, by nothing), with a frame over the limit now and then.
 */
function inputs(next: () => number, valid: Uint8Array[], glued: boolean): () => Input {
  const int = (below: number) => Math.floor(next() * below);
  const randomBytes = (length: number) =>
    new Uint8Array(length).map(() =>
      next() < 0.5 ? INTERESTING[int(INTERESTING.length)] : int(256)
    );
  const mutate = (frame: Uint8Array) => {
    const bytes = [...frame];
    for (let edits = 1 + int(4); edits > 0; edits--) {
      const at = int(bytes.length + 1);
      const choice = int(3);
      if (choice === 0) bytes.splice(at, 1);
      else if (choice === 1) bytes.splice(at, 0, ...randomBytes(1 + int(3)));
      else bytes[at] = INTERESTING[int(INTERESTING.length)];
    }
    return new Uint8Array(bytes);
  };
  return () => {
    const kind = int(3);
    if (kind === 0) return { bytes: randomBytes(int(700)) };
    if (kind === 1) return { bytes: mutate(valid[int(valid.length)]) };
    let expected: Uint8Array[] | undefined = Array.from(
      { length: 1 + int(5) },
      () => valid[int(valid.length)],
    );
    const parts = expected.map((frame) => glued && next() < 0.5 ? [...frame] : [...frame, 0x0a]);
    if (next() < 0.2) {
      parts.push([...encodeMessage({ type: "message", message: "L".repeat(600) })]);
      expected = undefined; // The long one is reported instead of a frame.
    }
    return { bytes: new Uint8Array(parts.flat()), expected };
  };
}

/**
 * Feeds `bytes` to a new reader whole and again cut at random points; throws (through `fail`)
 * unless both give the same events. Returns the events and the reader that took the cuts.
 */
function frameBothWays(
  makeReader: () => FrameReader,
  bytes: Uint8Array,
  int: (below: number) => number,
  fail: (what: string) => never,
): { events: Event[]; reader: FrameReader } {
  const events = feed(makeReader(), [bytes]);
  const cuts: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = 1 + int(64);
    cuts.push(bytes.slice(at, at + size));
    at += size;
  }
  const reader = makeReader();
  if (!sameEvents(events, feed(reader, cuts))) fail("chunk boundaries changed the events");
  for (const frame of events) {
    if (frame !== null && frame.length > FUZZ_MAX_FRAME_BYTES) fail("a frame is over the limit");
  }
  return { events, reader };
}

/** A function that throws a broken invariant with what reproduces it. */
function failer(wire: string, seed: number, input: number, bytes: Uint8Array) {
  return (what: string): never => {
    throw new Error(
      `Fuzz (${wire}) seed ${seed}, input ${input}: ${what}\n` +
        `input bytes: ${JSON.stringify([...bytes])}`,
    );
  };
}

/** Runs `count` seeded random inputs through the JSON wire; throws on a broken invariant. */
export function fuzzProtocol(seed: number, count: number): FuzzReport {
  const next = seededRandom(seed);
  const int = (below: number) => Math.floor(next() * below);
  const report: FuzzReport = { inputs: 0, frames: 0, oversize: 0, decoded: 0, refused: 0 };
  const generate = inputs(next, VALID_FRAMES, true);
  for (let input = 0; input < count; input++) {
    const { bytes, expected } = generate();
    const fail = failer("JSON", seed, input, bytes);
    const makeReader = () => new FrameReader(FUZZ_MAX_FRAME_BYTES);
    const { events: whole, reader } = frameBothWays(makeReader, bytes, int, fail);
    for (const frame of whole) {
      if (frame === null) {
        report.oversize++;
        continue;
      }
      report.frames++;
      const asClient = decodeClientMessage(frame);
      const asServer = decodeServerMessage(frame);
      for (const decoded of [asClient, asServer]) {
        if (decoded.kind === "message") {
          const fields = Object.entries(decoded.message);
          if (!KNOWN_TYPES.has(decoded.message.type)) fail("decoded an unknown type");
          if (!fields.every(([, value]) => isField(value))) fail("a field is malformed");
        } else if (typeof decoded.error !== "string" || decoded.error === "") {
          fail("a refusal without a reason");
        }
      }
      if (asClient.kind === "message" || asServer.kind === "message") report.decoded++;
      else report.refused++;
    }
    if (expected !== undefined && !sameEvents(whole, expected)) {
      fail("valid frames did not come out intact");
    }
    // Whatever came before, a newline brings the reader back to the next frame.
    const recovered = feed(reader, [encoder.encode('\n{"type":"disconnect"}\n')]);
    if (!sameBytes(recovered.at(-1) ?? null, RECOVERY_FRAME)) {
      fail("the reader did not recover at a newline");
    }
    report.inputs++;
  }
  return report;
}

const CHAT1_VALID = [
  "REGISTER carol CHAT/1.0",
  "DISCONNECT carol CHAT/1.0",
  "DISCONNECT CHAT/1.0",
  "@carol: a line with ünïcode 😀 and a : colon",
  "@a:b: odd name",
  "no prefix at all",
  "200 Registration successful",
  "401 Client already registered",
  "  leading spaces\r",
].map((text) => encoder.encode(text));

/** Runs `count` seeded random inputs through the CHAT/1.0 wire; throws on a broken invariant. */
export function fuzzChat1(seed: number, count: number): FuzzReport {
  const next = seededRandom(seed);
  const int = (below: number) => Math.floor(next() * below);
  const report: FuzzReport = { inputs: 0, frames: 0, oversize: 0, decoded: 0, refused: 0 };
  const generate = inputs(next, CHAT1_VALID, false);
  const decoder = new TextDecoder();
  for (let input = 0; input < count; input++) {
    const { bytes, expected } = generate();
    const fail = failer("CHAT/1.0", seed, input, bytes);
    const sniffed = sniff(bytes.subarray(0, 16));
    if (decoder.decode(bytes.subarray(0, 9)) === "REGISTER " && sniffed !== "chat1") {
      fail("a REGISTER line was not taken for CHAT/1.0");
    }
    const makeReader = () => CHAT1_WIRE.reader(FUZZ_MAX_FRAME_BYTES);
    const { events: whole, reader } = frameBothWays(makeReader, bytes, int, fail);
    for (const frame of whole) {
      if (frame === null) {
        report.oversize++;
        continue;
      }
      report.frames++;
      if (frame.length === 0 || frame.includes(0x0a)) fail("a frame is not one non-empty line");
      parseChat1Reply(decoder.decode(frame));
      for (const registered of [false, true]) {
        const command = CHAT1_WIRE.decode(frame, registered);
        if (command === undefined) continue;
        if (command.kind === "invalid") {
          if (command.error === "") fail("a refusal without a reason");
          report.refused++;
          continue;
        }
        report.decoded++;
        if (!["register", "say", "disconnect"].includes(command.kind)) fail("an unknown command");
        if (
          command.kind === "say" && /[\r\n]/.test(chat1Chat("carol", command.text).slice(0, -1))
        ) {
          fail("a relayed line would break in two");
        }
      }
    }
    const intact = expected?.map((frame) => frame.at(-1) === 0x0d ? frame.subarray(0, -1) : frame);
    if (intact !== undefined && !sameEvents(whole, intact)) {
      fail("valid lines did not come out intact");
    }
    const recovered = feed(reader, [encoder.encode("\nREGISTER x CHAT/1.0\n")]);
    if (decoder.decode(recovered.at(-1) ?? new Uint8Array()) !== "REGISTER x CHAT/1.0") {
      fail("the reader did not recover at a newline");
    }
    report.inputs++;
  }
  return report;
}

/** Whether a decoded field holds what fields may: text, texts, or rooms with members. */
function isField(value: unknown): boolean {
  const isTexts = (list: unknown) =>
    Array.isArray(list) && list.every((item) => typeof item === "string");
  return typeof value === "string" || isTexts(value) ||
    (Array.isArray(value) &&
      value.every((room) =>
        typeof room?.room === "string" && isTexts(room.members) && Object.keys(room).length === 2
      ));
}

/** A frame's bytes (copied out), or null for a frame over the limit. */
type Event = Uint8Array | null;

/** Feeds `chunks` to `reader` and returns its events, with frames copied out. */
function feed(reader: FrameReader, chunks: Uint8Array[]): Event[] {
  const events: Event[] = [];
  for (const chunk of chunks) {
    let out: FrameEvent[];
    try {
      out = reader.push(chunk);
    } catch (error) {
      throw new Error(`FrameReader.push() threw: ${(error as Error).message}`);
    }
    for (const event of out) events.push(event.kind === "frame" ? event.bytes.slice() : null);
  }
  return events;
}

function sameEvents(a: Event[], b: Event[]): boolean {
  return a.length === b.length && a.every((event, i) => sameBytes(event, b[i]));
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { inputs: { type: "string", default: "1000000" }, seed: { type: "string" } },
  });
  const inputs = Number(values.inputs);
  const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
  const started = performance.now();
  const json = fuzzProtocol(seed, inputs);
  const chat1 = fuzzChat1(seed, inputs);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`seed ${seed}: JSON ${JSON.stringify(json)}, CHAT/1.0 ${JSON.stringify(chat1)}`);
  console.log(`in ${seconds} s`);
}
