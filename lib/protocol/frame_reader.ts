/**
 * Cutting a connection's byte stream into frames, for every wire: JSON objects (ended by a
 * newline or by nothing), or lines. Byte-capped, and the same however the stream is cut.
 *
 * @module
 */

import { MAX_FRAME_BYTES } from "../../protocol.ts";
import { concat } from "../common/bytes.ts";

/** One event of the frame reader: a complete frame, or a frame over the limit. */
export type FrameEvent =
  | { kind: "frame"; bytes: Uint8Array }
  | { kind: "oversize"; limit: number };

const enum Mode {
  /** Between frames: white space is skipped. */
  Idle,
  /** Inside a frame that began with "{": it ends where its braces balance, or at a newline. */
  Object,
  /** Inside a frame that began with anything else: it ends at a newline. */
  Line,
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** How a `FrameReader` cuts its stream. */
export interface FrameReaderOptions {
  /**
   * Every frame is one line (ended by `\n`, its `\r` dropped; blank lines skipped), as a line
   * protocol such as CHAT/1.0 needs; by default JSON objects may also simply follow one another.
   */
  lines?: boolean;
}

/**
 * Splits a byte stream into frames: JSON objects ended by a newline, or simply following one
 * another with nothing between them. A newline always ends a frame, so a broken frame never
 * swallows the next one; anything that does not start with `{` is a frame up to the newline
 * (and will fail to parse). A frame over `maxBytes` is reported as soon as it is seen and its
 * bytes are not kept; the reader still follows it to its end. It holds at most `maxBytes` plus
 * one chunk in memory, and gives the same events however the stream is cut into chunks.
 */
export class FrameReader {
  readonly #maxBytes: number;
  readonly #lines: boolean;
  #mode = Mode.Idle;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** Set once the current frame has been reported as over the limit. */
  #oversize = false;
  /** Copies of the current frame's bytes from earlier chunks. */
  #parts: Uint8Array[] = [];
  #partBytes = 0;

  /** Creates a reader that refuses frames longer than `maxBytes`. */
  constructor(maxBytes: number = MAX_FRAME_BYTES, options: FrameReaderOptions = {}) {
    this.#maxBytes = maxBytes;
    this.#lines = options.lines ?? false;
  }

  /**
   * Feeds the next chunk of the stream and returns the events it completes, in order.
   * A frame's bytes may be a view into `chunk`: use them before reusing `chunk`.
   */
  push(chunk: Uint8Array): FrameEvent[] {
    const events: FrameEvent[] = [];
    let start = 0;
    // Where the next quote, backslash and newline are (searched natively, each at most once
    // across the chunk), so that a long string (a file's base64) is skipped, not walked.
    let quoteAt = -1, backslashAt = -1, newlineAt = -1;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      switch (this.#mode) {
        case Mode.Idle:
          if (this.#lines ? byte === LF : isFrameSpace(byte)) continue;
          start = i;
          if (this.#lines) {
            this.#mode = Mode.Line;
          } else if (byte === OPEN_BRACE) {
            this.#mode = Mode.Object;
            this.#depth = 1;
          } else {
            this.#mode = Mode.Line;
          }
          break;
        case Mode.Line:
          if (byte === LF) this.#emit(events, chunk, start, i);
          break;
        case Mode.Object:
          if (byte === LF) {
            // A raw newline is never inside a valid frame: end this (broken) one here.
            this.#emit(events, chunk, start, i);
          } else if (this.#inString) {
            if (this.#escaped) this.#escaped = false;
            else if (byte === BACKSLASH) this.#escaped = true;
            else if (byte === QUOTE) this.#inString = false;
            else {
              quoteAt = nextAt(chunk, QUOTE, quoteAt, i);
              backslashAt = nextAt(chunk, BACKSLASH, backslashAt, i);
              newlineAt = nextAt(chunk, LF, newlineAt, i);
              i = Math.min(quoteAt, backslashAt, newlineAt) - 1;
            }
          } else if (byte === QUOTE) {
            this.#inString = true;
          } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
            this.#depth++;
          } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
            if (--this.#depth === 0) this.#emit(events, chunk, start, i + 1);
          }
          break;
      }
    }
    if (this.#mode !== Mode.Idle && !this.#oversize) {
      const rest = chunk.slice(start);
      this.#parts.push(rest);
      this.#partBytes += rest.length;
      if (this.#partBytes > this.#maxBytes) {
        // Report it now, keep none of it, and follow it to its end.
        events.push({ kind: "oversize", limit: this.#maxBytes });
        this.#oversize = true;
        this.#parts = [];
        this.#partBytes = 0;
      }
    }
    return events;
  }

  /** Whether the reader holds part of a frame that has not ended yet. */
  get pending(): boolean {
    return this.#mode !== Mode.Idle;
  }

  #emit(events: FrameEvent[], chunk: Uint8Array, start: number, end: number): void {
    const length = this.#partBytes + end - start;
    if (this.#oversize) {
      // Already reported.
    } else if (length > this.#maxBytes) {
      events.push({ kind: "oversize", limit: this.#maxBytes });
    } else {
      let bytes = chunk.subarray(start, end);
      if (this.#parts.length > 0) {
        this.#parts.push(bytes);
        bytes = concat(this.#parts, length);
      }
      // A line ended by CR LF: the CR is not part of the frame (it may be in an earlier chunk).
      if (this.#mode === Mode.Line && bytes.at(-1) === CR) bytes = bytes.subarray(0, -1);
      if (bytes.length > 0) events.push({ kind: "frame", bytes });
    }
    this.#mode = Mode.Idle;
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
    this.#oversize = false;
    this.#parts = [];
    this.#partBytes = 0;
  }
}

/**
 * Where the next `byte` is in `chunk` from `from` on (its length when there is none), reusing
 * `at` when it is still ahead: each byte value is searched for at most once across a chunk.
 */
function nextAt(chunk: Uint8Array, byte: number, at: number, from: number): number {
  if (at >= from) return at;
  const found = chunk.indexOf(byte, from);
  return found < 0 ? chunk.length : found;
}

/** Whether `byte` is white space between JSON frames. */
function isFrameSpace(byte: number): boolean {
  return byte === LF || byte === CR || byte === SPACE || byte === TAB;
}
