/**
 * The chat server's edge: it accepts connections (within `admission.ts`'s caps), tells which
 * wire each speaks, hands what they ask to the chat core (`core/chat.ts`) and its features, and
 * delivers what they send (`delivery.ts`, each message encoded once per wire in use), with the
 * flow control of `flow_control.ts` and the limits of `limits.ts`.
 *
 * Each connection has an outbox (the "sendq") that delivering only appends to, and one writer
 * loop; a client whose outbox passes its cap, or whose writes stall, is dropped without anyone
 * else waiting. Clients found dead during a loop over clients are removed after that loop.
 *
 * It runs past 450 lines because every kind of command is handed to its feature in one place
 * (`#dispatch`, for frames of every wire and for what the IRC listener hands on), with the server
 * bans checked there and at accept (`operators/`), so that who handles what, and in which order,
 * reads in one method; and because every departure is counted there by its reason, for the
 * metrics (`metrics/`), which read the server's snapshot (`#snapshot`) when scraped. The IRC
 * listener is set up in `irc_setup.ts`.
 *
 * @module
 */

import type { ServerMessage } from "../../protocol.ts";
import { Accounts } from "../accounts/accounts.ts";
import { RoomRules } from "../rooms/room_rules.ts";
import { ChatCore } from "../core/chat.ts";
import { Transfers } from "../files/transfers.ts";
import { KeyDirectory } from "../e2e/key_directory.ts";
import { Operators } from "../operators/operators.ts";
import type { Outbound } from "../core/types.ts";
import type { Log } from "../common/log_event.ts";
import type { FrameEvent } from "../protocol/frame_reader.ts";
import { MAX_CONNECTIONS_PER_ACCOUNT, type ServerLimits } from "./limits.ts";
import type { ByteConn } from "../net/conn.ts";
import { type FrameHandler, Peer } from "./peer.ts";
import { ClusterBus } from "../cluster/cluster_bus.ts";
import type { ClusterNode } from "../cluster/cluster_node.ts";
import type { RemoteMember } from "../cluster/remote_member.ts";
import type { Store } from "../store/store.ts";
import { httpRefusal } from "../wire/sniff.ts";
import { WIRES } from "../wire/wires.ts";
import { Admission, BOTH_CAPS, type Caps } from "./admission.ts";
import { peerDelivery } from "./delivery.ts";
import { FlowControl } from "./flow_control.ts";
import type { IrcEdge } from "../irc/irc_edge.ts";
import type { Command } from "../core/types.ts";
import { ircEdge, type IrcSettings } from "./irc_setup.ts";
import { ACCEPT_FAILED, REFUSED } from "./server_events.ts";
import {
  ChatMetrics,
  type DisconnectReason,
  type ServerSnapshot,
  type WireLabel,
} from "../metrics/chat_metrics.ts";
import { Registry } from "../metrics/registry.ts";
import { WebSocketConn } from "../web/websocket_conn.ts";

/** Who the core knows: this node's connections, and in a cluster the users of other nodes. */
type ChatMember = Peer | RemoteMember;

/** How long a closing connection gets to flush its last message, in milliseconds. */
export const CLOSE_GRACE_MS = 2000;
/** Longest pause of the accept loop after an accept error, in milliseconds. */
const MAX_ACCEPT_BACKOFF_MS = 1000;
/**
 * How long a refused connection may take to show which wire it speaks, so that it is told why
 * in words it can read (ms); after that it is told in JSON.
 */
export const REFUSAL_WAIT_MS = 1000;
/** Most refused connections waiting to show their wire; past it, refusals go out at once. */
export const MAX_REFUSALS_WAITING = 256;

/** How a server is set up. */
export interface ChatServerOptions {
  /** The limits every connection is held to. */
  limits: ServerLimits;
  /** Where console events go. */
  log: Log;
  /** The wall clock, for the times printed and sent. */
  now?: () => Date;
  /** Where accounts, offline messages and history are kept; none: the server has no accounts. */
  store?: Store;
  /** The cluster this server is a node of: nicknames are claimed there, users of every node met. */
  cluster?: ClusterNode;
  /** This chat's id (the store's `chatId()`), sent in `welcome` and login prompts. */
  chat?: string;
  /** The operator accounts' nicknames (`--operator`): operators while logged in. */
  operators?: readonly string[];
  /** The IRC listener, when there is one: its ports' listeners and its settings. */
  irc?: IrcSettings;
  /** Where the server counts what happens and is read when scraped; none: counted unread. */
  metrics?: ChatMetrics;
}

export type { IrcSettings };

/** A snapshot of the server's load. */
export interface ServerStats {
  /** Open connections that were let in, registered or not. */
  connections: number;
  /** Registered clients (of every node, in a cluster). */
  registered: number;
}

/** Where a server is in its life: loading what it keeps, taking clients, or shutting down. */
export type ServerPhase = "starting" | "serving" | "stopping";

/** Counts of a web connection: the cap in all alone, the cap per address alone, neither. */
const TOTAL_CAP: Readonly<Caps> = { total: true, perIp: false };
const PER_IP_CAP: Readonly<Caps> = { total: false, perIp: true };
const NO_CAP: Readonly<Caps> = { total: false, perIp: false };

/** Why a client left, as the others are told. */
const LEFT_BY_REQUEST = "disconnected";
const LEFT_BY_ACCIDENT = "connection lost";
const LEFT_AT_SHUTDOWN = "server shutting down";

/** A chat server on one or more listeners. */
export class ChatServer {
  readonly #listeners: Deno.Listener[];
  readonly #limits: ServerLimits;
  readonly #log: Log;
  readonly #now: () => Date;
  readonly #bus: ClusterBus<Peer> | undefined;
  /** Private messages waiting for their recipient to be known here, by sender (`#whisperLater`). */
  readonly #arrivals = new Map<Peer, Promise<void>>();
  readonly #node: ClusterNode | undefined;
  readonly #core: ChatCore<ChatMember>;
  readonly #accounts: Accounts<ChatMember> | undefined;
  readonly #rooms: RoomRules<ChatMember>;
  readonly #transfers: Transfers<ChatMember>;
  readonly #keys: KeyDirectory<ChatMember>;
  readonly #operators: Operators<ChatMember>;
  readonly #irc: IrcEdge<ChatMember> | undefined;
  readonly #ircListeners: Deno.Listener[];
  /** Every open connection that was let in. */
  readonly #peers = new Set<Peer>();
  /** The caps each connection counts toward here, when not both (a WebSocket's, adopted). */
  readonly #caps = new WeakMap<Peer, Readonly<Caps>>();
  readonly #admission: Admission;
  readonly #flow: FlowControl;
  /** What the core delivers through, to this node's connections. */
  readonly #outbound: Outbound<Peer>;
  /** Refused connections waiting to show their wire, with the timer that gives up waiting. */
  readonly #refusing = new Map<Peer, ReturnType<typeof setTimeout>>();
  /** Clients found dead while looping over clients, with their last word, removed after. */
  readonly #dead = new Map<
    Peer,
    { lastWord?: Uint8Array; reason: string; why: DisconnectReason }
  >();
  readonly #metrics: ChatMetrics;
  /** Connections being closed. */
  readonly #closing = new Set<Promise<void>>();
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #serving = false;
  #stopping = false;

  /** Creates a server that accepts connections from `listeners`. */
  constructor(listeners: Deno.Listener[], options: ChatServerOptions) {
    this.#listeners = listeners;
    this.#limits = options.limits;
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
    const metrics = this.#metrics = options.metrics ??
      new ChatMetrics(new Registry(), { version: "" });
    this.#admission = new Admission(options.limits);
    this.#flow = new FlowControl(options.limits, {
      drop: (peer, reason, lastWord) => this.#drop(peer, reason, "flood", lastWord),
      markDead: (peer, reason, lastWord) => this.#markDead(peer, reason, "sendq_full", lastWord),
      // A warning, not a refusal: written as an error, but not counted as one.
      warn: (peer, warning) => {
        const bytes = peer.wire.encodeError(warning, undefined, peer);
        if (bytes.length > 0) this.#flow.enqueue(peer, bytes);
      },
    }, { throttled: metrics.throttled, delayed: metrics.delayedFrames });
    this.#outbound = peerDelivery(this.#flow, metrics);
    this.#node = options.cluster;
    this.#bus = options.cluster && new ClusterBus<Peer>({
      node: options.cluster,
      handle: (peer, command) => this.#core.handle(peer, command),
      inner: this.#outbound,
      afterDelivery: () => this.#reap(),
      hold: (peer, until) => peer.outbox.hold(until),
      log: this.#log,
      features: () => ({
        keys: this.#keys,
        transfers: this.#transfers,
        accounts: this.#accounts,
        rooms: this.#rooms,
        operators: this.#operators,
      }),
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
      onChanged: (key, nickname) => {
        this.#bus?.accountChanged(key, nickname);
        // An account given up takes its rooms' memberships and roles along.
        if (nickname === undefined) this.#rooms.accountGone(key);
      },
      unregisterProblem: (key) => this.#rooms.unregisterProblem(key),
      chat: options.chat,
    });
    this.#core = new ChatCore<ChatMember>({
      out,
      log: this.#log,
      now: this.#now,
      accounts: this.#accounts,
      observer: this.#bus?.observer,
      connectionsPerAccount: MAX_CONNECTIONS_PER_ACCOUNT,
      chat: options.chat,
      isOperator: (user) => this.#operators.operates(user),
    });
    this.#operators = new Operators<ChatMember>({
      operators: options.operators ?? [],
      out,
      log: this.#log,
      now: this.#now,
      store: options.store,
      chat: this.#core,
      // Only this node's connections are disconnected here; another node's hear of it.
      disconnect: (peer, reason, lastWord) => {
        this.#markDead(peer as Peer, reason, "operator", (peer as Peer).wire.encode([lastWord]));
        queueMicrotask(() => this.#reap());
      },
      publish: this.#bus && ((news) => this.#bus!.operatorNews(news)),
      isAccount: (nickname) => this.#accounts?.isAccount(nickname) === true,
      checkPassword: this.#accounts &&
        ((peer, nickname, password) => this.#accounts!.checkPassword(peer, nickname, password)),
    });
    this.#accounts?.attach(this.#bus?.chatFor(this.#core) ?? this.#core);
    this.#rooms = new RoomRules<ChatMember>({
      out,
      store: options.store,
      log: this.#log,
      now: this.#now,
      isOperator: (user) => this.#operators.operates(user),
      accountName: (nickname) => this.#accounts?.accountName(nickname),
      publish: (key, data, leaver, invited) => this.#bus?.roomChanged(key, data, leaver, invited),
      replyBytes: this.#limits.sendqBytes / 4,
    });
    this.#rooms.attach(this.#core);
    this.#core.attachRooms(this.#rooms);
    this.#keys = new KeyDirectory<ChatMember>({
      out,
      published: (member, bundle) => this.#bus?.keysPublished(member, bundle),
      find: (nickname) => this.#core.find(nickname),
      connections: (user) => this.#core.connectionsOf(user),
      store: options.store,
      log: this.#log,
      now: () => this.#now().getTime(),
    });
    this.#ircListeners = options.irc?.listeners ?? [];
    this.#irc = options.irc && ircEdge(options.irc, {
      core: this.#core,
      rooms: this.#rooms,
      accounts: this.#accounts,
      operators: this.#operators,
      now: this.#now,
      dispatch: (peer, command) => {
        this.#dispatch(peer, command);
        this.#reap();
      },
      enqueue: (peer, bytes) => this.#flow.enqueue(peer, bytes),
      drop: (peer, reason, lastWord) => this.#drop(peer, reason, "error", lastWord),
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
      tallies: metrics.transfers,
    });
    metrics.watch(() => this.#snapshot(), this.#bus !== undefined);
  }

  /** Accepts and serves connections until `shutdown` is called. */
  async serve(): Promise<void> {
    const { writeTimeoutMs, registerTimeoutMs } = this.#limits;
    const period = Math.max(50, Math.min(1000, Math.min(writeTimeoutMs, registerTimeoutMs) / 4));
    await this.#accounts?.load();
    await this.#rooms.load();
    await this.#operators.load();
    await this.#bus?.start(this.#core);
    this.#sweepTimer = setInterval(() => this.#sweep(), period);
    this.#serving = true;
    await Promise.all([
      ...this.#listeners.map((listener) => this.#accept(listener, false)),
      ...this.#ircListeners.map((listener) => this.#accept(listener, true)),
    ]);
  }

  /** Where the server is in its life (what `/readyz` reads). */
  get phase(): ServerPhase {
    return this.#stopping ? "stopping" : this.#serving ? "serving" : "starting";
  }

  /** How many connections and registered clients there are. */
  stats(): ServerStats {
    return { connections: this.#peers.size, registered: this.#core.size };
  }

  /** What the metrics read when scraped (the outboxes' peak starts again). */
  #snapshot(): ServerSnapshot {
    const connections: Record<WireLabel, number> = { json: 0, chat1: 0, websocket: 0, irc: 0 };
    let queuedBytes = 0;
    for (const peer of this.#peers) {
      connections[this.#wireLabel(peer)]++;
      queuedBytes += peer.outbox.queuedBytes + peer.outbox.bulkBytes;
    }
    const node = this.#node;
    return {
      connections,
      users: this.#core.size,
      accounts: this.#accounts?.count ?? 0,
      rooms: this.#core.roomCount,
      queuedBytes,
      peakQueuedBytes: this.#flow.takePeak(),
      congested: this.#flow.congested,
      transfers: this.#transfers.size,
      cluster: node && {
        up: node.up,
        nodes: this.#bus!.nodesSeen,
        published: node.published,
        heard: this.#bus!.heard,
      },
    };
  }

  /** How `peer` speaks, as the metrics' `wire` label says it. */
  #wireLabel(peer: Peer): WireLabel {
    if (peer.conn instanceof WebSocketConn) return "websocket";
    if (this.#irc?.owns(peer)) return "irc";
    return peer.wire === WIRES.chat1 ? "chat1" : "json";
  }

  /** Stops accepting, tells every client the server is going, and closes every connection. */
  async shutdown(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#sweepTimer);
    this.#rooms.close();
    this.#operators.stop();
    this.#bus?.stop();
    for (const listener of [...this.#listeners, ...this.#ircListeners]) {
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
      // IRC's wires (one per set of capabilities) all say it alike.
      if (!lastWords.has(peer.wire)) lastWords.set(peer.wire, peer.wire.encode([notice]));
      this.#disconnect(peer, LEFT_AT_SHUTDOWN, "shutdown", lastWords.get(peer.wire));
    }
    while (this.#closing.size > 0) await Promise.all(this.#closing);
  }

  // -------------------------------------------------------------------------
  // Connections

  async #accept(listener: Deno.Listener, irc: boolean): Promise<void> {
    let backoff = 10;
    while (!this.#stopping) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (this.#stopping || error instanceof Deno.errors.BadResource) break;
        // Such as "too many open files": pause, then keep serving.
        this.#log(ACCEPT_FAILED.at(this.#now(), { error: (error as Error).message }));
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, MAX_ACCEPT_BACKOFF_MS);
        continue;
      }
      backoff = 10;
      this.#serveConnection(conn, irc);
    }
  }

  /**
   * Counts a connection of the web port from `ip` toward the caps, from its accept until
   * `release`: undefined once counted, or why it may not stay. `perIp: false` (a trusted proxy's
   * connection, which carries many clients) counts it toward `--max-clients` alone.
   */
  admit(ip: string, perIp: boolean): string | undefined {
    if (this.#stopping) return "Server shutting down";
    const caps = perIp ? BOTH_CAPS : TOTAL_CAP;
    const problem = this.#admission.problem(ip, caps);
    if (problem === undefined) this.#admission.opened(ip, caps);
    else this.#metrics.refusals[this.#admission.full ? "server_full" : "address_limit"].inc();
    return problem;
  }

  /** Counts out a connection of the web port that `admit` counted. */
  release(ip: string, perIp: boolean): void {
    this.#admission.closed(ip, perIp ? BOTH_CAPS : TOTAL_CAP);
  }

  /**
   * Serves a connection that came from elsewhere (a WebSocket from the web server), counted
   * toward the caps already (`admit`). `proxied`: it came through a trusted proxy and counts
   * toward `--max-per-ip` now, by the client's address the proxy gave, and is refused past it.
   */
  adopt(conn: ByteConn, proxied = false): void {
    if (this.#stopping) {
      conn.close();
      return;
    }
    this.#serveConnection(conn, false, proxied ? PER_IP_CAP : NO_CAP);
  }

  #serveConnection(conn: ByteConn, irc = false, caps: Readonly<Caps> = BOTH_CAPS): void {
    try {
      // Chat lines are small and latency matters more than packet count.
      (conn as Partial<Deno.TcpConn>).setNoDelay?.(true);
    } catch {
      // The peer is already gone; reading will tell.
    }
    // A failed write may be noticed inside a loop over clients: mark the peer, reap it after.
    const peer = new Peer(
      conn,
      this.#limits,
      () => {
        this.#markDead(peer, LEFT_BY_ACCIDENT, "closed");
        queueMicrotask(() => this.#reap());
      },
      irc ? this.#irc?.wire : undefined,
      this.#metrics.writtenBytes,
    );
    if (irc) this.#irc?.open(peer);
    const full = this.#admission.problem(peer.ip, caps);
    const refusal = full ?? this.#operators.addressProblem(peer.ip);
    if (refusal !== undefined) {
      const { refusals } = this.#metrics;
      const why = full === undefined
        ? "banned"
        : this.#admission.full
        ? "server_full"
        : "address_limit";
      refusals[why].inc();
      this.#refuse(peer, refusal);
      return;
    }
    this.#metrics.accepted.inc();
    this.#peers.add(peer);
    this.#admission.opened(peer.ip, caps);
    if (caps !== BOTH_CAPS) this.#caps.set(peer, caps);
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
      this.#drop(
        peer,
        LEFT_BY_ACCIDENT,
        "foreign",
        protocol === "http" ? httpRefusal() : undefined,
      );
    },
    ended: (peer) => this.#drop(peer, LEFT_BY_ACCIDENT, "closed"),
  };

  /**
   * Turns a connection away: it is told why in its own wire once its first bytes show which
   * (a client that sends nothing is told in JSON after `REFUSAL_WAIT_MS`), then closed.
   */
  #refuse(peer: Peer, refusal: string): void {
    this.#logRefused(peer, refusal);
    peer.refusal = refusal;
    if (this.#refusing.size >= MAX_REFUSALS_WAITING) {
      this.#close(peer, peer.wire.encodeError(refusal));
      return;
    }
    this.#refusing.set(peer, setTimeout(() => this.#sendRefusal(peer), REFUSAL_WAIT_MS));
    peer.read(this.#handler);
  }

  #logRefused(peer: Peer, reason: string): void {
    this.#log(REFUSED.at(this.#now(), {
      ip: peer.ip,
      port: peer.port,
      nickname: peer.nickname,
      reason,
    }));
  }

  #sendRefusal(peer: Peer): void {
    clearTimeout(this.#refusing.get(peer));
    this.#refusing.delete(peer);
    if (!peer.closing) this.#close(peer, peer.wire.encodeError(peer.refusal!));
  }

  // -------------------------------------------------------------------------
  // Flow control

  /**
   * What a sender waits for before its next frame: its nickname's claim, the recipient of its
   * private message (see `#whisper`), then flow control.
   */
  #beforeFrame(peer: Peer, bytes: number): Promise<void> | undefined {
    const claim = this.#bus?.claims.pending(peer) ?? this.#arrivals.get(peer);
    if (claim !== undefined) return claim.then(() => this.#beforeFrame(peer, bytes));
    return this.#flow.beforeFrame(peer, bytes);
  }

  // -------------------------------------------------------------------------
  // Frames in, deliveries out

  #onFrame(peer: Peer, event: FrameEvent): void {
    if (this.#irc?.owns(peer)) {
      // IRC reads its own lines (a long one is refused, not fatal), and hands on what it asks.
      this.#irc.frame(peer, event);
      this.#reap();
      return;
    }
    if (event.kind === "oversize") {
      const why = `Frame too long: the limit is ${event.limit} bytes`;
      this.#drop(peer, `removed (${why})`, "frame_too_long", peer.wire.encodeError(why));
      return;
    }
    const command = peer.wire.decode(event.bytes, peer.nickname !== undefined);
    if (command === undefined) return;
    this.#dispatch(peer, command, event.bytes);
    this.#reap();
  }

  /** Hands `command` of `peer` to the core or the feature it is for (`frame`: its bytes). */
  #dispatch(peer: Peer, command: Command, frame?: Uint8Array): void {
    this.#metrics.countCommand(command);
    if (command.kind === "register" || command.kind === "nick") {
      // A banned user (or address) is refused before its name is looked at any further.
      const banned = this.#operators.registrationProblem(command.nickname, peer.ip);
      if (banned !== undefined && command.kind === "register") {
        this.#core.flush();
        this.#logRefused(peer, banned);
        this.#metrics.refusals.banned.inc();
        this.#drop(peer, LEFT_BY_ACCIDENT, "banned", peer.wire.encodeError(banned));
        return;
      }
      if (banned !== undefined) {
        this.#core.flush();
        this.#outbound.refuse(peer, banned);
        return;
      }
    }
    if (command.kind === "disconnect") {
      const goodbye = peer.wire.encode([{ type: "goodbye", timestamp: this.#now().toISOString() }]);
      this.#disconnect(peer, command.reason ?? LEFT_BY_REQUEST, "quit", goodbye);
    } else if (
      command.kind === "login" || command.kind === "account" || command.kind === "history" ||
      command.kind === "ack"
    ) {
      // What this sender said before goes out first.
      this.#core.flush();
      if (this.#accounts !== undefined) this.#accounts.handle(peer, command);
      else this.#outbound.refuse(peer, "This server keeps no accounts or history");
    } else if (
      command.kind === "keys" || command.kind === "approve" || command.kind === "revoke" ||
      command.kind === "unread"
    ) {
      this.#core.flush();
      this.#keys.handle(peer, command);
    } else if (
      command.kind === "topic" || command.kind === "invite" || command.kind === "moderate" ||
      command.kind === "settings" || command.kind === "bans"
    ) {
      this.#rooms.handle(peer, command);
    } else if (command.kind === "operator") {
      this.#core.flush();
      this.#operators.handle(peer, command);
    } else if (command.kind === "transfer") {
      this.#core.flush();
      // A JSON frame is passed on as it came (copied, as its bytes are the read buffer's).
      const relayed = peer.wire === WIRES.json ? frame : undefined;
      // A file offered from another node of a cluster is that node's to run.
      const done = this.#bus?.forwardTransfer(peer, command.request) ||
        this.#transfers.handle(peer, command.request, relayed);
      // File data and its acknowledgements, when taken, do not count against the chat rate.
      const type = command.request.type;
      if (done && (type === "chunk" || type === "received")) {
        peer.limiter?.refund();
        peer.byteLimiter?.refund(frame?.length ?? 0);
      }
    } else if (
      command.kind === "whisper" && this.#bus !== undefined && !this.#irc?.owns(peer) &&
      this.#core.find(command.to) === undefined
    ) {
      this.#whisperLater(peer, command, this.#bus);
    } else if (
      this.#bus !== undefined && (command.kind === "register" || command.kind === "nick") &&
      // A name the chat knows is refused by the core, or joined as another connection.
      !(command.kind === "register" && this.#core.find(command.nickname) !== undefined)
    ) {
      this.#core.flush();
      this.#bus.claims.handle(peer, command);
    } else {
      this.#core.handle(peer, command);
    }
  }

  /**
   * A private message to a name this node does not know: in a cluster its holder may have come
   * on another node a moment ago, not heard of here yet. It goes once this node knows (or after a
   * second, when the core says there is no such user); the sender's next frames wait for it.
   */
  #whisperLater(
    peer: Peer,
    command: Extract<Command, { kind: "whisper" }>,
    bus: ClusterBus<Peer>,
  ): void {
    this.#core.flush();
    const waiting = bus.arrival(command.to).then(() => {
      if (peer.closing) return;
      this.#core.handle(peer, command);
      this.#reap();
    }).finally(() => this.#arrivals.delete(peer));
    this.#arrivals.set(peer, waiting);
  }

  // -------------------------------------------------------------------------
  // Departures

  #markDead(peer: Peer, reason: string, why: DisconnectReason, lastWord?: Uint8Array): void {
    if (peer.closing || this.#dead.has(peer)) return;
    this.#dead.set(peer, { reason, why, lastWord: peer.outbox.failed ? undefined : lastWord });
  }

  /** Disconnects `peer`, then those found dead while telling the others. */
  #drop(peer: Peer, reason: string, why: DisconnectReason, lastWord?: Uint8Array): void {
    this.#disconnect(peer, reason, why, lastWord);
    this.#reap();
  }

  /** Removes the clients found dead, after the loop that found them. */
  #reap(): void {
    for (const [peer, { reason, why, lastWord }] of this.#dead) {
      this.#disconnect(peer, reason, why, lastWord);
    }
    this.#dead.clear();
  }

  /** Drops connections whose writes have stalled and those that never registered in time. */
  #sweep(): void {
    const now = Date.now();
    const { writeTimeoutMs, registerTimeoutMs } = this.#limits;
    for (const peer of this.#peers) {
      if (peer.outbox.stalledFor(now) > writeTimeoutMs) {
        this.#markDead(peer, "removed (stopped reading)", "write_stalled");
      } else if (peer.nickname === undefined && now - peer.connectedAt > registerTimeoutMs) {
        const why = `Registration timeout: not registered within ${registerTimeoutMs / 1000} s`;
        this.#markDead(peer, why, "register_timeout", peer.wire.encodeError(why));
      }
    }
    this.#irc?.sweep();
    this.#reap();
  }

  /**
   * Removes `peer` (once): out of the chat, the others told who left and why (`reason`, counted
   * as `why`), and its connection closed after `lastWord`.
   */
  #disconnect(peer: Peer, reason: string, why: DisconnectReason, lastWord?: Uint8Array): void {
    if (peer.closing) return;
    const successor = this.#core.leave(peer, reason, !this.#stopping);
    // The connection that takes the user's place holds its name now.
    if (successor === undefined) this.#bus?.claims.left(peer);
    else this.#bus?.claims.moved(peer, successor as Peer);
    this.#transfers.left(peer);
    this.#keys.left(peer);
    this.#irc?.left(peer);
    this.#dead.delete(peer);
    this.#flow.forget(peer);
    clearTimeout(this.#refusing.get(peer));
    this.#refusing.delete(peer);
    if (this.#peers.delete(peer)) {
      this.#admission.closed(peer.ip, this.#caps.get(peer));
      this.#metrics.disconnects[why].inc();
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
