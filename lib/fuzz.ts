/**
 * A seeded fuzzer for the frame reader and the message decoders. Every input is random bytes, a
 * mutated valid frame, or valid frames mixed with noise, fed whole and again cut at random
 * points; any broken invariant throws with the seed and input that reproduce it.
 *
 * Run a long campaign: `deno task fuzz` (or `deno run lib/fuzz.ts --inputs N --seed S`).
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
  type FrameEvent,
  FrameReader,
  SERVER_MESSAGE_TYPES,
  type ServerMessage,
} from "../protocol.ts";

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
  inputs: number;
  frames: number;
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

/** Runs `inputs` seeded random inputs; throws on the first broken invariant. */
export function fuzzProtocol(seed: number, inputs: number): FuzzReport {
  const next = seededRandom(seed);
  const int = (below: number) => Math.floor(next() * below);
  const report: FuzzReport = { inputs: 0, frames: 0, oversize: 0, decoded: 0, refused: 0 };

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

  for (let input = 0; input < inputs; input++) {
    const kind = int(3);
    let bytes: Uint8Array;
    let expected: Uint8Array[] | undefined;
    if (kind === 0) {
      bytes = randomBytes(int(700));
    } else if (kind === 1) {
      bytes = mutate(VALID_FRAMES[int(VALID_FRAMES.length)]);
    } else {
      // Valid frames, each ended by a newline or by nothing, with a long one now and then.
      expected = Array.from({ length: 1 + int(5) }, () => VALID_FRAMES[int(VALID_FRAMES.length)]);
      const parts = expected.map((frame) => next() < 0.5 ? [...frame, 0x0a] : [...frame]);
      if (next() < 0.2) {
        const long = encodeMessage({ type: "message", message: "L".repeat(600) });
        parts.push([...long]);
        expected = undefined; // The long one is reported instead of a frame.
      }
      bytes = new Uint8Array(parts.flat());
    }
    const fail = (what: string): never => {
      throw new Error(
        `Fuzz seed ${seed}, input ${input}: ${what}\ninput bytes: ${JSON.stringify([...bytes])}`,
      );
    };

    const whole = feed(new FrameReader(FUZZ_MAX_FRAME_BYTES), [bytes]);
    const cuts: Uint8Array[] = [];
    for (let at = 0; at < bytes.length;) {
      const size = 1 + int(64);
      cuts.push(bytes.slice(at, at + size));
      at += size;
    }
    const reader = new FrameReader(FUZZ_MAX_FRAME_BYTES);
    const split = feed(reader, cuts);
    if (!sameEvents(whole, split)) fail("chunk boundaries changed the events");

    for (const frame of whole) {
      if (frame === null) {
        report.oversize++;
        continue;
      }
      report.frames++;
      if (frame.length > FUZZ_MAX_FRAME_BYTES) fail("a frame is over the limit");
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
  const report = fuzzProtocol(seed, inputs);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`seed ${seed}: ${JSON.stringify(report)} in ${seconds} s`);
}
