/**
 * The server's limits: each a named default, overridable by a command-line flag (see args.ts).
 *
 * @module
 */

import { MAX_FRAME_BYTES } from "../../protocol.ts";

/** Default per-client outbox (sendq) cap, in bytes. */
export const DEFAULT_SENDQ_BYTES = 1024 * 1024;
/** Default time a write may make no progress before its client is dropped, in seconds. */
export const DEFAULT_WRITE_TIMEOUT_SECONDS = 30;
/** Default time a connection has to register, in seconds. */
export const DEFAULT_REGISTER_TIMEOUT_SECONDS = 30;
/** Default time the web port waits for a request's headers, in seconds. */
export const DEFAULT_HTTP_TIMEOUT_SECONDS = 10;
/** Default most connections at once. */
export const DEFAULT_MAX_CLIENTS = 10_000;
/** Default most connections from one IP address (0: no cap). */
export const DEFAULT_MAX_PER_IP = 64;
/** Default messages a client may send at once before the rate applies. */
export const DEFAULT_BURST = 20;
/** Default sustained messages per second per client (0: no limit). */
export const DEFAULT_MAX_RATE = 10;
/** Default bytes a client may send at once before the byte rate applies. */
export const DEFAULT_BYTE_BURST = 1024 * 1024;
/** Default sustained bytes per second per client (0: no limit); file data does not count. */
export const DEFAULT_BYTE_RATE = 512 * 1024;
/** Default time a client may stay over the rate before it is disconnected, in seconds. */
export const DEFAULT_FLOOD_TIMEOUT_SECONDS = 30;

/** Default most private messages kept for one account while it is away. */
export const DEFAULT_OFFLINE_MAX = 1000;
/** Default days a kept private message waits before it is dropped. */
export const DEFAULT_OFFLINE_DAYS = 30;
/** Default most messages of history kept per target (everyone, or a room). */
export const DEFAULT_HISTORY_MAX = 1000;
/** Default days history is kept. */
export const DEFAULT_HISTORY_DAYS = 7;

/** Default largest file a client may offer, in bytes. */
export const DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024;
/** Default most file transfers a client takes part in at once. */
export const DEFAULT_MAX_TRANSFERS = 4;
/** Most connections of one account at once (one user on several clients: see `core/chat.ts`). */
export const MAX_CONNECTIONS_PER_ACCOUNT = 10;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Every limit the server enforces. */
export interface ServerLimits {
  /** Largest frame read from a client, in bytes. */
  maxFrameBytes: number;
  /** Per-client outbox cap, in bytes. */
  sendqBytes: number;
  /** Milliseconds a write may make no progress before its client is dropped. */
  writeTimeoutMs: number;
  /** Milliseconds a connection has to register. */
  registerTimeoutMs: number;
  /** Milliseconds the web port waits for a request's headers. */
  httpTimeoutMs: number;
  /** Most connections at once. */
  maxClients: number;
  /** Most connections from one IP address; 0 for no cap. */
  maxPerIp: number;
  /** Whether the per-IP cap also applies to loopback addresses. */
  limitLoopback: boolean;
  /** Messages a client may send at once before the rate applies. */
  burst: number;
  /** Sustained messages per second per client; 0 for no limit. */
  maxRate: number;
  /** Bytes a client may send at once before the byte rate applies. */
  byteBurst: number;
  /** Sustained bytes per second per client (file data aside); 0 for no limit. */
  byteRate: number;
  /** Milliseconds a client may stay over the rate before it is disconnected. */
  floodTimeoutMs: number;
  /** Most private messages kept for one account while it is away. */
  offlineMax: number;
  /** Milliseconds a kept private message waits before it is dropped. */
  offlineMaxAgeMs: number;
  /** Most messages of history kept per target (everyone, or a room). */
  historyMax: number;
  /** Milliseconds history is kept. */
  historyMaxAgeMs: number;
  /** Largest file a client may offer, in bytes. */
  maxFileBytes: number;
  /** Most file transfers a client takes part in at once. */
  maxTransfers: number;
}

/** The limits with every default. */
export const DEFAULT_LIMITS: Readonly<ServerLimits> = {
  maxFrameBytes: MAX_FRAME_BYTES,
  sendqBytes: DEFAULT_SENDQ_BYTES,
  writeTimeoutMs: DEFAULT_WRITE_TIMEOUT_SECONDS * 1000,
  registerTimeoutMs: DEFAULT_REGISTER_TIMEOUT_SECONDS * 1000,
  httpTimeoutMs: DEFAULT_HTTP_TIMEOUT_SECONDS * 1000,
  maxClients: DEFAULT_MAX_CLIENTS,
  maxPerIp: DEFAULT_MAX_PER_IP,
  limitLoopback: false,
  burst: DEFAULT_BURST,
  maxRate: DEFAULT_MAX_RATE,
  floodTimeoutMs: DEFAULT_FLOOD_TIMEOUT_SECONDS * 1000,
  byteBurst: DEFAULT_BYTE_BURST,
  byteRate: DEFAULT_BYTE_RATE,
  offlineMax: DEFAULT_OFFLINE_MAX,
  offlineMaxAgeMs: DEFAULT_OFFLINE_DAYS * DAY_MS,
  historyMax: DEFAULT_HISTORY_MAX,
  historyMaxAgeMs: DEFAULT_HISTORY_DAYS * DAY_MS,
  maxFileBytes: DEFAULT_MAX_FILE_BYTES,
  maxTransfers: DEFAULT_MAX_TRANSFERS,
};
