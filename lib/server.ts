/**
 * The chat server: accepts connections, registers nicknames and relays chat messages, printing
 * the console lines of spec part A.
 *
 * Each connection has an outbox (the "sendq") that broadcasting only appends to, and one writer
 * loop; a client whose outbox passes its cap, or whose writes stall, is dropped without anyone
 * else waiting. Clients found dead during a broadcast are removed after the loop over clients.
 *
 * @module
 */

import {
  type ChatMessage,
  decodeClientMessage,
  encodeMessage,
  type FrameEvent,
  FrameReader,
  MAX_FRAME_BYTES,
  type NicknameMessage,
  nicknameProblem,
  parseTimestamp,
  type ServerMessage,
  utf8ByteLength,
} from "../protocol.ts";
import { formatDateTime } from "./format.ts";
import { Outbox } from "./outbox.ts";

/** How long a closing connection gets to flush its last message, in milliseconds. */
export const CLOSE_GRACE_MS = 2000;
/** Bytes read from a connection at a time. */
export const READ_BUFFER_BYTES = 8 * 1024;
/** Longest pause of the accept loop after an accept error, in milliseconds. */
const MAX_ACCEPT_BACKOFF_MS = 1000;

/** How a server is set up. */
export interface ChatServerOptions {
  /** Per-client outbox cap, in bytes. */
  sendqBytes: number;
  /** Milliseconds a write may make no progress before its client is dropped. */
  writeTimeoutMs: number;
  /** Where console lines go. */
  log: (line: string) => void;
  /** The clock. */
  now?: () => Date;
}

/** One connection, registered or not. */
class Peer {
  readonly conn: Deno.Conn;
  readonly outbox: Outbox;
  readonly frames = new FrameReader(MAX_FRAME_BYTES);
  readonly ip: string;
  readonly port: number;
  nickname: string | undefined;
  clientID: string | undefined;
  /** Set once the server has decided to drop this connection. */
  closing = false;
  #readEnded: Promise<void> | undefined;

  constructor(conn: Deno.Conn, sendqBytes: number, onWriteError: () => void) {
    this.conn = conn;
    const addr = conn.remoteAddr as Deno.NetAddr;
    this.ip = addr.hostname;
    this.port = addr.port;
    this.outbox = new Outbox(conn, { capBytes: sendqBytes, onError: onWriteError });
  }

  /** Reads frames until the peer closes or fails, handing them to `onEvent` until closing. */
  read(onEvent: (event: FrameEvent) => void): Promise<void> {
    this.#readEnded ??= this.#read(onEvent);
    return this.#readEnded;
  }

  async #read(onEvent: (event: FrameEvent) => void): Promise<void> {
    const buffer = new Uint8Array(READ_BUFFER_BYTES);
    try {
      while (true) {
        const n = await this.conn.read(buffer);
        if (n === null) return;
        if (this.closing) continue; // Lingering close: read and discard until the peer goes.
        for (const event of this.frames.push(buffer.subarray(0, n))) {
          onEvent(event);
          if (this.closing) break;
        }
      }
    } catch {
      // A reset or a close from our side ends the connection like an end of stream.
    }
  }

  /**
   * Sends `lastWord` (instead of anything still queued), then closes: flush, shut the write
   * side, let the peer read and leave, all within `graceMs`.
   */
  async close(lastWord: ServerMessage | undefined, graceMs: number): Promise<void> {
    if (lastWord !== undefined) {
      this.outbox.clear();
      this.outbox.enqueue(encodeMessage(lastWord));
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

/** A chat server on one listener. */
export class ChatServer {
  readonly #listener: Deno.Listener;
  readonly #options: ChatServerOptions;
  readonly #now: () => Date;
  /** Every open connection. */
  readonly #peers = new Set<Peer>();
  /** Registered clients by nickname, in the order they registered. */
  readonly #registered = new Map<string, Peer>();
  /** Clients found dead while looping over clients, removed after the loop. */
  readonly #dead = new Map<Peer, ServerMessage | undefined>();
  /** Connections being closed. */
  readonly #closing = new Set<Promise<void>>();
  #stallTimer: ReturnType<typeof setInterval> | undefined;
  #stopping = false;

  /** Creates a server that accepts connections from `listener`. */
  constructor(listener: Deno.Listener, options: ChatServerOptions) {
    this.#listener = listener;
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Accepts and serves connections until `shutdown` is called. */
  async serve(): Promise<void> {
    const period = Math.max(50, Math.min(1000, this.#options.writeTimeoutMs / 4));
    this.#stallTimer = setInterval(() => this.#dropStalled(), period);
    let backoff = 10;
    while (!this.#stopping) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#stopping || error instanceof Deno.errors.BadResource) break;
        // Such as "too many open files": pause, then keep serving.
        this.#options.log(`Accept failed: ${(error as Error).message}; retrying`);
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, MAX_ACCEPT_BACKOFF_MS);
        continue;
      }
      backoff = 10;
      this.#serveConnection(conn);
    }
  }

  /** Stops accepting, tells every client the server is going, and closes every connection. */
  async shutdown(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#stallTimer);
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    const notice: ServerMessage = {
      type: "shutdown",
      message: "Server is shutting down",
      timestamp: this.#now().toISOString(),
    };
    for (const peer of [...this.#peers]) this.#disconnect(peer, notice);
    while (this.#closing.size > 0) await Promise.all(this.#closing);
  }

  async #serveConnection(conn: Deno.Conn): Promise<void> {
    try {
      // Chat lines are small and latency matters more than packet count.
      (conn as Partial<Deno.TcpConn>).setNoDelay?.(true);
    } catch {
      // The peer is already gone; reading will tell.
    }
    // A failed write may be noticed inside a broadcast loop: mark the peer, reap it after.
    const peer = new Peer(conn, this.#options.sendqBytes, () => {
      this.#markDead(peer);
      queueMicrotask(() => this.#reap());
    });
    this.#peers.add(peer);
    await peer.read((event) => this.#onFrame(peer, event));
    this.#disconnect(peer);
  }

  #onFrame(peer: Peer, event: FrameEvent): void {
    if (event.kind === "oversize") {
      this.#disconnect(peer, error(`Frame too long: the limit is ${event.limit} bytes`));
      return;
    }
    const decoded = decodeClientMessage(event.bytes);
    if (decoded.kind !== "message") {
      this.#send(peer, error(decoded.error));
    } else {
      const message = decoded.message;
      switch (message.type) {
        case "nickname":
          this.#register(peer, message);
          break;
        case "message":
          this.#relay(peer, message);
          break;
        case "disconnect":
          this.#disconnect(peer, { type: "goodbye", timestamp: this.#now().toISOString() });
          break;
      }
    }
    this.#reap();
  }

  #register(peer: Peer, message: NicknameMessage): void {
    if (peer.nickname !== undefined) {
      this.#send(peer, error(`Already registered as ${JSON.stringify(peer.nickname)}`));
      return;
    }
    const problem = nicknameProblem(message.nickname);
    if (problem !== undefined) {
      this.#send(peer, error(problem));
      return;
    }
    if (this.#registered.has(message.nickname)) {
      this.#send(peer, error("Nickname already in use"));
      return;
    }
    peer.nickname = message.nickname;
    peer.clientID = message.clientID;
    this.#registered.set(message.nickname, peer);
    const now = this.#now();
    this.#options.log(`${formatDateTime(now)} :: ${peer.nickname}: connected.`);
    this.#send(peer, {
      type: "welcome",
      nickname: peer.nickname,
      clientID: peer.clientID,
      timestamp: now.toISOString(),
    });
  }

  #relay(sender: Peer, message: ChatMessage): void {
    if (sender.nickname === undefined) {
      this.#send(sender, error('Not registered: send a "nickname" message first'));
      return;
    }
    const sentAt = parseTimestamp(message.timestamp);
    const date = sentAt ?? this.#now();
    const frame = encodeMessage({
      type: "broadcast",
      nickname: sender.nickname,
      message: message.message,
      timestamp: sentAt === undefined ? date.toISOString() : message.timestamp!,
    });
    if (frame.length - 1 > MAX_FRAME_BYTES) {
      this.#send(sender, error(`Message too long: a frame may take ${MAX_FRAME_BYTES} bytes`));
      return;
    }
    this.#options.log(
      `Received: IP:${sender.ip}, Port:${sender.port}, Client-Nickname:${sender.nickname}, ` +
        `ClientID:${sender.clientID}, Date/Time:${formatDateTime(date)}, ` +
        `Msg-Size:${utf8ByteLength(message.message)}`,
    );
    const recipients: string[] = [];
    for (const [nickname, peer] of this.#registered) {
      if (peer === sender) continue;
      if (peer.outbox.enqueue(frame)) recipients.push(nickname);
      else this.#markDead(peer);
    }
    this.#options.log(`Broadcasted: ${recipients.join(", ")}`);
  }

  /** Queues `message` for `peer`; a full outbox marks the peer dead. */
  #send(peer: Peer, message: ServerMessage): void {
    if (!peer.outbox.enqueue(encodeMessage(message))) this.#markDead(peer);
  }

  #markDead(peer: Peer): void {
    if (peer.closing || this.#dead.has(peer)) return;
    this.#dead.set(
      peer,
      peer.outbox.failed ? undefined : error(
        `Send queue exceeded: more than ${this.#options.sendqBytes} bytes waiting; disconnecting`,
      ),
    );
  }

  /** Removes the clients found dead, after the loop that found them. */
  #reap(): void {
    for (const [peer, lastWord] of this.#dead) this.#disconnect(peer, lastWord);
    this.#dead.clear();
  }

  #dropStalled(): void {
    const now = Date.now();
    for (const peer of this.#peers) {
      if (peer.outbox.stalledFor(now) > this.#options.writeTimeoutMs) this.#markDead(peer);
    }
    this.#reap();
  }

  /** Removes `peer` (once), logs its departure and closes it after `lastWord`. */
  #disconnect(peer: Peer, lastWord?: ServerMessage): void {
    if (peer.closing) return;
    peer.closing = true;
    this.#peers.delete(peer);
    this.#dead.delete(peer);
    if (peer.nickname !== undefined && this.#registered.get(peer.nickname) === peer) {
      this.#registered.delete(peer.nickname);
      this.#options.log(`${formatDateTime(this.#now())} :: ${peer.nickname}: disconnected.`);
    }
    const closed = peer.close(lastWord, CLOSE_GRACE_MS);
    this.#closing.add(closed);
    closed.finally(() => this.#closing.delete(closed));
  }
}

function error(message: string): ServerMessage {
  return { type: "error", message };
}
