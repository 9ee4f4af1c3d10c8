/**
 * A WebSocket (RFC 6455) on the web port's own connection, as the server's connections see a TCP
 * stream: each message the client sends arrives as its bytes and a newline (one JSON message per
 * text message, as the page sends them), and what the server writes goes out as text frames.
 *
 * A client that offered the subprotocol `LINES_PROTOCOL` (`chat-lines`) gets everything written at
 * once in one text frame: the JSON messages each followed by a newline, as the outbox holds them
 * (cut into several frames, between messages, past `MAX_BATCH_FRAME_BYTES`). Any other client gets
 * one text frame per message. Either way the frames of one write go out in one write to the
 * socket, and a write waits on the socket as a TCP client's does: a page that stops reading fills
 * its outbox and meets its sendq and write timeout as a terminal client does. A write the socket
 * takes in part reports how much of the lines it carried, so the outbox's stall detection sees
 * its progress; the rest of the same lines must be written next (the outbox does so).
 *
 * Reading goes at the server's pace: the socket is read only when the connection's reader asks
 * for more, so a client that floods backs up into its own socket. Pings are answered, pongs
 * ignored, a close is answered and ends the stream; a broken rule fails the connection with its
 * close code (`websocket_frames.ts`).
 *
 * With a `keepalive`, a connection the server is reading from that has sent nothing for
 * `idleMs` is pinged; if still nothing arrives within `timeoutMs` (a pong, or anything), the
 * client is taken for gone (a page whose network dropped sends no close): the connection is
 * closed with code 1001 and its stream ends, as a closed one's does.
 *
 * @module
 */

import { concat } from "../common/bytes.ts";
import type { ByteConn } from "../net/conn.ts";
import {
  CLOSE_CODE,
  closeFrame,
  FrameDecoder,
  type FramedLines,
  frameLines,
  linesWritten,
  OPCODE,
  serverFrame,
} from "./websocket_frames.ts";

/** The subprotocol of a client that reads many JSON lines in one text frame. */
export const LINES_PROTOCOL = "chat-lines";

/** Bytes a quiet connection reads at a time (a pending read holds them). */
const IDLE_READ_BYTES = 512;
/** Bytes a busy connection (one that filled its buffer) reads at a time. */
const BUSY_READ_BYTES = 16 * 1024;
/** How long a close waits for the close frame under way to be written (ms). */
const CLOSE_FRAME_MS = 1000;

const NEWLINE = Uint8Array.of(0x0a);

/** How a WebSocket is served. */
export interface WebSocketConnOptions {
  /** Longest message taken from the client; past it the connection fails (1009). */
  maxMessageBytes: number;
  /** Whether the client reads batches (it offered `LINES_PROTOCOL`). */
  batched: boolean;
  /** What the client sent after its handshake, read before the socket. */
  leftover?: Uint8Array;
  /** When to ping a silent client, and how long to wait for it; none: never pinged. */
  keepalive?: Keepalive;
}

/** When a silent client is pinged, and how long it has to answer. */
export interface Keepalive {
  /** Silence (ms) after which the client is pinged. */
  idleMs: number;
  /** How long (ms) after the ping the client has to send anything before it is closed. */
  timeoutMs: number;
}

/** The frames of one write being written, and how far. */
interface Sending {
  framed: FramedLines;
  /** The lines' length. */
  lines: number;
  /** Bytes of the frames written. */
  written: number;
  /** Bytes of the lines reported written. */
  reported: number;
}

/** A server-side WebSocket on its own connection, as a byte stream of JSON lines. */
export class WebSocketConn implements ByteConn {
  /** The address of the client (the proxy's word for it, behind a trusted proxy). */
  readonly remoteAddr: Deno.NetAddr;
  /** Whether the client reads batches (`LINES_PROTOCOL`). */
  readonly batched: boolean;
  /** Resolves once the connection is closed. */
  readonly closed: Promise<void>;
  readonly #conn: Deno.Conn;
  readonly #decoder: FrameDecoder;
  /** What has been read and not yet taken: views of `#raw` (or the leftover), and newlines. */
  #pieces: Uint8Array[] = [];
  #raw = new Uint8Array(IDLE_READ_BYTES);
  #leftover: Uint8Array | undefined;
  /** Set once nothing more is read: the client closed, failed, or the socket ended. */
  #readEnded = false;
  #sending: Sending | undefined;
  /** Control frames waiting for the frames under way (the close). */
  #control: Uint8Array[] = [];
  /** The pong waiting to be sent: only the latest ping's is (RFC 6455, section 5.5.3). */
  #pendingPong: Uint8Array | undefined;
  #controlWrite: Promise<void> | undefined;
  #closeSent = false;
  #closed = false;
  #resolveClosed: () => void = () => {};
  readonly #keepalive: Keepalive | undefined;
  #keepaliveTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the socket last gave bytes (ms since the epoch). */
  #lastHeard = Date.now();
  /** When the keepalive's ping went out, unanswered so far; undefined when none is. */
  #pingedAt: number | undefined;
  /** Whether a read of the socket is under way (the server is waiting for the client). */
  #reading = false;

  /** Serves the WebSocket on `conn` (its 101 written), from the client at `remoteAddr`. */
  constructor(conn: Deno.Conn, remoteAddr: Deno.NetAddr, options: WebSocketConnOptions) {
    this.#conn = conn;
    this.remoteAddr = remoteAddr;
    this.batched = options.batched;
    this.#leftover = options.leftover?.length ? options.leftover : undefined;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
    this.#decoder = new FrameDecoder({
      data: (bytes) => this.#pieces.push(bytes),
      end: () => this.#pieces.push(NEWLINE),
      ping: (payload) => this.#pong(payload),
      close: (code) => this.#end(code ?? CLOSE_CODE.normal),
      fail: (code, why) => this.#end(code, why),
    }, options.maxMessageBytes);
    this.#keepalive = options.keepalive;
    if (this.#keepalive !== undefined) this.#armKeepalive(this.#keepalive.idleMs);
  }

  /** Reads the client's messages, as lines, into `buffer`; null once the stream has ended. */
  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#pieces.length === 0) {
      if (this.#readEnded) return null;
      await this.#fill();
    }
    let n = 0;
    while (n < buffer.length && this.#pieces.length > 0) {
      const piece = this.#pieces[0];
      const take = Math.min(piece.length, buffer.length - n);
      buffer.set(piece.subarray(0, take), n);
      n += take;
      if (take === piece.length) this.#pieces.shift();
      else this.#pieces[0] = piece.subarray(take);
    }
    return n;
  }

  /**
   * Writes `bytes` (JSON lines) as text frames, all in one buffer; resolves to how many of the
   * lines' bytes went out, which may be fewer (then the rest must be written next).
   */
  async write(bytes: Uint8Array): Promise<number> {
    if (this.#sending === undefined) {
      while (this.#controlWrite !== undefined) await this.#controlWrite;
      if (this.#closeSent || this.#closed) {
        throw new Deno.errors.BrokenPipe("The WebSocket is closed");
      }
      const framed = frameLines(bytes, this.batched);
      if (framed.bytes.length === 0) return bytes.length;
      this.#sending = { framed, lines: bytes.length, written: 0, reported: 0 };
    } else if (bytes.length !== this.#sending.lines - this.#sending.reported) {
      throw new Error(
        `A WebSocket write cut short must go on with the rest: ${bytes.length} bytes given, ` +
          `${this.#sending.lines - this.#sending.reported} expected`,
      );
    }
    const sending = this.#sending;
    const frames = sending.framed.bytes;
    try {
      while (true) {
        sending.written += await this.#conn.write(frames.subarray(sending.written));
        if (sending.written === frames.length) {
          this.#sending = undefined;
          this.#flushControl();
          return sending.lines - sending.reported;
        }
        const carried = linesWritten(sending.framed, sending.written);
        if (carried > sending.reported) {
          const n = carried - sending.reported;
          sending.reported = carried;
          return n;
        }
      }
    } catch (error) {
      this.#sending = undefined;
      throw error;
    }
  }

  /** Closes the WebSocket politely (code 1000); the client's answer ends the stream. */
  async closeWrite(): Promise<void> {
    this.#sendClose(CLOSE_CODE.normal);
    await this.#controlSettled();
  }

  /** Closes the connection: at once, or once the close frame under way is written (1 s at most). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#readEnded = true;
    clearTimeout(this.#keepaliveTimer);
    if (this.#controlWrite === undefined) this.#closeSocket();
    else this.#controlSettled().then(() => this.#closeSocket());
  }

  // -------------------------------------------------------------------------
  // Reading

  /** Reads the socket once (or the leftover) and decodes what came. */
  async #fill(): Promise<void> {
    let chunk = this.#leftover;
    this.#leftover = undefined;
    if (chunk === undefined) {
      let n: number | null;
      this.#reading = true;
      try {
        n = await this.#conn.read(this.#raw);
      } catch (error) {
        // Closed under us (the web server stopping): as closed as by `close`.
        if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
          this.close();
        }
        n = null;
      } finally {
        this.#reading = false;
      }
      if (n !== null) this.#heard();
      if (n === null || this.#closed) {
        this.#readEnded = true;
        return;
      }
      chunk = this.#raw.subarray(0, n);
      // The next read's buffer: its views in `#pieces` are read before it is used again.
      if (n === this.#raw.length && n < BUSY_READ_BYTES) {
        this.#raw = new Uint8Array(BUSY_READ_BYTES);
      } else if (n < IDLE_READ_BYTES && this.#raw.length > IDLE_READ_BYTES) {
        this.#raw = new Uint8Array(IDLE_READ_BYTES);
      }
    }
    this.#decoder.push(chunk);
  }

  /** The client closed (or broke a rule): the close is answered with `code`, the stream ends. */
  #end(code: number, why = ""): void {
    this.#readEnded = true;
    this.#sendClose(code, why);
  }

  // -------------------------------------------------------------------------
  // Control frames

  #sendClose(code: number, why = ""): void {
    if (this.#closeSent || this.#closed) return;
    this.#closeSent = true;
    this.#sendControl(closeFrame(code, why));
  }

  /** Sends a control frame once the frames under way are written. */
  #sendControl(frame: Uint8Array): void {
    if (this.#closed) return;
    this.#control.push(frame);
    this.#flushControl();
  }

  /** Answers a ping, once the frames under way are written (a later ping's pong replaces it). */
  #pong(payload: Uint8Array): void {
    if (this.#closed || this.#closeSent) return;
    this.#pendingPong = serverFrame(OPCODE.pong, payload);
    this.#flushControl();
  }

  /** Writes the control frames waiting, unless frames of a write are under way. */
  #flushControl(): void {
    if (this.#sending !== undefined || this.#controlWrite !== undefined) return;
    if (this.#pendingPong !== undefined) {
      this.#control.unshift(this.#pendingPong);
      this.#pendingPong = undefined;
    }
    if (this.#control.length === 0) return;
    const length = this.#control.reduce((sum, frame) => sum + frame.length, 0);
    const frames = concat(this.#control, length);
    this.#control = [];
    this.#controlWrite = writeAll(this.#conn, frames).catch(() => {}).finally(() => {
      this.#controlWrite = undefined;
      this.#flushControl();
    });
  }

  /** Resolves once no control frame is being written, or after `CLOSE_FRAME_MS`. */
  async #controlSettled(): Promise<void> {
    if (this.#controlWrite === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => timer = setTimeout(resolve, CLOSE_FRAME_MS));
    await Promise.race([this.#controlWrite, late]);
    clearTimeout(timer);
  }

  // -------------------------------------------------------------------------
  // Keepalive

  /** Bytes came from the client: it is there, whatever they say. */
  #heard(): void {
    this.#lastHeard = Date.now();
    this.#pingedAt = undefined;
  }

  #armKeepalive(ms: number): void {
    clearTimeout(this.#keepaliveTimer);
    this.#keepaliveTimer = setTimeout(() => this.#checkKeepalive(), Math.max(0, ms));
  }

  /** Pings a client silent for too long, or closes one that did not answer in time. */
  #checkKeepalive(): void {
    const keepalive = this.#keepalive!;
    if (this.#closed || this.#closeSent) return;
    const now = Date.now();
    // Not reading (the server is behind on what the client sent): the client is not silent.
    if (!this.#reading) this.#heard();
    if (this.#pingedAt !== undefined) {
      const left = this.#pingedAt + keepalive.timeoutMs - now;
      if (left > 0) return this.#armKeepalive(left);
      this.#sendClose(CLOSE_CODE.goingAway, "No answer to a ping");
      this.close();
      return;
    }
    const left = this.#lastHeard + keepalive.idleMs - now;
    if (left > 0) return this.#armKeepalive(left);
    this.#pingedAt = now;
    this.#sendControl(serverFrame(OPCODE.ping));
    this.#armKeepalive(keepalive.timeoutMs);
  }

  #closeSocket(): void {
    clearTimeout(this.#keepaliveTimer);
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    this.#resolveClosed();
  }
}

/** Writes all of `bytes` to `conn`. */
async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}
