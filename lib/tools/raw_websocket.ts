/**
 * A WebSocket client driven by hand over TCP, for the tests: the handshake with the headers and
 * subprotocols asked for, frames built byte by byte (masked or not, fragmented, broken on
 * purpose), the server's frames read as they come, and reading stopped altogether to play a page
 * whose socket stalls.
 *
 * @module
 */

import { frameHead, OPCODE } from "../web/websocket_frames.ts";
import { WAIT_MS, within } from "./testing.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A client's frame: masked (unless `mask` is false), final unless `fin` is false. */
export function clientFrame(
  opcode: number,
  payload: Uint8Array | string,
  options: { fin?: boolean; mask?: boolean; rsv?: number } = {},
): Uint8Array {
  const bytes = typeof payload === "string" ? encoder.encode(payload) : payload;
  const { fin = true, mask = true, rsv = 0 } = options;
  const head = frameHead(opcode, bytes.length);
  head[0] = (fin ? 0x80 : 0) | rsv | opcode;
  const key = mask ? Uint8Array.of(0x37, 0xfa, 0x21, 0x3d) : new Uint8Array();
  if (mask) head[1] |= 0x80;
  const frame = new Uint8Array(head.length + key.length + bytes.length);
  frame.set(head);
  frame.set(key, head.length);
  for (let i = 0; i < bytes.length; i++) {
    frame[head.length + key.length + i] = mask ? bytes[i] ^ key[i & 3] : bytes[i];
  }
  return frame;
}

/** One frame from the server. */
export interface ServerFrame {
  /** Its opcode. */
  opcode: number;
  /** Whether it is final. */
  fin: boolean;
  /** Its payload. */
  payload: Uint8Array;
}

/** The payload of a close frame: its code and reason. */
export function closeOf(frame: ServerFrame): { code: number; reason: string } {
  return {
    code: (frame.payload[0] << 8) | frame.payload[1],
    reason: decoder.decode(frame.payload.subarray(2)),
  };
}

/** A WebSocket over a TCP connection, driven by hand. */
export class RawWebSocket {
  /** The connection. */
  readonly conn: Deno.Conn;
  /** The server's answer to the handshake, its head as text. */
  readonly response: string;
  #buffer: Uint8Array;
  /** Messages of a frame of lines not yet asked for. */
  #messages: Record<string, unknown>[] = [];

  private constructor(conn: Deno.Conn, response: string, rest: Uint8Array) {
    this.conn = conn;
    this.response = response;
    this.#buffer = rest;
  }

  /** Speaks frames over `conn`, whose handshake is done (or skipped, for a test of frames). */
  static from(conn: Deno.Conn): RawWebSocket {
    return new RawWebSocket(conn, "", new Uint8Array());
  }

  /** The HTTP head of a handshake to `/ws` with `headers` besides the usual ones. */
  static request(port: number, headers: Record<string, string> = {}): string {
    const all: Record<string, string> = {
      host: `127.0.0.1:${port}`,
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
      ...headers,
    };
    return `GET /ws HTTP/1.1\r\n${
      Object.entries(all).map(([name, value]) => `${name}: ${value}\r\n`).join("")
    }\r\n`;
  }

  /**
   * Connects to 127.0.0.1:`port` and opens the WebSocket at `/ws` (with `headers`, such as
   * `Sec-WebSocket-Protocol`); throws unless the server answers 101.
   */
  static async open(port: number, headers: Record<string, string> = {}): Promise<RawWebSocket> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await writeAll(conn, encoder.encode(RawWebSocket.request(port, headers)));
    let received: Uint8Array = new Uint8Array();
    const buffer = new Uint8Array(4096);
    while (true) {
      const end = findHeadEnd(received);
      if (end >= 0) {
        const response = decoder.decode(received.subarray(0, end));
        if (!response.startsWith("HTTP/1.1 101 ")) {
          conn.close();
          throw new Error(`The handshake was refused: ${response.split("\r\n")[0]}`);
        }
        return new RawWebSocket(conn, response, received.slice(end));
      }
      const n = await within(conn.read(buffer), WAIT_MS, "the handshake's answer");
      if (n === null) {
        conn.close();
        throw new Error("The connection closed during the handshake");
      }
      received = join(received, buffer.subarray(0, n));
    }
  }

  /** Sends `bytes` as they are (frames made by `clientFrame`, or anything). */
  async sendRaw(bytes: Uint8Array): Promise<void> {
    await writeAll(this.conn, bytes);
  }

  /** Sends `message` as one masked text frame of JSON. */
  async send(message: Record<string, unknown>): Promise<void> {
    await this.sendRaw(clientFrame(OPCODE.text, JSON.stringify(message)));
  }

  /** The server's next frame; undefined once the connection has ended. */
  async nextFrame(): Promise<ServerFrame | undefined> {
    while (true) {
      const frame = this.#take();
      if (frame !== undefined) return frame;
      const buffer = new Uint8Array(64 * 1024);
      let n: number | null;
      try {
        n = await within(this.conn.read(buffer), WAIT_MS, "a frame from the server");
      } catch (error) {
        if (error instanceof Deno.errors.ConnectionReset) return undefined;
        throw error;
      }
      if (n === null) return undefined;
      this.#buffer = join(this.#buffer, buffer.subarray(0, n));
    }
  }

  /** The next text frame's payload as text, skipping other frames; undefined at the end. */
  async nextText(): Promise<string | undefined> {
    while (true) {
      const frame = await this.nextFrame();
      if (frame === undefined) return undefined;
      if (frame.opcode === OPCODE.text) return decoder.decode(frame.payload);
    }
  }

  /** The next JSON message (one per frame, or several in a frame of lines); undefined at the end. */
  async next(): Promise<Record<string, unknown> | undefined> {
    while (this.#messages.length === 0) {
      const text = await this.nextText();
      if (text === undefined) return undefined;
      for (const line of text.split("\n")) if (line !== "") this.#messages.push(JSON.parse(line));
    }
    return this.#messages.shift();
  }

  /** The next JSON message of `type`, skipping others. */
  async nextOfType(type: string): Promise<Record<string, unknown>> {
    while (true) {
      const message = await this.next();
      if (message === undefined) throw new Error(`The WebSocket closed before a ${type}`);
      if (message.type === type) return message;
    }
  }

  /** Closes the connection. */
  close(): void {
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }

  /** Closes the connection. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A whole frame from what has been read, if there is one. */
  #take(): ServerFrame | undefined {
    const bytes = this.#buffer;
    if (bytes.length < 2) return undefined;
    let length = bytes[1] & 0x7f;
    let head = 2;
    if (length === 126) {
      if (bytes.length < 4) return undefined;
      length = (bytes[2] << 8) | bytes[3];
      head = 4;
    } else if (length === 127) {
      if (bytes.length < 10) return undefined;
      length = Number(new DataView(bytes.buffer, bytes.byteOffset + 2, 8).getBigUint64(0));
      head = 10;
    }
    if (bytes.length < head + length) return undefined;
    this.#buffer = bytes.slice(head + length);
    return {
      opcode: bytes[0] & 0x0f,
      fin: (bytes[0] & 0x80) !== 0,
      payload: bytes.slice(head, head + length),
    };
  }
}

/** Where the HTTP head at the start of `bytes` ends, or -1. */
function findHeadEnd(bytes: Uint8Array): number {
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i - 3] === 13 && bytes[i - 2] === 10 && bytes[i - 1] === 13 && bytes[i] === 10) {
      return i + 1;
    }
  }
  return -1;
}

/** `a` and `b` joined. */
function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const all = new Uint8Array(a.length + b.length);
  all.set(a);
  all.set(b, a.length);
  return all;
}

/** Writes all of `bytes` to `conn`. */
async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}
