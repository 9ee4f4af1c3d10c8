/**
 * The server's own console events: how it started (its ports, TLS, IRC, the store, the web
 * client), what stopped it from starting, a connection refused, an accept that failed, the store
 * failing to write, and its load when asked (`SIGUSR2`).
 *
 * @module
 */

import { type EventKind, eventKind } from "../common/log_event.ts";
import { eventLine } from "../core/console_lines.ts";

/** The server could not start, for `reason` (then it exits 1): `ERR - <reason>`. */
export const START_FAILED: EventKind<{ reason: string }> = eventKind(
  "start_failed",
  "error",
  (f) => `ERR - ${f.reason}`,
);

/** The server listens on `port` of this machine, whose address is `ip`. */
export const SERVER_STARTED: EventKind<{ ip: string; port: number }> = eventKind(
  "server_started",
  "info",
  (f) => `ChatServer started with server IP: ${f.ip}, port: ${f.port} ...`,
);

/** TLS is served on `port`, with the certificate of `fingerprint` (SHA-256), when it has one. */
export const TLS_STARTED: EventKind<{ port: number; fingerprint: string | undefined }> = eventKind(
  "tls_started",
  "info",
  (f) =>
    `TLS on port ${f.port}${f.fingerprint === undefined ? "" : `, certificate ${f.fingerprint}`}`,
);

/** IRC is served on `port` (over TLS when `tls`), the server named `server_name` there. */
export const IRC_STARTED: EventKind<{ port: number; tls: boolean; server_name: string }> =
  eventKind(
    "irc_started",
    "info",
    (f) => `IRC ${f.tls ? "over TLS " : ""}on port ${f.port} as ${f.server_name}`,
  );

/** What the server keeps its data in, as `description` says. */
export const STORE_OPENED: EventKind<{ description: string }> = eventKind(
  "store_opened",
  "info",
  (f) => f.description,
);

/** The web client is served at `url`. */
export const WEB_STARTED: EventKind<{ url: string }> = eventKind(
  "web_started",
  "info",
  (f) => `Web client at ${f.url}`,
);

/** The web client was not started, for `reason`; the server goes on without it. */
export const WEB_NOT_STARTED: EventKind<{ reason: string }> = eventKind(
  "web_not_started",
  "warn",
  (f) => `Web client not started: ${f.reason}`,
);

/** The metrics are served alone at `url` (`--metrics-port`). */
export const METRICS_STARTED: EventKind<{ url: string }> = eventKind(
  "metrics_started",
  "info",
  (f) => `Metrics at ${f.url}`,
);

/** The metrics port was not opened, for `reason`; the server goes on without it. */
export const METRICS_NOT_STARTED: EventKind<{ reason: string }> = eventKind(
  "metrics_not_started",
  "warn",
  (f) => `Metrics not served: ${f.reason}`,
);

/** A connection from `ip`:`port` (of `nickname`, once registered) was refused, for `reason`. */
export const REFUSED: EventKind<{
  ip: string;
  port: number;
  nickname: string | undefined;
  reason: string;
}> = eventKind(
  "refused",
  "warn",
  (f, time) => eventLine(time, `refused ${f.nickname ?? `${f.ip}:${f.port}`}: ${f.reason}`),
);

/** Accepting a connection failed (such as too many open files), for `error`; it goes on. */
export const ACCEPT_FAILED: EventKind<{ error: string }> = eventKind(
  "accept_failed",
  "error",
  (f) => `Accept failed: ${f.error}; retrying`,
);

/** The store could not write, for `error` (said once for each new error). */
export const STORE_WRITE_FAILED: EventKind<{ error: string }> = eventKind(
  "store_error",
  "error",
  (f, time) => eventLine(time, `store: cannot write: ${f.error}`),
);

/** The server's load: its connections, registered clients, and memory in bytes. */
export const STATS: EventKind<{
  connections: number;
  registered: number;
  rss_bytes: number;
  heap_bytes: number;
}> = eventKind("stats", "info", (f, time) =>
  eventLine(
    time,
    `stats: connections ${f.connections}, registered ${f.registered}, ` +
      `rss ${mib(f.rss_bytes)} MiB, heap ${mib(f.heap_bytes)} MiB`,
  ));

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
