/**
 * One connection of the server: its reading (the wire it speaks, told from its first bytes,
 * then frames, with waits the server asks for), its outbox, and what the server knows of its
 * client.
 *
 * @module
 */

import { concat } from "../common/bytes.ts";
import type { Tally } from "../common/tally.ts";
import type { Member } from "../core/types.ts";
import type { FrameEvent, FrameReader } from "../protocol/frame_reader.ts";
import type { ServerLimits } from "./limits.ts";
import { Outbox } from "../net/outbox.ts";
import { RateLimiter } from "./rate_limiter.ts";
import type { ByteConn } from "../net/conn.ts";
import { sniff, SNIFF_BYTES } from "../wire/sniff.ts";
import type { Wire } from "../wire/wire.ts";
import { WIRES } from "../wire/wires.ts";

/** Bytes an idle connection reads at a time (a longer line just takes more than one read). */
export const IDLE_READ_BYTES = 256;
/** Bytes a busy connection (one that filled its buffer) reads at a time. */
export const BUSY_READ_BYTES = 16 * 1024;
/** Reads smaller than the idle buffer in a row after which a busy connection is idle again. */
const READS_TO_IDLE = 8;

/** What a connection's read loop asks of the server (one object serves every connection). */
export interface FrameHandler {
  /** What to wait for before handling the next frame, if anything (rate limit, congestion). */
  beforeFrame(peer: Peer, bytes: number): Promise<void> | undefined;
  /** Handles one frame. */
  handle(peer: Peer, event: FrameEvent): void;
  /** Called after the frames of one read have been handled (and before any wait). */
  afterChunk(peer: Peer): void;
  /** Called once the first bytes have told which wire the connection speaks. */
  identified(peer: Peer): void;
  /** Handles a connection that speaks a protocol the port does not serve. */
  foreign(peer: Peer, protocol: "tls" | "http"): void;
  /** Called once reading has ended: the peer closed, failed, or was closed. */
  ended(peer: Peer): void;
}

/** No bytes. */
const NOTHING = new Uint8Array();

/** What a client that announced no extension understands of them: nothing. */
const NO_EXTENSIONS: ReadonlySet<string> = new Set();

/** One connection, registered or not. */
export class Peer implements Member {
  /** The connection itself. */
  readonly conn: ByteConn;
  /** What waits to be written to it, within the sendq. */
  readonly outbox: Outbox;
  /** The wire it speaks: JSON until its first bytes say otherwise. */
  wire: Wire = WIRES.json;
  /** The client's IP address. */
  readonly ip: string;
  /** The client's port. */
  readonly port: number;
  /** When the connection was taken, in milliseconds since the epoch. */
  readonly connectedAt: number = Date.now();
  /** Messages per second, when limited. */
  readonly limiter: RateLimiter | undefined;
  /** Bytes per second, when limited. */
  readonly byteLimiter: RateLimiter | undefined;
  nickname: string | undefined;
  clientID: string | undefined;
  /** The extension types the client announced it understands. */
  extensions: ReadonlySet<string> = NO_EXTENSIONS;
  /** The key of the account it logged in to; undefined for a guest. */
  account: string | undefined;
  /** Why the server will not keep this connection, once it knows how to say so. */
  refusal: string | undefined;
  /** Whether the client has been told it is being slowed down. */
  warnedOfRate = false;
  /** What is queued for it while its IRC command's replies are gathered (labeled-response). */
  gathered: Uint8Array[] | undefined;
  /** Set once the server has decided to drop this connection. */
  closing = false;
  #readEnded: Promise<void> | undefined;
  readonly #maxFrameBytes: number;

  /** Set when the wire was known from the port (IRC's): nothing is sniffed. */
  readonly #preset: boolean;

  /**
   * Takes `conn` within `limits` (frame size, sendq, rates); `onWriteError` is called when a
   * write to it fails. `wire`, when given, is the wire its port speaks (else its first bytes
   * tell); `written`, when given, counts the bytes written to it.
   */
  constructor(
    conn: ByteConn,
    limits: ServerLimits,
    onWriteError: () => void,
    wire?: Wire,
    written?: Tally,
  ) {
    this.conn = conn;
    this.#preset = wire !== undefined;
    if (wire !== undefined) this.wire = wire;
    const addr = conn.remoteAddr as Deno.NetAddr;
    this.ip = addr.hostname;
    this.port = addr.port;
    this.#maxFrameBytes = limits.maxFrameBytes;
    this.outbox = new Outbox(conn, { capBytes: limits.sendqBytes, onError: onWriteError, written });
    this.limiter = limits.maxRate > 0 ? new RateLimiter(limits.burst, limits.maxRate) : undefined;
    this.byteLimiter = limits.byteRate > 0
      ? new RateLimiter(limits.byteBurst, limits.byteRate)
      : undefined;
  }

  /** The nickname, or the address for a connection that has not registered. */
  get name(): string {
    return this.nickname ?? `${this.ip}:${this.port}`;
  }

  /** Reads frames until the peer closes or fails, handing them over until closing. */
  read(handler: FrameHandler): Promise<void> {
    this.#readEnded ??= this.#read(handler);
    return this.#readEnded;
  }

  async #read(handler: FrameHandler): Promise<void> {
    // Thousands of idle connections each hold a buffer in a pending read: keep it small until
    // the client sends more than fits, then read in large pieces while it stays busy.
    let buffer = new Uint8Array(IDLE_READ_BYTES);
    let smallReads = 0;
    let frames: FrameReader | undefined;
    /** The first bytes, until they tell the wire. */
    let first: Uint8Array = NOTHING;
    if (this.#preset) {
      frames = this.wire.reader(this.#maxFrameBytes);
      handler.identified(this);
    }
    try {
      while (true) {
        const n = await this.conn.read(buffer);
        if (n === null) break;
        if (this.closing) continue; // Lingering close: read and discard until the peer goes.
        let chunk: Uint8Array = buffer.subarray(0, n);
        if (frames === undefined) {
          // Mostly the first read tells: its bytes are kept only when more are needed.
          const start = first.length === 0 ? chunk : concat([first, chunk], first.length + n);
          const sniffed = sniff(start);
          if (sniffed === undefined && start.length < SNIFF_BYTES) {
            first = start === chunk ? chunk.slice() : start;
            continue;
          }
          if (sniffed === "tls" || sniffed === "http") {
            handler.foreign(this, sniffed);
            continue;
          }
          this.wire = WIRES[sniffed ?? "json"];
          frames = this.wire.reader(this.#maxFrameBytes);
          chunk = start;
          first = NOTHING;
          handler.identified(this);
          if (this.closing) continue;
        }
        for (const event of frames.push(chunk)) {
          // Reading waits too, so a flood backs up into the sender's socket, not our memory.
          const wait = handler.beforeFrame(this, event.kind === "frame" ? event.bytes.length : 0);
          if (wait !== undefined) {
            handler.afterChunk(this);
            await wait;
          }
          if (this.closing) break;
          handler.handle(this, event);
        }
        handler.afterChunk(this);
        if (n === buffer.length && buffer.length < BUSY_READ_BYTES) {
          buffer = new Uint8Array(BUSY_READ_BYTES);
          smallReads = 0;
        } else if (buffer.length > IDLE_READ_BYTES && n < IDLE_READ_BYTES) {
          if (++smallReads >= READS_TO_IDLE) buffer = new Uint8Array(IDLE_READ_BYTES);
        } else smallReads = 0;
      }
    } catch {
      // A reset or a close from our side ends the connection like an end of stream.
    }
    handler.ended(this);
  }

  /**
   * Sends `lastWord` (instead of anything still queued), then closes: flush, shut the write
   * side, let the peer read and leave, all within `graceMs`.
   */
  async close(lastWord: Uint8Array | undefined, graceMs: number): Promise<void> {
    if (lastWord !== undefined) {
      this.outbox.clear();
      this.outbox.enqueue(lastWord);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => timer = setTimeout(resolve, graceMs));
    await Promise.race([this.outbox.drained(), deadline]);
    if (!this.outbox.failed && this.outbox.queuedBytes === 0) {
      try {
        await this.conn.closeWrite();
        await Promise.race([this.#readEnded, deadline]);
      } catch {
        // Already closed by the peer.
      }
    }
    clearTimeout(timer);
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}
