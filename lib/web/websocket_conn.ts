/**
 * A WebSocket as the server's connections see a TCP stream: each text message arrives as its
 * bytes and a newline (one JSON message per text frame, as the page sends them), and each line
 * written goes out as one text message. Writing waits while the socket holds more than
 * `BUFFERED_BYTES` unsent, so that a slow browser fills its outbox (and meets its sendq) as a slow
 * TCP client does, instead of the socket's own buffer growing without bound.
 *
 * @module
 */

import { type ByteConn, IncomingBytes } from "../net/conn.ts";

/** Bytes a WebSocket may hold unsent before writes wait for it. */
export const BUFFERED_BYTES = 256 * 1024;
/** How often a waiting write looks at the socket's buffer again (ms). */
const DRAIN_POLL_MS = 5;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NEWLINE = 0x0a;

/** A server-side WebSocket as a byte stream of JSON lines. */
export class WebSocketConn implements ByteConn {
  /** The address the browser connected from. */
  readonly remoteAddr: Deno.NetAddr;
  readonly #socket: WebSocket;
  readonly #incoming = new IncomingBytes();

  /** Wraps `socket` (just upgraded) from `remoteAddr`. */
  constructor(socket: WebSocket, remoteAddr: Deno.NetAddr) {
    this.#socket = socket;
    this.remoteAddr = remoteAddr;
    socket.binaryType = "arraybuffer";
    socket.onmessage = (event) => {
      const data = event.data;
      const bytes = typeof data === "string"
        ? encoder.encode(data)
        : new Uint8Array(data as ArrayBuffer);
      const line = new Uint8Array(bytes.length + 1);
      line.set(bytes);
      line[bytes.length] = NEWLINE;
      this.#incoming.push(line);
    };
    socket.onclose = () => this.#incoming.end();
    socket.onerror = () => this.#incoming.end();
  }

  /** Reads what has arrived into `buffer`; null once the socket has closed and all is read. */
  read(buffer: Uint8Array): Promise<number | null> {
    return this.#incoming.read(buffer);
  }

  /** Sends each line of `bytes` as one text message, once the socket has room. */
  async write(bytes: Uint8Array): Promise<number> {
    while (
      this.#socket.readyState === WebSocket.OPEN && this.#socket.bufferedAmount > BUFFERED_BYTES
    ) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
    if (this.#socket.readyState !== WebSocket.OPEN) {
      throw new Deno.errors.BrokenPipe("The WebSocket is closed");
    }
    // Decoded once for the whole batch; each line is then one message.
    for (const line of decoder.decode(bytes).split("\n")) {
      if (line !== "") this.#socket.send(line);
    }
    return bytes.length;
  }

  /** A WebSocket has no half-close: this closes it, politely. */
  closeWrite(): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** Closes the socket (normal closure). */
  close(): void {
    const state = this.#socket.readyState;
    if (state === WebSocket.OPEN || state === WebSocket.CONNECTING) {
      try {
        this.#socket.close(1000);
      } catch {
        // Closing already.
      }
    }
    this.#incoming.end();
  }
}
