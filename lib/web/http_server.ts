/**
 * The web port's HTTP/1.1 server, on the connections its listener accepts (plain TCP, or a TLS
 * listener whose certificate may be replaced): each connection is counted through a
 * `ConnectionGate` (the chat server's caps) from the moment it is accepted until it closes, and
 * served by an `HttpConnection` within its deadlines. A connection past a cap is answered
 * `503 Service Unavailable` at once, without waiting for its request, and closed after a short
 * linger; at most `MAX_TURNING_AWAY` linger at once, and past that they are closed at once.
 *
 * @module
 */

import { type EventKind, eventKind, type Log } from "../common/log_event.ts";
import { HttpConnection, type HttpConnectionOptions, turnAway } from "./http_connection.ts";

/** Accepting a connection at the web port failed, for `error` (such as too many open files). */
export const WEB_ACCEPT_FAILED: EventKind<{ error: string }> = eventKind(
  "web_accept_failed",
  "error",
  (f) => `Web port: accept failed: ${f.error}; retrying`,
);
import { plainAnswer } from "./http_response.ts";

/** Longest pause of the accept loop after an accept error (ms). */
const MAX_ACCEPT_BACKOFF_MS = 1000;
/** Most connections past a cap being answered at once; past it, they are closed at once. */
export const MAX_TURNING_AWAY = 256;
/** What `Retry-After` says to a connection past a cap (seconds). */
export const RETRY_AFTER_SECONDS = 10;

/** Counts connections in and out against caps (the chat server's `--max-clients` and such). */
export interface ConnectionGate {
  /**
   * Counts a new connection from `ip` in: undefined when it may stay, else why not (and it is
   * not counted). `perIp: false` counts it toward the cap in all alone.
   */
  enter(ip: string, perIp: boolean): string | undefined;
  /** Counts out a connection that `enter` let in, as it was counted. */
  leave(ip: string, perIp: boolean): void;
}

/**
 * A gate of its own for a port that is not the chat's (the metrics port): at most `max`
 * connections at once, whatever their address, so that nobody there takes a chat client's place
 * and a flood there costs the chat nothing.
 */
export function countingGate(max: number): ConnectionGate {
  let open = 0;
  return {
    enter: () => {
      if (open >= max) return `Too many connections: this port takes ${max} at once`;
      open++;
      return undefined;
    },
    leave: () => {
      open--;
    },
  };
}

/** How the server is set up. */
export interface HttpServerOptions extends HttpConnectionOptions {
  /** The caps every connection is counted against; none: no caps. */
  gate?: ConnectionGate;
  /**
   * Whether connections from `ip` carry many clients (a trusted proxy's), and so are counted
   * toward the cap in all but not the cap per address.
   */
  shared?: (ip: string) => boolean;
  /** Told of each connection turned away at a cap, with why. */
  refused?: (ip: string, why: string) => void;
  /** Told when accepting fails (such as too many open files). */
  log?: Log;
}

/** The web port's HTTP server: see the module's comment. */
export class HttpServer {
  readonly #listener: Deno.Listener;
  readonly #options: HttpServerOptions;
  readonly #connections = new Set<HttpConnection>();
  readonly #tasks = new Set<Promise<void>>();
  #turningAway = 0;
  #serving: Promise<void> | undefined;
  #stopping = false;

  /** Serves the connections of `listener` as `options` say, once `serve` is called. */
  constructor(listener: Deno.Listener, options: HttpServerOptions) {
    this.#listener = listener;
    this.#options = options;
  }

  /** The address it listens on. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr as Deno.NetAddr;
  }

  /** How many connections are open and still HTTP (not taken over by a WebSocket). */
  get httpConnections(): number {
    let count = 0;
    for (const connection of this.#connections) if (!connection.taken) count++;
    return count;
  }

  /** Accepts and serves connections until `shutdown`. */
  serve(): Promise<void> {
    this.#serving ??= this.#accept();
    return this.#serving;
  }

  /** Stops listening and closes every connection (taken-over ones too); resolves once closed. */
  async shutdown(): Promise<void> {
    this.#stopping = true;
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    await this.#serving;
    for (const connection of this.#connections) connection.close();
    while (this.#tasks.size > 0) await Promise.all(this.#tasks);
  }

  async #accept(): Promise<void> {
    let backoff = 10;
    while (!this.#stopping) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#stopping || error instanceof Deno.errors.BadResource) return;
        this.#options.log?.(WEB_ACCEPT_FAILED.at(new Date(), { error: (error as Error).message }));
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, MAX_ACCEPT_BACKOFF_MS);
        continue;
      }
      backoff = 10;
      this.#take(conn);
    }
  }

  /** Counts `conn` in and serves it, or turns it away at a cap. */
  #take(conn: Deno.Conn): void {
    const ip = (conn.remoteAddr as Deno.NetAddr).hostname;
    const perIp = !(this.#options.shared?.(ip) ?? false);
    const refusal = this.#options.gate?.enter(ip, perIp);
    if (refusal !== undefined) {
      this.#options.refused?.(ip, refusal);
      this.#turnAway(conn, refusal);
      return;
    }
    try {
      (conn as Partial<Deno.TcpConn>).setNoDelay?.(true);
    } catch {
      // Gone already: reading will tell.
    }
    const connection = new HttpConnection(conn, this.#options);
    this.#connections.add(connection);
    this.#track(
      connection.serve().finally(() => {
        this.#connections.delete(connection);
        this.#options.gate?.leave(ip, perIp);
      }),
    );
  }

  /** Answers `conn` 503 at once and closes it (at once, when many are being answered). */
  #turnAway(conn: Deno.Conn, why: string): void {
    if (this.#turningAway >= MAX_TURNING_AWAY || this.#stopping) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
      return;
    }
    this.#turningAway++;
    const answer = plainAnswer(503, `${why}\n`, { "retry-after": String(RETRY_AFTER_SECONDS) });
    this.#track(turnAway(conn, answer).finally(() => this.#turningAway--));
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }
}
