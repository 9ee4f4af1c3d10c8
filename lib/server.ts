/**
 * The chat server: accepts connections, registers nicknames and relays chat messages, printing
 * the console lines of spec part A, within the limits of `limits.ts`.
 *
 * Each connection has an outbox (the "sendq") that broadcasting only appends to, and one writer
 * loop; a client whose outbox passes its cap, or whose writes stall, is dropped without anyone
 * else waiting. Clients found dead during a loop over clients are removed after that loop.
 *
 * @module
 */

import {
  type ChatMessage,
  decodeClientMessage,
  detectForeignProtocol,
  encodeMessage,
  type FrameEvent,
  FrameReader,
  httpRefusal,
  MAX_FRAME_BYTES,
  nicknameKey,
  type NicknameMessage,
  nicknameProblem,
  parseTimestamp,
  type ServerMessage,
  utf8ByteLength,
} from "../protocol.ts";
import { escapeControls, formatDateTime } from "./format.ts";
import type { ServerLimits } from "./limits.ts";
import { Outbox } from "./outbox.ts";
import { RateLimiter } from "./rate_limiter.ts";

/** How long a closing connection gets to flush its last message, in milliseconds. */
export const CLOSE_GRACE_MS = 2000;
/** Bytes read from a connection at a time. */
export const READ_BUFFER_BYTES = 8 * 1024;
/** Longest pause of the accept loop after an accept error, in milliseconds. */
const MAX_ACCEPT_BACKOFF_MS = 1000;
/** Most bytes queued for a recipient before senders wait for it (capped at a quarter sendq). */
export const HIGH_WATER_BYTES = 256 * 1024;
/** How long a congested recipient may hold senders back before it counts as slow (ms). */
export const SLOW_RECIPIENT_MS = 1000;

/** How a server is set up. */
export interface ChatServerOptions {
  limits: ServerLimits;
  /** Where console lines go. */
  log: (line: string) => void;
  /** The wall clock, for the times printed and sent. */
  now?: () => Date;
}

/** A snapshot of the server's load. */
export interface ServerStats {
  connections: number;
  registered: number;
}

/** What a connection's read loop asks of the server. */
interface FrameHandler {
  /** What to wait for before handling the next frame, if anything (rate limit, congestion). */
  beforeFrame(): Promise<void> | undefined;
  /** Handles one frame. */
  handle(event: FrameEvent): void;
  /** Handles a connection that speaks another protocol. */
  foreign(protocol: "tls" | "http"): void;
}

/** One connection, registered or not. */
class Peer {
  readonly conn: Deno.Conn;
  readonly outbox: Outbox;
  readonly frames: FrameReader;
  readonly ip: string;
  readonly port: number;
  readonly connectedAt = Date.now();
  readonly limiter: RateLimiter | undefined;
  nickname: string | undefined;
  clientID: string | undefined;
  /** Whether the client has been told it is being slowed down. */
  warnedOfRate = false;
  /** Set once the server has decided to drop this connection. */
  closing = false;
  #readEnded: Promise<void> | undefined;

  constructor(conn: Deno.Conn, limits: ServerLimits, onWriteError: () => void) {
    this.conn = conn;
    const addr = conn.remoteAddr as Deno.NetAddr;
    this.ip = addr.hostname;
    this.port = addr.port;
    this.frames = new FrameReader(limits.maxFrameBytes);
    this.outbox = new Outbox(conn, { capBytes: limits.sendqBytes, onError: onWriteError });
    this.limiter = limits.maxRate > 0 ? new RateLimiter(limits.burst, limits.maxRate) : undefined;
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
    const buffer = new Uint8Array(READ_BUFFER_BYTES);
    let first = true;
    try {
      while (true) {
        const n = await this.conn.read(buffer);
        if (n === null) return;
        if (this.closing) continue; // Lingering close: read and discard until the peer goes.
        const chunk = buffer.subarray(0, n);
        if (first) {
          first = false;
          const foreign = detectForeignProtocol(chunk);
          if (foreign !== undefined) {
            handler.foreign(foreign);
            continue;
          }
        }
        for (const event of this.frames.push(chunk)) {
          // Reading waits too, so a flood backs up into the sender's socket, not our memory.
          const wait = handler.beforeFrame();
          if (wait !== undefined) await wait;
          if (this.closing) break;
          handler.handle(event);
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

/** A chat server on one or more listeners. */
export class ChatServer {
  readonly #listeners: Deno.Listener[];
  readonly #limits: ServerLimits;
  readonly #log: (line: string) => void;
  readonly #now: () => Date;
  /** Every open connection. */
  readonly #peers = new Set<Peer>();
  /** Open connections per remote address. */
  readonly #perIp = new Map<string, number>();
  /** Registered clients by nickname key, in the order they registered. */
  readonly #registered = new Map<string, Peer>();
  /** Clients found dead while looping over clients, with their last word, removed after. */
  readonly #dead = new Map<Peer, ServerMessage | undefined>();
  /** Recipients over the high-water mark: since when, and the moment they drain. */
  readonly #congested = new Map<Peer, { since: number; drained: Promise<void> }>();
  readonly #highWater: number;
  /** Connections being closed. */
  readonly #closing = new Set<Promise<void>>();
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #stopping = false;

  /** Creates a server that accepts connections from `listeners`. */
  constructor(listeners: Deno.Listener[], options: ChatServerOptions) {
    this.#listeners = listeners;
    this.#limits = options.limits;
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
    this.#highWater = Math.min(HIGH_WATER_BYTES, options.limits.sendqBytes / 4);
  }

  /** Accepts and serves connections until `shutdown` is called. */
  async serve(): Promise<void> {
    const { writeTimeoutMs, registerTimeoutMs } = this.#limits;
    const period = Math.max(50, Math.min(1000, Math.min(writeTimeoutMs, registerTimeoutMs) / 4));
    this.#sweepTimer = setInterval(() => this.#sweep(), period);
    await Promise.all(this.#listeners.map((listener) => this.#accept(listener)));
  }

  /** How many connections and registered clients there are. */
  stats(): ServerStats {
    return { connections: this.#peers.size, registered: this.#registered.size };
  }

  /** Stops accepting, tells every client the server is going, and closes every connection. */
  async shutdown(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#sweepTimer);
    for (const listener of this.#listeners) {
      try {
        listener.close();
      } catch {
        // Already closed.
      }
    }
    const notice: ServerMessage = {
      type: "shutdown",
      message: "Server is shutting down",
      timestamp: this.#now().toISOString(),
    };
    for (const peer of [...this.#peers]) this.#disconnect(peer, notice);
    while (this.#closing.size > 0) await Promise.all(this.#closing);
  }

  async #accept(listener: Deno.Listener): Promise<void> {
    let backoff = 10;
    while (!this.#stopping) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (this.#stopping || error instanceof Deno.errors.BadResource) break;
        // Such as "too many open files": pause, then keep serving.
        this.#log(`Accept failed: ${(error as Error).message}; retrying`);
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, MAX_ACCEPT_BACKOFF_MS);
        continue;
      }
      backoff = 10;
      this.#serveConnection(conn);
    }
  }

  async #serveConnection(conn: Deno.Conn): Promise<void> {
    try {
      // Chat lines are small and latency matters more than packet count.
      (conn as Partial<Deno.TcpConn>).setNoDelay?.(true);
    } catch {
      // The peer is already gone; reading will tell.
    }
    // A failed write may be noticed inside a loop over clients: mark the peer, reap it after.
    const peer = new Peer(conn, this.#limits, () => {
      this.#markDead(peer);
      queueMicrotask(() => this.#reap());
    });
    const refusal = this.#admissionProblem(peer);
    if (refusal !== undefined) {
      this.#log(`${formatDateTime(this.#now())} :: refused ${peer.name}: ${refusal}`);
      await peer.close(encodeMessage(error(refusal)), CLOSE_GRACE_MS);
      return;
    }
    this.#peers.add(peer);
    this.#perIp.set(peer.ip, (this.#perIp.get(peer.ip) ?? 0) + 1);
    await peer.read({
      beforeFrame: () => this.#beforeFrame(peer),
      handle: (event) => this.#onFrame(peer, event),
      foreign: (protocol) => {
        // A TLS client cannot read an answer in plain text: it just gets a clean close.
        this.#disconnect(peer, protocol === "http" ? httpRefusal() : undefined);
      },
    });
    this.#disconnect(peer);
  }

  /** Why a new connection may not stay, or undefined when it may. */
  #admissionProblem(peer: Peer): string | undefined {
    const { maxClients, maxPerIp, limitLoopback } = this.#limits;
    if (this.#peers.size >= maxClients) {
      return `Server full: ${maxClients} connections already; try again later`;
    }
    if (maxPerIp > 0 && (limitLoopback || !isLoopback(peer.ip))) {
      if ((this.#perIp.get(peer.ip) ?? 0) >= maxPerIp) {
        return `Too many connections from ${peer.ip}: the limit is ${maxPerIp}`;
      }
    }
    return undefined;
  }

  /** What a sender waits for before its next frame: the rate limit, then congested recipients. */
  #beforeFrame(peer: Peer): Promise<void> | undefined {
    const pause = this.#ratePause(peer);
    if (pause > 0) {
      const slept = new Promise<void>((resolve) => setTimeout(resolve, pause));
      return this.#congested.size === 0 ? slept : slept.then(() => this.#room());
    }
    return this.#congested.size === 0 ? undefined : this.#room();
  }

  /**
   * Waits while any recipient that keeps up is over the high-water mark, so that a burst of
   * input does not overflow the outboxes of healthy clients. A recipient congested for longer
   * than `SLOW_RECIPIENT_MS` no longer holds anyone back: its sendq decides its fate.
   */
  async #room(): Promise<void> {
    while (true) {
      const now = Date.now();
      const waits: Promise<void>[] = [];
      let slowIn = Infinity;
      for (const { since, drained } of this.#congested.values()) {
        const left = since + SLOW_RECIPIENT_MS - now;
        if (left <= 0) continue;
        waits.push(drained);
        slowIn = Math.min(slowIn, left);
      }
      if (waits.length === 0) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const slow = new Promise<void>((resolve) => timer = setTimeout(resolve, slowIn));
      await Promise.race([Promise.all(waits), slow]);
      clearTimeout(timer);
    }
  }

  /** Notes a recipient whose outbox has passed the high-water mark. */
  #noteCongestion(peer: Peer): void {
    if (this.#congested.has(peer)) return;
    const drained = peer.outbox.waitBelow(this.#highWater / 2).then(() => {
      this.#congested.delete(peer);
    });
    this.#congested.set(peer, { since: Date.now(), drained });
  }

  /** Applies the rate limit: milliseconds to wait, warning or dropping a flooder. */
  #ratePause(peer: Peer): number {
    const wait = peer.limiter?.take() ?? 0;
    if (wait === 0) return 0;
    const { maxRate, burst, floodTimeoutMs } = this.#limits;
    if (peer.limiter!.throttledFor() > floodTimeoutMs) {
      this.#disconnect(
        peer,
        error(
          `Excess flood: over ${maxRate} messages per second for ${floodTimeoutMs / 1000} s; ` +
            "disconnecting",
        ),
      );
      return 0;
    }
    if (!peer.warnedOfRate) {
      peer.warnedOfRate = true;
      this.#send(
        peer,
        error(
          `Slow down: past ${burst} messages at once, messages are handled at ${maxRate} ` +
            "per second; yours are being delayed",
        ),
      );
    }
    return wait;
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
    const key = nicknameKey(message.nickname);
    if (this.#registered.has(key)) {
      this.#send(peer, error("Nickname already in use"));
      return;
    }
    peer.nickname = message.nickname;
    peer.clientID = message.clientID;
    this.#registered.set(key, peer);
    const now = this.#now();
    this.#log(`${formatDateTime(now)} :: ${peer.nickname}: connected.`);
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
    // What clients accept is the protocol's limit, whatever this server takes in.
    if (frame.length - 1 > MAX_FRAME_BYTES) {
      this.#send(sender, error(`Message too long: a frame may take ${MAX_FRAME_BYTES} bytes`));
      return;
    }
    this.#log(
      `Received: IP:${sender.ip}, Port:${sender.port}, Client-Nickname:${sender.nickname}, ` +
        `ClientID:${escapeControls(sender.clientID!)}, Date/Time:${formatDateTime(date)}, ` +
        `Msg-Size:${utf8ByteLength(message.message)}`,
    );
    const recipients: string[] = [];
    for (const peer of this.#registered.values()) {
      if (peer === sender) continue;
      if (peer.outbox.enqueue(frame)) {
        recipients.push(peer.nickname!);
        if (peer.outbox.queuedBytes > this.#highWater) this.#noteCongestion(peer);
      } else this.#markDead(peer);
    }
    this.#log(`Broadcasted: ${recipients.join(", ")}`);
  }

  /** Queues `message` for `peer`; a full outbox marks the peer dead. */
  #send(peer: Peer, message: ServerMessage): void {
    if (!peer.outbox.enqueue(encodeMessage(message))) this.#markDead(peer);
  }

  #markDead(peer: Peer, lastWord?: ServerMessage): void {
    if (peer.closing || this.#dead.has(peer)) return;
    this.#dead.set(
      peer,
      lastWord ?? (peer.outbox.failed ? undefined : error(
        `Send queue exceeded: more than ${this.#limits.sendqBytes} bytes waiting; disconnecting`,
      )),
    );
  }

  /** Removes the clients found dead, after the loop that found them. */
  #reap(): void {
    for (const [peer, lastWord] of this.#dead) this.#disconnect(peer, lastWord);
    this.#dead.clear();
  }

  /** Drops connections whose writes have stalled and those that never registered in time. */
  #sweep(): void {
    const now = Date.now();
    const { writeTimeoutMs, registerTimeoutMs } = this.#limits;
    for (const peer of this.#peers) {
      if (peer.outbox.stalledFor(now) > writeTimeoutMs) {
        this.#markDead(peer);
      } else if (peer.nickname === undefined && now - peer.connectedAt > registerTimeoutMs) {
        this.#markDead(
          peer,
          error(`Registration timeout: no "nickname" message within ${registerTimeoutMs / 1000} s`),
        );
      }
    }
    this.#reap();
  }

  /** Removes `peer` (once), logs its departure and closes it after `lastWord`. */
  #disconnect(peer: Peer, lastWord?: ServerMessage | Uint8Array): void {
    if (peer.closing) return;
    peer.closing = true;
    this.#peers.delete(peer);
    this.#dead.delete(peer);
    this.#congested.delete(peer);
    const count = (this.#perIp.get(peer.ip) ?? 1) - 1;
    if (count > 0) this.#perIp.set(peer.ip, count);
    else this.#perIp.delete(peer.ip);
    if (peer.nickname !== undefined) {
      this.#registered.delete(nicknameKey(peer.nickname));
      this.#log(`${formatDateTime(this.#now())} :: ${peer.nickname}: disconnected.`);
    }
    const bytes = lastWord instanceof Uint8Array || lastWord === undefined
      ? lastWord
      : encodeMessage(lastWord);
    const closed = peer.close(bytes, CLOSE_GRACE_MS);
    this.#closing.add(closed);
    closed.finally(() => this.#closing.delete(closed));
  }
}

function error(message: string): ServerMessage {
  return { type: "error", message };
}

/** Whether `ip` is a loopback address (127.0.0.0/8 or ::1, also IPv4-mapped). */
export function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1" || ip.startsWith("::ffff:127.");
}
