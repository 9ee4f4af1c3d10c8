/**
 * The chat server's metrics: every metric it exports, by name, with its help, and the counters
 * the server's edge counts on. What is cheap to read when scraped (connections, users, rooms,
 * bytes queued, the cluster's link) is read then, from a snapshot the server gives
 * (`ChatMetrics.watch`); what happens (messages, deliveries, refusals, disconnections) is counted
 * as it happens, each on a counter made at start, so that counting is a number added to.
 *
 * Labels take fixed values only: wires, kinds of message, reasons and operations, never a
 * nickname, a message or an address.
 *
 * @module
 */

import type { Store } from "../store/store.ts";
import {
  measuredStore,
  STORE_OPERATIONS,
  type StoreFigures,
  TIMED_OPERATIONS,
} from "./measured_store.ts";
import type { Counter, Registry } from "./registry.ts";

/** The values of the `wire` label: how a connection speaks. */
export const WIRE_LABELS = ["json", "chat1", "websocket", "irc"] as const;
/** How a connection speaks, as the `wire` label says it. */
export type WireLabel = typeof WIRE_LABELS[number];

/** The values of the `kind` label of messages received. */
export const RECEIVED_KINDS = ["everyone", "room", "private", "file_data"] as const;
/** A kind of message received from a client. */
export type ReceivedKind = typeof RECEIVED_KINDS[number];

/**
 * Why a connection or a request was refused: at the door (`server_full`, `address_limit`,
 * `banned`), at registration (the core's reasons: `taken`, `registered`, `registration`,
 * `unregistered`, `account`), or any other command refused (`other`).
 */
export const REFUSAL_REASONS = [
  "server_full",
  "address_limit",
  "banned",
  "taken",
  "registered",
  "registration",
  "unregistered",
  "account",
  "other",
] as const;
/** Why something was refused (see `REFUSAL_REASONS`). */
export type RefusalReason = typeof REFUSAL_REASONS[number];

/**
 * Why a client was disconnected: it asked (`quit`), its connection closed or failed (`closed`),
 * the server closed it with IRC's `ERROR` (`error`: a ping timeout, a wrong password), it stopped
 * reading (`sendq_full`, `write_stalled`), it flooded (`flood`), sent a frame past the limit
 * (`frame_too_long`), did not register in time (`register_timeout`), an operator removed it
 * (`operator`: a kill, or a server ban set while it was here), it is banned at registration
 * (`banned`), it spoke TLS or HTTP to the chat port (`foreign`), or the server stopped
 * (`shutdown`).
 */
export const DISCONNECT_REASONS = [
  "quit",
  "closed",
  "error",
  "sendq_full",
  "write_stalled",
  "flood",
  "frame_too_long",
  "register_timeout",
  "operator",
  "banned",
  "foreign",
  "shutdown",
] as const;
/** Why a client was disconnected (see `DISCONNECT_REASONS`). */
export type DisconnectReason = typeof DISCONNECT_REASONS[number];

/** How file transfers end, as the `outcome` label says it. */
export const TRANSFER_OUTCOMES = ["completed", "rejected", "failed"] as const;

/** What the server tells of itself at each scrape. */
export interface ServerSnapshot {
  /** Open connections that were let in, by wire. */
  connections: Readonly<Record<WireLabel, number>>;
  /** Registered users (of every node, in a cluster). */
  users: number;
  /** Accounts (0 when the server keeps none). */
  accounts: number;
  /** Rooms with someone in them. */
  rooms: number;
  /** Bytes waiting in every outbox (chat and file data). */
  queuedBytes: number;
  /** The most bytes one outbox held since the previous snapshot. */
  peakQueuedBytes: number;
  /** Recipients over the high-water mark, holding senders back. */
  congested: number;
  /** File transfers in progress. */
  transfers: number;
  /** The cluster, when the server is a node of one. */
  cluster?: ClusterSnapshot;
}

/** What a node of a cluster tells of its link at each scrape. */
export interface ClusterSnapshot {
  /** Whether Redis answers. */
  up: boolean;
  /** The nodes this node knows are live, itself included. */
  nodes: number;
  /** Messages published on the bus since start. */
  published: number;
  /** Messages heard on the bus since start. */
  heard: number;
}

/** How the chat's metrics are set up. */
export interface ChatMetricsOptions {
  /** The server's version, in `chat_build_info`. */
  version: string;
  /** The process's CPU time in seconds (see `processCpuClock`); none: not exported. */
  cpuSeconds?: () => number;
}

/** Buckets of the store's latency, in seconds: from half a millisecond to five seconds. */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** One counter per value of a label, made at start. */
function byLabel<V extends string>(
  family: { with(labels: Record<string, string>): Counter },
  label: string,
  values: readonly V[],
): Readonly<Record<V, Counter>> {
  return Object.fromEntries(
    values.map((value) => [value, family.with({ [label]: value })]),
  ) as Record<V, Counter>;
}

/** The chat server's metrics, registered in a registry: see the module's comment. */
export class ChatMetrics {
  /** Connections let in (past the caps and bans). */
  readonly accepted: Counter;
  /** Commands received from clients, of every kind. */
  readonly commands: Counter;
  /** Messages received from clients, by kind. */
  readonly received: Readonly<Record<ReceivedKind, Counter>>;
  /** Messages queued for this node's connections, one per message and recipient. */
  readonly deliveries: Counter;
  /** Bytes written to clients' connections. */
  readonly writtenBytes: Counter;
  /** Connections and requests refused, by reason. */
  readonly refusals: Readonly<Record<RefusalReason, Counter>>;
  /** Clients disconnected, by reason. */
  readonly disconnects: Readonly<Record<DisconnectReason, Counter>>;
  /** Clients held to the rate limit (each once, when first warned). */
  readonly throttled: Counter;
  /** Frames that waited for the rate limit. */
  readonly delayedFrames: Counter;
  /** File transfers: offers relayed, their ends by outcome, and the data relayed. */
  readonly transfers: {
    offered: Counter;
    completed: Counter;
    rejected: Counter;
    failed: Counter;
    bytes: Counter;
  };
  readonly #registry: Registry;
  readonly #store: StoreFigures;

  /** Registers the metrics in `registry` (see `ChatMetricsOptions`). */
  constructor(registry: Registry, options: ChatMetricsOptions) {
    const { version, cpuSeconds } = options;
    this.#registry = registry;
    registry.collect(
      "chat_build_info",
      "The server's version, in the label; always 1",
      "gauge",
      () => [{ labels: { version }, value: 1 }],
      { version: [version] },
    );
    registerProcessMetrics(registry, cpuSeconds);
    this.accepted = registry.counter(
      "chat_connections_accepted_total",
      "Connections let in (past the caps and the server bans)",
    ).with();
    this.commands = registry.counter(
      "chat_commands_received_total",
      "Commands received from clients, of every kind (messages among them)",
    ).with();
    this.received = byLabel(
      registry.counter(
        "chat_messages_received_total",
        "Messages received from clients, by kind (file_data: file chunks)",
        { kind: RECEIVED_KINDS },
      ),
      "kind",
      RECEIVED_KINDS,
    );
    this.deliveries = registry.counter(
      "chat_deliveries_total",
      "Messages queued for this server's connections, one per message and recipient",
    ).with();
    this.writtenBytes = registry.counter(
      "chat_written_bytes_total",
      "Bytes written to clients' connections (chat, replies and file data)",
    ).with();
    this.refusals = byLabel(
      registry.counter(
        "chat_refusals_total",
        "Connections refused at the door and requests refused, by reason",
        { reason: REFUSAL_REASONS },
      ),
      "reason",
      REFUSAL_REASONS,
    );
    this.disconnects = byLabel(
      registry.counter(
        "chat_disconnects_total",
        "Clients disconnected, by reason (sendq_full and write_stalled: they stopped reading)",
        { reason: DISCONNECT_REASONS },
      ),
      "reason",
      DISCONNECT_REASONS,
    );
    this.throttled = registry.counter(
      "chat_clients_throttled_total",
      "Clients held to the rate limit, each counted once (when first warned)",
    ).with();
    this.delayedFrames = registry.counter(
      "chat_rate_limited_frames_total",
      "Frames whose handling waited for the rate limit",
    ).with();
    const ended = registry.counter(
      "chat_file_transfers_total",
      "File transfers ended, by outcome",
      { outcome: TRANSFER_OUTCOMES },
    );
    this.transfers = {
      offered: registry.counter(
        "chat_file_offers_total",
        "File offers relayed to their recipient",
      ).with(),
      completed: ended.with({ outcome: "completed" }),
      rejected: ended.with({ outcome: "rejected" }),
      failed: ended.with({ outcome: "failed" }),
      bytes: registry.counter("chat_file_bytes_total", "File data relayed, in bytes").with(),
    };
    this.#store = {
      latency: registry.histogram(
        "chat_store_operation_duration_seconds",
        "Store operations by operation, and how long each took until done (a write: committed)",
        STORE_BUCKETS,
        { operation: TIMED_OPERATIONS },
      ),
      errors: registry.counter(
        "chat_store_errors_total",
        "Store operations that failed, by operation",
        { operation: STORE_OPERATIONS },
      ),
      remembered: registry.counter(
        "chat_history_additions_total",
        "Messages added to history (to everyone and to rooms; not timed: nobody waits for them)",
      ).with(),
    };
  }

  /** Counts a command a client sent (a message by its kind). */
  countCommand(command: { readonly kind: string; readonly request?: { readonly type: string } }) {
    this.commands.inc();
    switch (command.kind) {
      case "say":
        this.received.everyone.inc();
        break;
      case "room":
        this.received.room.inc();
        break;
      case "whisper":
        this.received.private.inc();
        break;
      case "transfer":
        if (command.request?.type === "chunk") this.received.file_data.inc();
        break;
    }
  }

  /** `store`, its operations timed and counted. */
  measured(store: Store): Store {
    return measuredStore(store, this.#store);
  }

  /**
   * Registers the metrics read from the server when scraped: `read` gives a snapshot once per
   * scrape; `cluster`: the server is a node of a cluster (its link's metrics too).
   */
  watch(read: () => ServerSnapshot, cluster = false): void {
    const registry = this.#registry;
    let now: ServerSnapshot | undefined;
    registry.beforeScrape(() => now = read());
    const gauge = (name: string, help: string, value: (snapshot: ServerSnapshot) => number) =>
      registry.collect(name, help, "gauge", () => value(now!));
    registry.collect(
      "chat_connections",
      "Open connections let in, registered or not, by wire",
      "gauge",
      () => WIRE_LABELS.map((wire) => ({ labels: { wire }, value: now!.connections[wire] })),
      { wire: WIRE_LABELS },
    );
    gauge("chat_users", "Registered users (of every node, in a cluster)", (s) => s.users);
    gauge("chat_accounts", "Accounts (0 when the server keeps none)", (s) => s.accounts);
    gauge("chat_rooms", "Rooms with someone in them", (s) => s.rooms);
    gauge(
      "chat_outbox_queued_bytes",
      "Bytes waiting in every connection's outbox (chat and file data)",
      (s) => s.queuedBytes,
    );
    gauge(
      "chat_outbox_peak_bytes",
      "The most bytes of chat one connection's outbox held since the previous scrape " +
        "(high-water mark; file data waits apart and is not counted)",
      (s) => s.peakQueuedBytes,
    );
    gauge(
      "chat_congested_recipients",
      "Recipients over the high-water mark, holding their senders back",
      (s) => s.congested,
    );
    gauge("chat_file_transfers_active", "File transfers in progress", (s) => s.transfers);
    if (!cluster) return;
    gauge(
      "chat_cluster_link_up",
      "1 while the cluster's Redis answers, 0 while the link is down",
      (s) => s.cluster?.up ? 1 : 0,
    );
    gauge(
      "chat_cluster_nodes",
      "Nodes of the cluster this node knows are live, itself included",
      (s) => s.cluster?.nodes ?? 1,
    );
    registry.collect(
      "chat_cluster_bus_messages_total",
      "Messages on the cluster's bus: published by this node (out) and heard (in)",
      "counter",
      () => [
        { labels: { direction: "out" }, value: now!.cluster?.published ?? 0 },
        { labels: { direction: "in" }, value: now!.cluster?.heard ?? 0 },
      ],
      { direction: ["out", "in"] },
    );
  }
}

/**
 * The clock of the CPU time this process has used (user and system), in seconds. It loads Node's
 * `process` (Deno has no API of its own for it), which costs the process some megabytes of memory:
 * a server loads it only when it serves its metrics.
 */
export async function processCpuClock(): Promise<() => number> {
  const { default: process } = await import("node:process");
  return () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  };
}

/** The process's CPU time (when its clock is given), memory and start, under standard names. */
function registerProcessMetrics(registry: Registry, cpuSeconds?: () => number): void {
  if (cpuSeconds !== undefined) {
    registry.collect(
      "process_cpu_seconds_total",
      "CPU time the process has used (user and system), in seconds",
      "counter",
      cpuSeconds,
    );
  }
  registry.collect(
    "process_resident_memory_bytes",
    "The process's resident memory, in bytes",
    "gauge",
    () => Deno.memoryUsage().rss,
  );
  registry.collect(
    "process_start_time_seconds",
    "When the process started, in seconds since the epoch",
    "gauge",
    () => Math.floor(performance.timeOrigin) / 1000,
  );
  registry.collect(
    "chat_heap_used_bytes",
    "JavaScript heap in use, in bytes",
    "gauge",
    () => Deno.memoryUsage().heapUsed,
  );
}
