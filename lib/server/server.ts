/**
 * The chat server's edge: it accepts connections, tells which wire each speaks, hands what
 * they ask to the chat core (`core/chat.ts`) and delivers what the core sends, each message
 * encoded once per wire in use, within the limits of `limits.ts`.
 *
 * Each connection has an outbox (the "sendq") that delivering only appends to, and one writer
 * loop; a client whose outbox passes its cap, or whose writes stall, is dropped without anyone
 * else waiting. Clients found dead during a loop over clients are removed after that loop.
 *
 * @module
 */

import { MAX_FRAME_BYTES, type ServerMessage } from "../../protocol.ts";
import { Accounts } from "../accounts/accounts.ts";
import { concat } from "../common/bytes.ts";
import { ChatCore } from "../core/chat.ts";
import { Transfers } from "../files/transfers.ts";
import { KeyDirectory } from "../e2e/key_directory.ts";
import type { Outbound } from "../core/types.ts";
import { formatDateTime } from "../common/text.ts";
import type { FrameEvent } from "../protocol/frame_reader.ts";
import type { ServerLimits } from "./limits.ts";
import type { ByteConn } from "../net/conn.ts";
import { type FrameHandler, Peer } from "./peer.ts";
import { rateVerdict } from "./rate_limiter.ts";
import { ClusterBus } from "../cluster/cluster_bus.ts";
import type { ClusterNode } from "../cluster/cluster_node.ts";
import type { RemoteMember } from "../cluster/remote_member.ts";
import type { Store } from "../store/store.ts";
import { httpRefusal } from "../wire/sniff.ts";
import type { Wire } from "../wire/wire.ts";
import { WIRES } from "../wire/wires.ts";

/** Who the core knows: this node's connections, and in a cluster the users of other nodes. */
type ChatMember = Peer | RemoteMember;

/** How long a closing connection gets to flush its last message, in milliseconds. */
export const CLOSE_GRACE_MS = 2000;
/** Longest pause of the accept loop after an accept error, in milliseconds. */
const MAX_ACCEPT_BACKOFF_MS = 1000;
/** Most bytes queued for a recipient before senders wait for it (capped at a quarter sendq). */
export const HIGH_WATER_BYTES = 256 * 1024;
/**
 * How long a congested recipient may go without any write progress before it stops holding
 * senders back (ms): then it has stopped reading, and its sendq decides its fate. One that
 * reads, however slowly, holds senders back for as long as it needs.
 */
export const STALLED_RECIPIENT_MS = 2000;
/**
 * How many times its sendq a recipient that is reading may have queued, when many senders that
 * passed before it grew congested each add a frame at once.
 */
export const OVERFLOW_FACTOR = 4;
/**
 * How long a refused connection may take to show which wire it speaks, so that it is told why
 * in words it can read (ms); after that it is told in JSON.
 */
export const REFUSAL_WAIT_MS = 1000;
/** Most refused connections waiting to show their wire; past it, refusals go out at once. */
export const MAX_REFUSALS_WAITING = 256;

/** How a server is set up. */
export interface ChatServerOptions {
  limits: ServerLimits;
  /** Where console lines go. */
  log: (line: string) => void;
  /** The wall clock, for the times printed and sent. */
  now?: () => Date;
  /** Where accounts, offline messages and history are kept; none: the server has no accounts. */
  store?: Store;
  /** The cluster this server is a node of: nicknames are claimed there, users of every node met. */
  cluster?: ClusterNode;
}

/** A snapshot of the server's load. */
export interface ServerStats {
  connections: number;
  registered: number;
}

/** What ends a JSON frame passed on as it came. */
const NEWLINE = new Uint8Array([0x0a]);

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
  readonly #bus: ClusterBus<Peer> | undefined;
  readonly #core: ChatCore<ChatMember>;
  readonly #accounts: Accounts<ChatMember> | undefined;
  readonly #transfers: Transfers<ChatMember>;
  readonly #keys: KeyDirectory<ChatMember>;
  /** Every open connection that was let in. */
  readonly #peers = new Set<Peer>();
  /** Open connections per remote address. */
  readonly #perIp = new Map<string, number>();
  /** Refused connections waiting to show their wire, with the timer that gives up waiting. */
  readonly #refusing = new Map<Peer, ReturnType<typeof setTimeout>>();
  /** Clients found dead while looping over clients, with their last word, removed after. */
  readonly #dead = new Map<Peer, { lastWord?: Uint8Array; reason: string }>();
  /** Recipients over the high-water mark: since when, and the moment they drain. */
  readonly #congested = new Map<Peer, Promise<void>>();
  /** The turn of the last sender woken from waiting for room (see `#nextTurn`). */
  #turns: Promise<void> = Promise.resolve();
  readonly #highWater: number;
  /** What a recipient that is reading may have queued at most (see `#enqueue`). */
  readonly #overflowCap: number;
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
    this.#overflowCap = options.limits.sendqBytes * OVERFLOW_FACTOR;
    this.#bus = options.cluster && new ClusterBus<Peer>({
      node: options.cluster,
      handle: (peer, command) => this.#core.handle(peer, command),
      inner: this.#outbound,
      afterDelivery: () => this.#reap(),
      log: this.#log,
      features: () => ({ keys: this.#keys, transfers: this.#transfers, accounts: this.#accounts }),
    });
    // Without a cluster no member of another node exists: this node's own delivery serves all.
    const out = this.#bus?.outbound ?? (this.#outbound as Outbound<ChatMember>);
    this.#accounts = options.store && new Accounts({
      store: options.store,
      out,
      log: this.#log,
      now: this.#now,
      historyMax: this.#limits.historyMax,
      replyBytes: this.#limits.sendqBytes / 4,
      onRegistered: (member) => this.#keys.registered(member),
      onChanged: (key, nickname) => this.#bus?.accountChanged(key, nickname),
    });
    this.#core = new ChatCore<ChatMember>({
      out,
      log: this.#log,
      now: this.#now,
      accounts: this.#accounts,
      observer: this.#bus?.observer,
    });
    this.#accounts?.attach(this.#bus?.chatFor(this.#core) ?? this.#core);
    this.#keys = new KeyDirectory<ChatMember>({
      out,
      published: (member, bundle) => this.#bus?.keysPublished(member, bundle),
      find: (nickname) => this.#core.find(nickname),
      store: options.store,
      log: this.#log,
    });
    this.#transfers = new Transfers({
      out,
      chat: {
        find: (nickname) => this.#core.find(nickname),
        isAccount: (nickname) => this.#accounts?.isAccount(nickname) ?? false,
      },
      log: this.#log,
      now: this.#now,
      maxFileBytes: this.#limits.maxFileBytes,
      maxTransfers: this.#limits.maxTransfers,
    });
  }

  /** Accepts and serves connections until `shutdown` is called. */
  async serve(): Promise<void> {
    const { writeTimeoutMs, registerTimeoutMs } = this.#limits;
    const period = Math.max(50, Math.min(1000, Math.min(writeTimeoutMs, registerTimeoutMs) / 4));
    await this.#accounts?.load();
    await this.#bus?.start(this.#core);
    this.#sweepTimer = setInterval(() => this.#sweep(), period);
    await Promise.all(this.#listeners.map((listener) => this.#accept(listener)));
  }

  /** How many connections and registered clients there are. */
  stats(): ServerStats {
    return { connections: this.#peers.size, registered: this.#core.size };
  }

  /** Stops accepting, tells every client the server is going, and closes every connection. */
  async shutdown(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#sweepTimer);
    this.#bus?.stop();
    for (const listener of this.#listeners) {
      try {
        listener.close();
      } catch {
        // Already closed.
      }
    }
    for (const peer of [...this.#refusing.keys()]) this.#sendRefusal(peer);
    const notice: ServerMessage = {
      type: "shutdown",
      message: "Server is shutting down",
      timestamp: this.#now().toISOString(),
    };
    // Encoded once per wire.
    const lastWords = new Map(Object.values(WIRES).map((wire) => [wire, wire.encode([notice])]));
    for (const peer of [...this.#peers]) {
      this.#disconnect(peer, LEFT_AT_SHUTDOWN, lastWords.get(peer.wire));
    }
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

  /** Serves a connection that came from elsewhere (a WebSocket from the web server). */
  adopt(conn: ByteConn): void {
    if (this.#stopping) {
      conn.close();
      return;
    }
    this.#serveConnection(conn);
  }

  #serveConnection(conn: ByteConn): void {
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
      this.#refuse(peer, refusal);
      return;
    }
    this.#peers.add(peer);
    this.#perIp.set(peer.ip, (this.#perIp.get(peer.ip) ?? 0) + 1);
    peer.read(this.#handler);
  }

  /** What every connection's read loop calls (one object, so a connection costs no closures). */
  readonly #handler: FrameHandler = {
    beforeFrame: (peer, bytes) => this.#beforeFrame(peer, bytes),
    handle: (peer, event) => this.#onFrame(peer, event),
    afterChunk: () => {
      this.#core.flush();
      this.#reap();
    },
    identified: (peer) => {
      if (peer.refusal !== undefined) this.#sendRefusal(peer);
    },
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

  /**
   * Turns a connection away: it is told why in its own wire once its first bytes show which
   * (a client that sends nothing is told in JSON after `REFUSAL_WAIT_MS`), then closed.
   */
  #refuse(peer: Peer, refusal: string): void {
    this.#log(`${formatDateTime(this.#now())} :: refused ${peer.name}: ${refusal}`);
    peer.refusal = refusal;
    if (this.#refusing.size >= MAX_REFUSALS_WAITING) {
      this.#close(peer, peer.wire.encodeError(refusal));
      return;
    }
    this.#refusing.set(peer, setTimeout(() => this.#sendRefusal(peer), REFUSAL_WAIT_MS));
    peer.read(this.#handler);
  }

  #sendRefusal(peer: Peer): void {
    clearTimeout(this.#refusing.get(peer));
    this.#refusing.delete(peer);
    if (!peer.closing) this.#close(peer, peer.wire.encodeError(peer.refusal!));
  }

  // -------------------------------------------------------------------------
  // Flow control

  /** What a sender waits for before its next frame: the rate limit, then congested recipients. */
  #beforeFrame(peer: Peer, bytes: number): Promise<void> | undefined {
    const claim = this.#bus?.claims.pending(peer);
    if (claim !== undefined) return claim.then(() => this.#beforeFrame(peer, bytes));
    const pause = this.#ratePause(peer, bytes);
    if (pause > 0) {
      const slept = new Promise<void>((resolve) => setTimeout(resolve, pause));
      return this.#congested.size === 0 ? slept : slept.then(() => this.#room());
    }
    return this.#congested.size === 0 ? undefined : this.#room();
  }

  /**
   * Waits while any recipient that is reading is over the high-water mark, so that senders go
   * at the pace of their slowest reader instead of overflowing its outbox. A recipient whose
   * writes have made no progress for `STALLED_RECIPIENT_MS` no longer holds anyone back: it has
   * stopped reading, and its sendq decides its fate.
   */
  async #room(): Promise<void> {
    while (true) {
      const now = Date.now();
      const waits: Promise<void>[] = [];
      let stalledIn = Infinity;
      for (const [peer, drained] of this.#congested) {
        const left = STALLED_RECIPIENT_MS - peer.outbox.stalledFor(now);
        if (left <= 0) continue;
        waits.push(drained);
        stalledIn = Math.min(stalledIn, left);
      }
      if (waits.length === 0) return;
      // Woken when they have all drained, or when one of them may have stalled.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<void>((resolve) => timer = setTimeout(resolve, stalledIn));
      await Promise.race([Promise.all(waits), stalled]);
      clearTimeout(timer);
      await this.#nextTurn();
    }
  }

  /**
   * Lets senders woken together go one at a time, each after the one before has delivered its
   * frame (a turn of the event loop later), so that each sees the congestion the others made
   * instead of all of them adding a frame to every outbox at once.
   */
  #nextTurn(): Promise<void> {
    const previous = this.#turns;
    let done: () => void = () => {};
    this.#turns = new Promise<void>((resolve) => done = resolve);
    return previous.then(() => {
      setTimeout(done, 0);
    });
  }

  /** Applies the rate limit: milliseconds to wait, warning or dropping a flooder. */
  #ratePause(peer: Peer, bytes: number): number {
    const verdict = rateVerdict(peer, bytes, this.#limits, peer.warnedOfRate);
    if ("flood" in verdict) {
      this.#drop(peer, `removed (${verdict.flood})`, peer.wire.encodeError(verdict.flood));
      return 0;
    }
    if (verdict.warning !== undefined) {
      peer.warnedOfRate = true;
      this.#outbound.refuse(peer, verdict.warning);
    }
    return verdict.wait;
  }

  /** Notes a recipient whose outbox has passed the high-water mark. */
  #noteCongestion(peer: Peer): void {
    if (this.#congested.has(peer)) return;
    const drained = peer.outbox.waitBelow(this.#highWater / 2).then(() => {
      this.#congested.delete(peer);
    });
    this.#congested.set(peer, drained);
  }

  // -------------------------------------------------------------------------
  // Frames in, deliveries out

  #onFrame(peer: Peer, event: FrameEvent): void {
    if (event.kind === "oversize") {
      const why = `Frame too long: the limit is ${event.limit} bytes`;
      this.#drop(peer, `removed (${why})`, peer.wire.encodeError(why));
      return;
    }
    const command = peer.wire.decode(event.bytes, peer.nickname !== undefined);
    if (command === undefined) return;
    if (command.kind === "disconnect") {
      const goodbye = peer.wire.encode([{ type: "goodbye", timestamp: this.#now().toISOString() }]);
      this.#disconnect(peer, LEFT_BY_REQUEST, goodbye);
    } else if (
      command.kind === "login" || command.kind === "account" || command.kind === "history" ||
      command.kind === "ack"
    ) {
      // What this sender said before goes out first.
      this.#core.flush();
      if (this.#accounts !== undefined) this.#accounts.handle(peer, command);
      else this.#outbound.refuse(peer, "This server keeps no accounts or history");
    } else if (command.kind === "keys") {
      this.#core.flush();
      this.#keys.handle(peer, command);
    } else if (command.kind === "transfer") {
      this.#core.flush();
      // A JSON frame is passed on as it came (copied, as its bytes are the read buffer's).
      const frame = peer.wire === WIRES.json ? event.bytes : undefined;
      // A file offered from another node of a cluster is that node's to run.
      const done = this.#bus?.forwardTransfer(peer, command.request) ||
        this.#transfers.handle(peer, command.request, frame);
      // File data and its acknowledgements, when taken, do not count against the chat rate.
      const type = command.request.type;
      if (done && (type === "chunk" || type === "received")) {
        peer.limiter?.refund();
        peer.byteLimiter?.refund(event.bytes.length);
      }
    } else if (
      this.#bus !== undefined && (command.kind === "register" || command.kind === "nick")
    ) {
      this.#core.flush();
      this.#bus.claims.handle(peer, command);
    } else {
      this.#core.handle(peer, command);
    }
    this.#reap();
  }

  /** What the core delivers through. */
  readonly #outbound: Outbound<Peer> = {
    deliver: (recipients, messages) => {
      const accepted: Peer[] = [];
      // Recipients mostly speak one wire: the encodings of the others are kept aside.
      let wire: Wire | undefined;
      let bytes: Uint8Array | undefined;
      let others: { wire: Wire; bytes: Uint8Array | undefined }[] | undefined;
      for (const peer of recipients) {
        if (peer.wire !== wire) {
          if (wire !== undefined && !others?.some((other) => other.wire === wire)) {
            (others ??= []).push({ wire, bytes });
          }
          wire = peer.wire;
          const seen = others?.find((other) => other.wire === wire);
          bytes = seen === undefined ? wire.encode(messages) : seen.bytes;
        }
        if (bytes !== undefined && this.#enqueue(peer, bytes)) accepted.push(peer);
      }
      return accepted;
    },
    refuse: (peer, message, reason) => {
      this.#enqueue(peer, peer.wire.encodeError(message, reason));
    },
    bulk: (peer, message, frame) => {
      const bytes = frame !== undefined && peer.wire === WIRES.json
        ? concat([frame, NEWLINE], frame.length + 1)
        : peer.wire.encode([message]);
      return bytes !== undefined && peer.outbox.enqueueBulk(bytes);
    },
    tooLong: (message) => tooLong(message),
  };

  /** Queues bytes for `peer`, noting congestion; false (and `peer` marked dead) when full. */
  #enqueue(peer: Peer, bytes: Uint8Array): boolean {
    // Senders that passed before a recipient grew congested may each add a frame: a recipient
    // that is reading takes them past its sendq, up to the overflow cap; only one that has
    // stopped reading is cut at its sendq.
    // (The clock is read only past the sendq: this is the broadcast loop.)
    if (
      !peer.outbox.enqueue(bytes) &&
      !(peer.outbox.stalledFor() < STALLED_RECIPIENT_MS &&
        peer.outbox.enqueue(bytes, this.#overflowCap))
    ) {
      const why = `Send queue exceeded: more than ${this.#limits.sendqBytes} bytes waiting; ` +
        "disconnecting";
      this.#markDead(peer, "removed (too slow to keep up)", peer.wire.encodeError(why));
      return false;
    }
    if (peer.outbox.queuedBytes > this.#highWater) this.#noteCongestion(peer);
    return true;
  }

  // -------------------------------------------------------------------------
  // Departures

  #markDead(peer: Peer, reason: string, lastWord?: Uint8Array): void {
    if (peer.closing || this.#dead.has(peer)) return;
    this.#dead.set(peer, { reason, lastWord: peer.outbox.failed ? undefined : lastWord });
  }

  /** Disconnects `peer`, then those found dead while telling the others. */
  #drop(peer: Peer, reason: string, lastWord?: Uint8Array): void {
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
        const why = `Registration timeout: not registered within ${registerTimeoutMs / 1000} s`;
        this.#markDead(peer, why, peer.wire.encodeError(why));
      }
    }
    this.#reap();
  }

  /**
   * Removes `peer` (once): out of the chat, the others told who left and why (`reason`), and
   * its connection closed after `lastWord`.
   */
  #disconnect(peer: Peer, reason: string, lastWord?: Uint8Array): void {
    if (peer.closing) return;
    this.#core.leave(peer, reason, !this.#stopping);
    this.#bus?.claims.left(peer);
    this.#transfers.left(peer);
    this.#keys.left(peer);
    this.#dead.delete(peer);
    this.#congested.delete(peer);
    clearTimeout(this.#refusing.get(peer));
    this.#refusing.delete(peer);
    if (this.#peers.delete(peer)) {
      const count = (this.#perIp.get(peer.ip) ?? 1) - 1;
      if (count > 0) this.#perIp.set(peer.ip, count);
      else this.#perIp.delete(peer.ip);
    }
    this.#close(peer, lastWord);
  }

  /** Closes `peer`'s connection after `lastWord`, keeping track until it is closed. */
  #close(peer: Peer, lastWord?: Uint8Array): void {
    peer.closing = true;
    const closed = peer.close(lastWord, CLOSE_GRACE_MS);
    this.#closing.add(closed);
    closed.finally(() => this.#closing.delete(closed));
  }
}

/** The frame limit `message` would pass on some wire, or undefined when every wire takes it. */
function tooLong(message: ServerMessage): number | undefined {
  // JSON writes a UTF-16 unit in at most 6 bytes; the other fields are short: most messages
  // are far from the limit, and need no trial encoding.
  const text = "message" in message ? message.message ?? "" : "";
  if (text.length * 6 + 1024 < MAX_FRAME_BYTES) {
    return undefined;
  }
  for (const wire of Object.values(WIRES)) {
    const bytes = wire.encode([message]);
    // What clients accept is the protocol's limit, whatever this server takes in.
    if (bytes !== undefined && bytes.length - 1 > MAX_FRAME_BYTES) return MAX_FRAME_BYTES;
  }
  return undefined;
}

/** Whether `ip` is a loopback address (127.0.0.0/8 or ::1, also IPv4-mapped). */
export function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1" || ip.startsWith("::ffff:127.");
}
