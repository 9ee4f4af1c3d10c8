/**
 * WebSocket frames (RFC 6455, section 5) on the server's side: the client's frames read as they
 * arrive, in pieces of any size, and the server's text frames built for a batch of lines.
 *
 * Reading checks what the RFC asks of a client's frames: masked, no reserved bits, known opcodes,
 * control frames short and whole, continuations only within a fragmented message, text that is
 * UTF-8, and a message no longer than the server takes. What breaks a rule fails the connection
 * with the close code the RFC names (1002, 1007, 1009).
 *
 * Writing makes one buffer of frames for everything written at once, so that the whole batch goes
 * out in one write: a text frame per line, or, for a client that reads batches (`chat-lines`),
 * the lines themselves in one frame, cut only between lines past `MAX_BATCH_FRAME_BYTES`.
 *
 * @module
 */

import { Utf8Stream } from "../common/utf8.ts";

/** Opcodes (RFC 6455, section 5.2). */
export const OPCODE = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** Close codes the server sends (RFC 6455, section 7.4.1). */
export const CLOSE_CODE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  invalidData: 1007,
  tooBig: 1009,
  serverError: 1011,
} as const;

/** Largest payload of a batch frame before the lines are cut into several frames. */
export const MAX_BATCH_FRAME_BYTES = 1024 * 1024;

/** Longest payload of a control frame. */
const MAX_CONTROL_BYTES = 125;
const NEWLINE = 0x0a;

/** What a reader of the client's frames is told, in the order the frames say it. */
export interface FrameSink {
  /** The next piece of a message's payload, unmasked (a view of the bytes pushed: use it now). */
  data(bytes: Uint8Array): void;
  /** The message whose pieces came before has ended (its text checked as UTF-8). */
  end(): void;
  /** A ping with its payload (a copy). */
  ping(payload: Uint8Array): void;
  /** The client closes: its code (undefined when it gave none) and reason. */
  close(code: number | undefined, reason: string): void;
  /** The client broke a rule: the connection fails with `code` (1002, 1007 or 1009). */
  fail(code: number, why: string): void;
}

/** The states of the reader, within a frame. */
const enum Stage {
  Head,
  Payload,
  Stopped,
}

/**
 * Reads a client's frames from bytes pushed in pieces of any size, unmasking payloads in place,
 * and tells a `FrameSink` what they say. Stops for good at a close frame or the first broken rule.
 */
export class FrameDecoder {
  readonly #sink: FrameSink;
  readonly #maxMessageBytes: number;
  /** The frame's head as it arrives: 2 to 14 bytes. */
  readonly #head = new Uint8Array(14);
  #headBytes = 0;
  #stage = Stage.Head;
  #opcode = 0;
  #fin = false;
  readonly #mask = new Uint8Array(4);
  #maskAt = 0;
  #remaining = 0;
  /** A control frame's payload, gathered whole. */
  #control: Uint8Array | undefined;
  #controlBytes = 0;
  /** The opcode of the message under way (text or binary), or 0 between messages. */
  #message = 0;
  #messageBytes = 0;
  readonly #utf8 = new Utf8Stream();

  /** Tells `sink` what arrives; messages longer than `maxMessageBytes` fail with 1009. */
  constructor(sink: FrameSink, maxMessageBytes: number) {
    this.#sink = sink;
    this.#maxMessageBytes = maxMessageBytes;
  }

  /** Whether the reader has stopped: after a close frame, or at a broken rule. */
  get stopped(): boolean {
    return this.#stage === Stage.Stopped;
  }

  /** Reads `bytes`, the next piece of the stream (unmasked in place). */
  push(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length && this.#stage !== Stage.Stopped) {
      if (this.#stage === Stage.Head) at = this.#readHead(bytes, at);
      else at = this.#readPayload(bytes, at);
    }
  }

  /** Takes head bytes from `bytes` at `at`; returns where it stopped. */
  #readHead(bytes: Uint8Array, at: number): number {
    const head = this.#head;
    while (at < bytes.length) {
      head[this.#headBytes++] = bytes[at++];
      const needed = this.#headLength();
      if (needed === undefined || this.#headBytes < needed) continue;
      this.#startFrame(needed);
      return at;
    }
    return at;
  }

  /** The length of the head being read, once its first two bytes tell (undefined before). */
  #headLength(): number | undefined {
    if (this.#headBytes < 2) return undefined;
    const length = this.#head[1] & 0x7f;
    const extra = length === 126 ? 2 : length === 127 ? 8 : 0;
    // Every client frame is masked: its key follows the length (checked in #startFrame).
    return 2 + extra + ((this.#head[1] & 0x80) !== 0 ? 4 : 0);
  }

  /** Checks the head just read and gets ready for its payload. */
  #startFrame(headLength: number): void {
    const head = this.#head;
    this.#headBytes = 0;
    const fin = (head[0] & 0x80) !== 0;
    const opcode = head[0] & 0x0f;
    if ((head[0] & 0x70) !== 0) return this.#fail(CLOSE_CODE.protocolError, "Reserved bits set");
    if ((head[1] & 0x80) === 0) {
      return this.#fail(CLOSE_CODE.protocolError, "A client's frame must be masked");
    }
    let length = head[1] & 0x7f;
    if (length === 126) length = (head[2] << 8) | head[3];
    else if (length === 127) {
      const high = ((head[2] << 24) | (head[3] << 16) | (head[4] << 8) | head[5]) >>> 0;
      const low = ((head[6] << 24) | (head[7] << 16) | (head[8] << 8) | head[9]) >>> 0;
      // Anything past 2^53 is far past any message the server takes.
      length = high >= 0x200000 ? Number.MAX_SAFE_INTEGER : high * 2 ** 32 + low;
    }
    this.#mask.set(head.subarray(headLength - 4, headLength));
    this.#maskAt = 0;
    this.#remaining = length;
    this.#fin = fin;
    this.#opcode = opcode;
    if (opcode >= 0x8) {
      if (opcode > OPCODE.pong) return this.#fail(CLOSE_CODE.protocolError, `Opcode ${opcode}`);
      if (!fin || length > MAX_CONTROL_BYTES) {
        return this.#fail(CLOSE_CODE.protocolError, "A control frame must be whole and short");
      }
      this.#control = new Uint8Array(length);
      this.#controlBytes = 0;
    } else if (opcode === OPCODE.continuation) {
      if (this.#message === 0) {
        return this.#fail(CLOSE_CODE.protocolError, "A continuation with no message under way");
      }
    } else if (opcode === OPCODE.text || opcode === OPCODE.binary) {
      if (this.#message !== 0) {
        return this.#fail(CLOSE_CODE.protocolError, "A new message before the last one ended");
      }
      this.#message = opcode;
      this.#messageBytes = 0;
    } else return this.#fail(CLOSE_CODE.protocolError, `Opcode ${opcode}`);
    if (opcode < 0x8) {
      this.#messageBytes += length;
      if (this.#messageBytes > this.#maxMessageBytes) {
        return this.#fail(
          CLOSE_CODE.tooBig,
          `Message too long: the limit is ${this.#maxMessageBytes} bytes`,
        );
      }
    }
    this.#stage = Stage.Payload;
    if (length === 0) this.#endFrame();
  }

  /** Takes payload bytes from `bytes` at `at`, unmasked; returns where it stopped. */
  #readPayload(bytes: Uint8Array, at: number): number {
    const n = Math.min(this.#remaining, bytes.length - at);
    const piece = bytes.subarray(at, at + n);
    const mask = this.#mask;
    let m = this.#maskAt;
    for (let i = 0; i < n; i++) {
      piece[i] ^= mask[m];
      m = (m + 1) & 3;
    }
    this.#maskAt = m;
    this.#remaining -= n;
    if (this.#opcode >= 0x8) {
      this.#control!.set(piece, this.#controlBytes);
      this.#controlBytes += n;
    } else if (n > 0) {
      if (this.#message === OPCODE.text && !this.#utf8.push(piece)) {
        this.#fail(CLOSE_CODE.invalidData, "Text that is not UTF-8");
        return at + n;
      }
      this.#sink.data(piece);
    }
    if (this.#remaining === 0) this.#endFrame();
    return at + n;
  }

  /** A frame's payload is all read: a control frame acted on, or a message ended. */
  #endFrame(): void {
    this.#stage = Stage.Head;
    const opcode = this.#opcode;
    if (opcode >= 0x8) {
      const payload = this.#control!;
      this.#control = undefined;
      if (opcode === OPCODE.ping) this.#sink.ping(payload);
      else if (opcode === OPCODE.close) this.#closeFrame(payload);
      return;
    }
    if (!this.#fin) return;
    const text = this.#message === OPCODE.text;
    this.#message = 0;
    if (text && !this.#utf8.end()) {
      return this.#fail(CLOSE_CODE.invalidData, "Text that is not UTF-8");
    }
    this.#sink.end();
  }

  /** The client's close frame: its code and reason checked, then told. */
  #closeFrame(payload: Uint8Array): void {
    // Nothing after a close frame counts.
    this.#stage = Stage.Stopped;
    if (payload.length === 0) return this.#sink.close(undefined, "");
    if (payload.length === 1) return this.#fail(CLOSE_CODE.protocolError, "A close code cut short");
    const code = (payload[0] << 8) | payload[1];
    if (!isValidCloseCode(code)) {
      return this.#fail(CLOSE_CODE.protocolError, `Close code ${code}`);
    }
    const reason = payload.subarray(2);
    const check = new Utf8Stream();
    if (!check.push(reason) || !check.end()) {
      return this.#fail(CLOSE_CODE.invalidData, "A close reason that is not UTF-8");
    }
    this.#sink.close(code, new TextDecoder().decode(reason));
  }

  #fail(code: number, why: string): void {
    this.#stage = Stage.Stopped;
    this.#sink.fail(code, why);
  }
}

/** Whether a client may send `code` in a close frame (RFC 6455, section 7.4). */
export function isValidCloseCode(code: number): boolean {
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

/** The head of a server frame (unmasked, final) of `opcode` with `length` bytes of payload. */
export function frameHead(opcode: number, length: number): Uint8Array {
  if (length < 126) return Uint8Array.of(0x80 | opcode, length);
  if (length < 0x10000) return Uint8Array.of(0x80 | opcode, 126, length >> 8, length & 0xff);
  const head = new Uint8Array(10);
  head[0] = 0x80 | opcode;
  head[1] = 127;
  new DataView(head.buffer).setBigUint64(2, BigInt(length));
  return head;
}

/** A server frame (unmasked, final) of `opcode` carrying `payload`. */
export function serverFrame(opcode: number, payload: Uint8Array = new Uint8Array()): Uint8Array {
  const head = frameHead(opcode, payload.length);
  const frame = new Uint8Array(head.length + payload.length);
  frame.set(head);
  frame.set(payload, head.length);
  return frame;
}

/** A close frame with `code` and `reason` (cut to fit a control frame). */
export function closeFrame(code: number, reason = ""): Uint8Array {
  const text = new TextEncoder().encode(reason);
  let cut = Math.min(text.length, MAX_CONTROL_BYTES - 2);
  // Not in the middle of a character.
  while (cut < text.length && cut > 0 && (text[cut] & 0xc0) === 0x80) cut--;
  const payload = new Uint8Array(2 + cut);
  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  payload.set(text.subarray(0, cut), 2);
  return serverFrame(OPCODE.close, payload);
}

/**
 * The text frames of one batch of lines, in one buffer, and how far into the lines each part of
 * the buffer reaches (so that a write cut short can say how much of the lines it wrote).
 */
export interface FramedLines {
  /** Every frame, one after the other. */
  bytes: Uint8Array;
  /**
   * Four numbers per frame: where its payload starts in `bytes`, where the frame ends, and the
   * offsets in the lines where its payload starts and where the lines it carries end (newlines
   * and empty lines included).
   */
  marks: number[];
}

/** The last framing of each kind, reused when the very same bytes are framed again. */
const lastFramed: [FramedLines & { of?: Uint8Array }, FramedLines & { of?: Uint8Array }] = [
  { bytes: new Uint8Array(), marks: [] },
  { bytes: new Uint8Array(), marks: [] },
];

/**
 * The text frames for `lines` (JSON lines, each ending with a newline): one frame per line, its
 * newline left out (empty lines are skipped); or, when `batched`, the lines as they are, in one
 * frame, or in several cut after a newline when over `MAX_BATCH_FRAME_BYTES`. A last line without
 * its newline is framed all the same. The bytes given to many connections at once (a broadcast)
 * are framed once: the result for the last bytes framed is kept, and `lines` must not change
 * once framed.
 */
export function frameLines(lines: Uint8Array, batched: boolean): FramedLines {
  const last = lastFramed[batched ? 1 : 0];
  if (last.of === lines) return last;
  const spans = batched ? batchSpans(lines) : lineSpans(lines);
  let total = 0;
  for (let i = 0; i < spans.length; i += 3) {
    const length = spans[i + 1] - spans[i];
    total += headLength(length) + length;
  }
  const bytes = new Uint8Array(total);
  const marks: number[] = [];
  let at = 0;
  for (let i = 0; i < spans.length; i += 3) {
    const start = spans[i], end = spans[i + 1];
    const head = frameHead(OPCODE.text, end - start);
    bytes.set(head, at);
    bytes.set(lines.subarray(start, end), at + head.length);
    marks.push(at + head.length, at + head.length + end - start, start, spans[i + 2]);
    at += head.length + end - start;
  }
  const framed = { bytes, marks, of: lines };
  lastFramed[batched ? 1 : 0] = framed;
  return framed;
}

/** How many bytes of `bytes`' lines the first `written` bytes of their frames carry. */
export function linesWritten(framed: FramedLines, written: number): number {
  const { marks } = framed;
  let carried = 0;
  for (let i = 0; i < marks.length; i += 4) {
    if (written >= marks[i + 1]) {
      carried = marks[i + 3];
      continue;
    }
    return written > marks[i] ? marks[i + 2] + (written - marks[i]) : carried;
  }
  return carried;
}

/** The length of a server frame's head for `length` bytes of payload. */
function headLength(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10;
}

/**
 * Three numbers per line of `lines` that is not empty: where it starts, where it ends (before its
 * newline), and where the next line starts.
 */
function lineSpans(lines: Uint8Array): number[] {
  const spans: number[] = [];
  let start = 0;
  while (start < lines.length) {
    const newline = lines.indexOf(NEWLINE, start);
    const end = newline < 0 ? lines.length : newline;
    const next = newline < 0 ? lines.length : newline + 1;
    if (end > start) spans.push(start, end, next);
    else if (spans.length > 0) spans[spans.length - 1] = next;
    start = next;
  }
  return spans;
}

/**
 * Three numbers per batch frame of `lines`: its start, its end and (the same) where the next
 * starts; cut after a newline once past `MAX_BATCH_FRAME_BYTES`.
 */
function batchSpans(lines: Uint8Array): number[] {
  const spans: number[] = [];
  let start = 0;
  while (start < lines.length) {
    let end = lines.length;
    if (end - start > MAX_BATCH_FRAME_BYTES) {
      const cut = lines.lastIndexOf(NEWLINE, start + MAX_BATCH_FRAME_BYTES - 1);
      // One line longer than a frame goes whole in a frame of its own.
      end = cut >= start ? cut + 1 : lines.indexOf(NEWLINE, start) + 1 || lines.length;
    }
    spans.push(start, end, end);
    start = end;
  }
  return spans;
}
