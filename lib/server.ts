/**
 * The chat server: accepts connections, registers nicknames, relays chat messages to everyone,
 * to one user or to a room, and tells clients who comes and goes, printing the console lines of
 * spec part A (and one line per other event), within the limits of `limits.ts`.
 *
 * Each connection has an outbox (the "sendq") that delivering only appends to, and one writer
 * loop; a client whose outbox passes its cap, or whose writes stall, is dropped without anyone
 * else waiting. Clients found dead during a loop over clients are removed after that loop.
 *
 * @module
 */

import {
  type ChatMessage,
  concat,
  decodeClientMessage,
  encodeMessage,
  EXTENSION_TYPES,
  type FrameEvent,
  httpRefusal,
  MAX_FRAME_BYTES,
  nicknameKey,
  type NicknameMessage,
  nicknameProblem,
  parseTimestamp,
  type PrivateRequest,
  roomProblem,
  type RoomRequest,
  type ServerMessage,
  utf8ByteLength,
} from "../protocol.ts";
import { escapeControls, formatDateTime } from "./format.ts";
import type { ServerLimits } from "./limits.ts";
import { type FrameHandler, Peer } from "./peer.ts";
import { Rooms } from "./rooms.ts";

/** How long a closing connection gets to flush its last message, in milliseconds. */
export const CLOSE_GRACE_MS = 2000;
/** Longest pause of the accept loop after an accept error, in milliseconds. */
const MAX_ACCEPT_BACKOFF_MS = 1000;
/** Most bytes queued for a recipient before senders wait for it (capped at a quarter sendq). */
export const HIGH_WATER_BYTES = 256 * 1024;
/** How long a congested recipient may hold senders back before it counts as slow (ms). */
export const SLOW_RECIPIENT_MS = 1000;
/** Most bytes of one sender's consecutive broadcasts gathered before they go out together. */
export const BATCH_BYTES = 64 * 1024;

/** One sender's consecutive broadcasts, delivered together (see `#relay`). */
interface Batch {
  sender: Peer;
  frames: Uint8Array[];
  bytes: number;
  /** The `Received:` line of each message, printed with the `Broadcasted:` line when sent. */
  received: string[];
}

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

/** Why a client left, as the others are told. */
const LEFT_BY_REQUEST = "disconnected";
const LEFT_BY_ACCIDENT = "connection lost";
const LEFT_AT_SHUTDOWN = "server shutting down";

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
  /** Registered clients, in the order they registered. */
  readonly #members = new Set<Peer>();
  /** Registered clients by nickname key. */
  readonly #byNickname = new Map<string, Peer>();
  readonly #rooms = new Rooms<Peer>();
  /** Clients found dead while looping over clients, with their last word, removed after. */
  readonly #dead = new Map<Peer, { lastWord?: ServerMessage; reason: string }>();
  /** Recipients over the high-water mark: since when, and the moment they drain. */
  readonly #congested = new Map<Peer, { since: number; drained: Promise<void> }>();
  readonly #highWater: number;
  /** Connections being closed. */
  readonly #closing = new Set<Promise<void>>();
  /** Broadcasts read but not yet delivered: they go out at the end of the read. */
  #batch: Batch | undefined;
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
    return { connections: this.#peers.size, registered: this.#members.size };
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
    for (const peer of [...this.#peers]) this.#disconnect(peer, LEFT_AT_SHUTDOWN, notice);
    while (this.#closing.size > 0) await Promise.all(this.#closing);
  }

  // -------------------------------------------------------------------------
  // Connections

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

  #serveConnection(conn: Deno.Conn): void {
    try {
      // Chat lines are small and latency matters more than packet count.
      (conn as Partial<Deno.TcpConn>).setNoDelay?.(true);
    } catch {
      // The peer is already gone; reading will tell.
    }
    // A failed write may be noticed inside a loop over clients: mark the peer, reap it after.
    const peer = new Peer(conn, this.#limits, () => {
      this.#markDead(peer, LEFT_BY_ACCIDENT);
      queueMicrotask(() => this.#reap());
    });
    const refusal = this.#admissionProblem(peer);
    if (refusal !== undefined) {
      this.#log(`${formatDateTime(this.#now())} :: refused ${peer.name}: ${refusal}`);
      peer.close(encodeMessage(error(refusal)), CLOSE_GRACE_MS);
      return;
    }
    this.#peers.add(peer);
    this.#perIp.set(peer.ip, (this.#perIp.get(peer.ip) ?? 0) + 1);
    peer.read(this.#handler);
  }

  /** What every connection's read loop calls (one object, so a connection costs no closures). */
  readonly #handler: FrameHandler = {
    beforeFrame: (peer) => this.#beforeFrame(peer),
    handle: (peer, event) => this.#onFrame(peer, event),
    afterChunk: () => this.#flushBatch(),
    foreign: (peer, protocol) => {
      // A TLS client cannot read an answer in plain text: it just gets a clean close.
      this.#drop(peer, LEFT_BY_ACCIDENT, protocol === "http" ? httpRefusal() : undefined);
    },
    ended: (peer) => this.#drop(peer, LEFT_BY_ACCIDENT),
  };

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

  // -------------------------------------------------------------------------
  // Flow control

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

  /** Applies the rate limit: milliseconds to wait, warning or dropping a flooder. */
  #ratePause(peer: Peer): number {
    const wait = peer.limiter?.take() ?? 0;
    if (wait === 0) return 0;
    const { maxRate, burst, floodTimeoutMs } = this.#limits;
    if (peer.limiter!.throttledFor() > floodTimeoutMs) {
      const why = `Excess flood: over ${maxRate} messages per second for ` +
        `${floodTimeoutMs / 1000} s; disconnecting`;
      this.#drop(peer, `removed (${why})`, error(why));
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

  // -------------------------------------------------------------------------
  // Messages

  #onFrame(peer: Peer, event: FrameEvent): void {
    if (event.kind === "oversize") {
      const why = `Frame too long: the limit is ${event.limit} bytes`;
      this.#drop(peer, `removed (${why})`, error(why));
      return;
    }
    const decoded = decodeClientMessage(event.bytes);
    // Only consecutive public messages wait in a batch; anything else goes out after them.
    if (decoded.kind !== "message" || decoded.message.type !== "message") this.#flushBatch();
    if (decoded.kind !== "message") {
      this.#send(peer, error(decoded.error));
    } else if (decoded.message.type === "nickname") {
      this.#register(peer, decoded.message);
    } else if (decoded.message.type === "disconnect") {
      this.#disconnect(peer, LEFT_BY_REQUEST, {
        type: "goodbye",
        timestamp: this.#now().toISOString(),
      });
    } else if (peer.nickname === undefined) {
      this.#send(peer, error('Not registered: send a "nickname" message first'));
    } else {
      const message = decoded.message;
      switch (message.type) {
        case "message":
          this.#relay(peer, message);
          break;
        case "private":
          this.#whisper(peer, message);
          break;
        case "room":
          this.#roomChat(peer, message);
          break;
        case "join":
          this.#join(peer, message.room);
          break;
        case "leave":
          this.#leave(peer, message.room);
          break;
        case "nick":
          this.#rename(peer, message.nickname);
          break;
        case "list":
          this.#list(peer);
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
    const problem = this.#nicknameProblem(message.nickname);
    if (problem !== undefined) {
      this.#send(peer, error(problem));
      return;
    }
    peer.nickname = message.nickname;
    peer.clientID = message.clientID;
    peer.extensions = new Set(
      (message.extensions ?? []).filter((type) =>
        (EXTENSION_TYPES as readonly string[]).includes(type)
      ),
    );
    this.#members.add(peer);
    this.#byNickname.set(nicknameKey(peer.nickname), peer);
    const now = this.#now();
    this.#log(`${formatDateTime(now)} :: ${peer.nickname}: connected.`);
    this.#send(peer, {
      type: "welcome",
      nickname: peer.nickname,
      clientID: peer.clientID,
      timestamp: now.toISOString(),
    });
    this.#notify(this.#members, peer, {
      type: "joined",
      nickname: peer.nickname,
      timestamp: now.toISOString(),
    });
  }

  /** Why `nickname` cannot be taken now, or undefined when it can. */
  #nicknameProblem(nickname: string, by?: Peer): string | undefined {
    const problem = nicknameProblem(nickname);
    if (problem !== undefined) return problem;
    const holder = this.#byNickname.get(nicknameKey(nickname));
    return holder !== undefined && holder !== by ? "Nickname already in use" : undefined;
  }

  /**
   * Relays a message to everyone else. The broadcast is encoded once, and a sender's
   * consecutive broadcasts (those of one read) are gathered and appended to each recipient's
   * outbox as one buffer at the end of the read: the same order, far fewer copies and writes.
   */
  #relay(sender: Peer, message: ChatMessage): void {
    const stamped = this.#stamp(message.timestamp);
    const frame = this.#fit(sender, {
      type: "broadcast",
      nickname: sender.nickname!,
      message: message.message,
      timestamp: stamped.timestamp,
    });
    if (frame === undefined) return;
    const received = `Received: IP:${sender.ip}, Port:${sender.port}, ` +
      `Client-Nickname:${sender.nickname}, ClientID:${escapeControls(sender.clientID!)}, ` +
      `Date/Time:${formatDateTime(stamped.date)}, Msg-Size:${utf8ByteLength(message.message)}`;
    if (this.#batch !== undefined && this.#batch.sender !== sender) this.#flushBatch();
    const batch = this.#batch ??= { sender, frames: [], bytes: 0, received: [] };
    batch.frames.push(frame);
    batch.bytes += frame.length;
    batch.received.push(received);
    if (batch.bytes >= BATCH_BYTES) this.#flushBatch();
  }

  /** Delivers the gathered broadcasts and prints their `Received:` and `Broadcasted:` lines. */
  #flushBatch(): void {
    const batch = this.#batch;
    if (batch === undefined) return;
    this.#batch = undefined;
    const bytes = batch.frames.length === 1 ? batch.frames[0] : concat(batch.frames, batch.bytes);
    const recipients: string[] = [];
    for (const peer of this.#members) {
      if (peer !== batch.sender && this.#deliver(peer, bytes)) recipients.push(peer.nickname!);
    }
    const broadcasted = `Broadcasted: ${recipients.join(", ")}`;
    for (const received of batch.received) {
      this.#log(received);
      this.#log(broadcasted);
    }
    this.#reap();
  }

  #whisper(sender: Peer, message: PrivateRequest): void {
    const recipient = this.#byNickname.get(nicknameKey(message.to));
    if (recipient === undefined) {
      this.#send(sender, error(`No such user ${JSON.stringify(message.to)}`));
      return;
    }
    if (recipient === sender) {
      this.#send(sender, error("Cannot send a private message to yourself"));
      return;
    }
    if (!recipient.extensions.has("private")) {
      this.#send(
        sender,
        error(
          `User ${JSON.stringify(recipient.nickname)} cannot receive private messages: ` +
            "their client does not support them",
        ),
      );
      return;
    }
    const stamped = this.#stamp(message.timestamp);
    const frame = this.#fit(sender, {
      type: "private",
      nickname: sender.nickname!,
      message: message.message,
      timestamp: stamped.timestamp,
    });
    if (frame === undefined) return;
    this.#log(
      `${formatDateTime(stamped.date)} :: ${sender.nickname}: private message to ` +
        `${recipient.nickname}, Msg-Size:${utf8ByteLength(message.message)}`,
    );
    this.#deliver(recipient, frame);
  }

  #roomChat(sender: Peer, message: RoomRequest): void {
    const room = this.#rooms.get(message.room);
    if (room === undefined || !room.members.has(sender)) {
      this.#send(
        sender,
        error(
          room === undefined
            ? `No such room ${JSON.stringify(message.room)}`
            : `Not in room ${JSON.stringify(room.name)}: join it first`,
        ),
      );
      return;
    }
    const stamped = this.#stamp(message.timestamp);
    const frame = this.#fit(sender, {
      type: "room",
      room: room.name,
      nickname: sender.nickname!,
      message: message.message,
      timestamp: stamped.timestamp,
    });
    if (frame === undefined) return;
    const recipients: string[] = [];
    for (const peer of room.members) {
      if (peer !== sender && this.#deliver(peer, frame)) recipients.push(peer.nickname!);
    }
    this.#log(
      `${formatDateTime(stamped.date)} :: ${sender.nickname}: message to ${room.name}, ` +
        `Msg-Size:${utf8ByteLength(message.message)}, delivered to: ${recipients.join(", ")}`,
    );
  }

  #join(peer: Peer, name: string): void {
    const problem = roomProblem(name);
    if (problem !== undefined) {
      this.#send(peer, error(problem));
      return;
    }
    const { room, already } = this.#rooms.join(name, peer);
    // Asking to join is understanding rooms, whatever the client announced.
    if (!peer.extensions.has("room")) peer.extensions = new Set([...peer.extensions, "room"]);
    const timestamp = this.#now().toISOString();
    this.#send(peer, {
      type: "joined",
      nickname: peer.nickname!,
      room: room.name,
      members: [...room.members].map((member) => member.nickname!),
      timestamp,
    });
    if (already) return;
    this.#log(`${formatDateTime(this.#now())} :: ${peer.nickname}: joined ${room.name}.`);
    this.#notify(room.members, peer, {
      type: "joined",
      nickname: peer.nickname!,
      room: room.name,
      timestamp,
    });
  }

  #leave(peer: Peer, name: string): void {
    const room = this.#rooms.leave(name, peer);
    if (room === undefined) {
      this.#send(peer, error(`Not in room ${JSON.stringify(name)}`));
      return;
    }
    const notice: ServerMessage = {
      type: "left",
      nickname: peer.nickname!,
      room: room.name,
      timestamp: this.#now().toISOString(),
    };
    this.#send(peer, notice);
    this.#notify(room.members, peer, notice);
    this.#log(`${formatDateTime(this.#now())} :: ${peer.nickname}: left ${room.name}.`);
  }

  #rename(peer: Peer, nickname: string): void {
    const problem = this.#nicknameProblem(nickname, peer);
    if (problem !== undefined) {
      this.#send(peer, error(problem));
      return;
    }
    const old = peer.nickname!;
    this.#byNickname.delete(nicknameKey(old));
    this.#byNickname.set(nicknameKey(nickname), peer);
    peer.nickname = nickname;
    const notice: ServerMessage = {
      type: "nick",
      old,
      nickname,
      timestamp: this.#now().toISOString(),
    };
    this.#send(peer, notice);
    this.#notify(this.#members, peer, notice);
    this.#log(`${formatDateTime(this.#now())} :: ${old}: changed nickname to ${nickname}.`);
  }

  #list(peer: Peer): void {
    const names = (members: Iterable<Peer>) => [...members].map((member) => member.nickname!);
    this.#send(peer, {
      type: "list",
      users: names(this.#members),
      rooms: this.#rooms.list().map((room) => ({ room: room.name, members: names(room.members) })),
    });
  }

  // -------------------------------------------------------------------------
  // Delivery

  /** The message's own time when it gives a readable one, else now; and what to relay. */
  #stamp(timestamp: string | undefined): { date: Date; timestamp: string } {
    const sentAt = parseTimestamp(timestamp);
    return sentAt === undefined
      ? { date: this.#now(), timestamp: this.#now().toISOString() }
      : { date: sentAt, timestamp: timestamp! };
  }

  /** Encodes a message to relay, or tells the sender it is too long for clients to take. */
  #fit(sender: Peer, message: ServerMessage): Uint8Array | undefined {
    const frame = encodeMessage(message);
    // What clients accept is the protocol's limit, whatever this server takes in.
    if (frame.length - 1 <= MAX_FRAME_BYTES) return frame;
    this.#send(sender, error(`Message too long: a frame may take ${MAX_FRAME_BYTES} bytes`));
    return undefined;
  }

  /** Queues a relayed frame for `peer`, noting congestion; false when its outbox is full. */
  #deliver(peer: Peer, frame: Uint8Array): boolean {
    if (!peer.outbox.enqueue(frame)) {
      this.#markDead(
        peer,
        "removed (too slow to keep up)",
        error(
          `Send queue exceeded: more than ${this.#limits.sendqBytes} bytes waiting; disconnecting`,
        ),
      );
      return false;
    }
    if (peer.outbox.queuedBytes > this.#highWater) this.#noteCongestion(peer);
    return true;
  }

  /** Sends `notice` to those of `peers` (other than `about`) that understand its type. */
  #notify(peers: Iterable<Peer>, about: Peer, notice: ServerMessage): void {
    let frame: Uint8Array | undefined;
    for (const peer of peers) {
      if (peer === about || !peer.extensions.has(notice.type)) continue;
      frame ??= encodeMessage(notice);
      this.#deliver(peer, frame);
    }
  }

  /** Queues a reply for `peer`; a full outbox marks the peer dead. */
  #send(peer: Peer, message: ServerMessage): void {
    this.#deliver(peer, encodeMessage(message));
  }

  /** Notes a recipient whose outbox has passed the high-water mark. */
  #noteCongestion(peer: Peer): void {
    if (this.#congested.has(peer)) return;
    const drained = peer.outbox.waitBelow(this.#highWater / 2).then(() => {
      this.#congested.delete(peer);
    });
    this.#congested.set(peer, { since: Date.now(), drained });
  }

  // -------------------------------------------------------------------------
  // Departures

  #markDead(peer: Peer, reason: string, lastWord?: ServerMessage): void {
    if (peer.closing || this.#dead.has(peer)) return;
    this.#dead.set(peer, { reason, lastWord: peer.outbox.failed ? undefined : lastWord });
  }

  /** Disconnects `peer`, then those found dead while telling the others. */
  #drop(peer: Peer, reason: string, lastWord?: ServerMessage | Uint8Array): void {
    this.#disconnect(peer, reason, lastWord);
    this.#reap();
  }

  /** Removes the clients found dead, after the loop that found them. */
  #reap(): void {
    for (const [peer, { reason, lastWord }] of this.#dead) {
      this.#disconnect(peer, reason, lastWord);
    }
    this.#dead.clear();
  }

  /** Drops connections whose writes have stalled and those that never registered in time. */
  #sweep(): void {
    const now = Date.now();
    const { writeTimeoutMs, registerTimeoutMs } = this.#limits;
    for (const peer of this.#peers) {
      if (peer.outbox.stalledFor(now) > writeTimeoutMs) {
        this.#markDead(peer, "removed (stopped reading)");
      } else if (peer.nickname === undefined && now - peer.connectedAt > registerTimeoutMs) {
        const why = `Registration timeout: no "nickname" message within ${
          registerTimeoutMs / 1000
        } s`;
        this.#markDead(peer, why, error(why));
      }
    }
    this.#reap();
  }

  /**
   * Removes `peer` (once): out of its rooms, the others told who left and why (`reason`), its
   * departure logged, and its connection closed after `lastWord`.
   */
  #disconnect(peer: Peer, reason: string, lastWord?: ServerMessage | Uint8Array): void {
    if (peer.closing) return;
    // What was relayed before this departure reaches everyone, the leaver included.
    this.#flushBatch();
    peer.closing = true;
    this.#peers.delete(peer);
    this.#dead.delete(peer);
    this.#congested.delete(peer);
    const count = (this.#perIp.get(peer.ip) ?? 1) - 1;
    if (count > 0) this.#perIp.set(peer.ip, count);
    else this.#perIp.delete(peer.ip);
    if (peer.nickname !== undefined) {
      this.#members.delete(peer);
      this.#byNickname.delete(nicknameKey(peer.nickname));
      this.#rooms.leaveAll(peer);
      const now = this.#now();
      this.#log(`${formatDateTime(now)} :: ${peer.nickname}: disconnected.`);
      if (!this.#stopping) {
        this.#notify(this.#members, peer, {
          type: "left",
          nickname: peer.nickname,
          reason,
          timestamp: now.toISOString(),
        });
      }
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
