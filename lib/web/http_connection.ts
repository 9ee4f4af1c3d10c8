/**
 * One connection of the web port, served in HTTP/1.1: request heads read within their deadline
 * and size, each answered by the handler in turn (kept alive between requests, pipelined ones in
 * order), until the client or a limit ends it, or a `SwitchingProtocols` response (the WebSocket's
 * 101) takes it over.
 *
 * Its deadlines, one timer at a time: a request's head must arrive within `headTimeoutMs` of the
 * connection's start (for the first) or of its first byte (for the next), and within the shorter
 * `headTimeoutFor` its path once its request line shows it (the WebSocket's handshake); a kept
 * alive connection may wait `idleTimeoutMs` for its next request; a response's write may make no
 * progress for `writeTimeoutMs`. A head cut short by its deadline is answered `408`; an idle
 * connection, or one that has sent nothing, is just closed. Every refusal (`400`, `408`, `413`,
 * `431`, `505`) and `Connection: close` ends the connection after the answer, with a lingering
 * close: the write side shut, what the client still sends read and thrown away for at most
 * `LINGER_MS`, so that the answer is not lost to a reset.
 *
 * A connection waiting for its head holds one buffer (2 KiB, grown to `MAX_HEAD_BYTES` at most
 * for a longer head) and one timer.
 *
 * @module
 */

import {
  blankLines,
  headEnd,
  type HeadReading,
  MAX_HEAD_BYTES,
  parseHead,
  type RequestHead,
  requestPath,
  requestUrl,
} from "./http_head.ts";
import { plainAnswer, responseBytes, responseHead, SwitchingProtocols } from "./http_response.ts";

/** How long a connection that ends after an answer may go on sending, thrown away (ms). */
export const LINGER_MS = 1000;

/** Methods a `Request` cannot be made with. */
const FORBIDDEN_METHODS = /^(CONNECT|TRACE|TRACK)$/i;

/** The head buffer's first size: most requests' heads fit. */
const FIRST_BUFFER_BYTES = 2048;

/** What a request's handler is told besides the request. */
export interface HttpRequestInfo {
  /** The address the request came from (the connection's other end). */
  remoteAddr: Deno.NetAddr;
}

/** Answers a request: a `Response`, or a `SwitchingProtocols` that takes the connection over. */
export type HttpHandler = (
  request: Request,
  info: HttpRequestInfo,
) => Response | Promise<Response>;

/** How a connection is served. */
export interface HttpConnectionOptions {
  /** Answers each request. */
  handler: HttpHandler;
  /** The scheme of the requests' URLs: `https` on a TLS listener. */
  scheme: "http" | "https";
  /** How long a request's head may take to arrive (ms). */
  headTimeoutMs: number;
  /**
   * A shorter deadline (ms, from the same start) for the head of a request to `path`, once its
   * request line shows it; undefined for the usual one.
   */
  headTimeoutFor?: (path: string) => number | undefined;
  /** How long a kept-alive connection may wait for its next request (ms). */
  idleTimeoutMs: number;
  /** How long a response's write may make no progress (ms). */
  writeTimeoutMs: number;
}

/** Where a connection is in its requests, for what its timer does when it fires. */
const enum Phase {
  /** Waiting for a request's head (or its first byte, for the first request). */
  Head,
  /** Kept alive, waiting for the first byte of the next request. */
  Idle,
  /** Answering: the handler, then the write. */
  Answering,
}

/** One connection of the web port: see the module's comment. */
export class HttpConnection {
  readonly #conn: Deno.Conn;
  readonly #options: HttpConnectionOptions;
  #buffer = new Uint8Array(FIRST_BUFFER_BYTES);
  #length = 0;
  #phase = Phase.Head;
  /** When the request under way began (ms since the epoch). */
  #requestStart = Date.now();
  /** Whether any byte of the request under way has arrived (blank lines before it included). */
  #begun = false;
  /** Whether the path of the request under way has set its deadline. */
  #pathSeen = false;
  #deadline = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Set once the connection is ending: what arrives is thrown away. */
  #ending = false;
  /** Set once the connection is to end with a lingering close. */
  #lingering = false;
  /** Set once a `SwitchingProtocols` has taken the connection. */
  #taken = false;

  /** Serves `conn` as `options` say, once `serve` is called. */
  constructor(conn: Deno.Conn, options: HttpConnectionOptions) {
    this.#conn = conn;
    this.#options = options;
  }

  /** Whether a `SwitchingProtocols` has taken the connection (it is a WebSocket now). */
  get taken(): boolean {
    return this.#taken;
  }

  /** Serves requests until the connection ends; resolves once it is closed. */
  async serve(): Promise<void> {
    this.#setDeadline(this.#requestStart + this.#options.headTimeoutMs);
    try {
      while (!this.#ending) {
        const reading = await this.#nextHead();
        if (reading === undefined) break;
        if (!(await this.#answer(reading))) break;
        this.#awaitNext();
      }
      if (this.#lingering) await this.#linger();
    } catch {
      // A reset, or closed by a deadline: the connection ends.
    } finally {
      this.#clearTimer();
      if (!this.#taken) close(this.#conn);
    }
  }

  /** Closes the connection at once (the server is stopping). */
  close(): void {
    this.#ending = true;
    close(this.#conn);
  }

  // -------------------------------------------------------------------------
  // Reading heads

  /** The next request's head, read (or refused); undefined once the connection has ended. */
  async #nextHead(): Promise<HeadReading | undefined> {
    let searched = 0;
    while (true) {
      const blank = blankLines(this.#buffer, this.#length);
      if (blank > 0) {
        this.#consume(blank);
        searched = 0;
      }
      const end = headEnd(this.#buffer, this.#length, searched);
      if (end > 0) {
        const reading = parseHead(this.#buffer.subarray(0, end));
        this.#consume(end);
        return reading;
      }
      if (this.#length >= MAX_HEAD_BYTES) {
        return { ok: false, status: 431, why: `Request head over ${MAX_HEAD_BYTES} bytes` };
      }
      searched = Math.max(0, this.#length - 2);
      if (this.#length === this.#buffer.length) this.#resize(2 * this.#buffer.length);
      const n = await this.#conn.read(this.#buffer.subarray(this.#length));
      if (n === null || this.#ending) return undefined;
      this.#length += n;
      this.#arrived();
    }
  }

  /** Bytes have arrived: a request begins (after idling), and its path may set its deadline. */
  #arrived(): void {
    if (this.#phase === Phase.Idle) this.#begin(Date.now());
    this.#begun = true;
    if (this.#pathSeen || this.#options.headTimeoutFor === undefined) return;
    const path = requestPath(this.#buffer, this.#length);
    if (path === undefined) return;
    this.#pathSeen = true;
    const ms = this.#options.headTimeoutFor(path);
    if (ms !== undefined) this.#setDeadline(Math.min(this.#deadline, this.#requestStart + ms));
  }

  /** A request begins at `now`: its head's deadline runs from then. */
  #begin(now: number): void {
    this.#phase = Phase.Head;
    this.#requestStart = now;
    this.#pathSeen = false;
    this.#begun = this.#length > 0;
    this.#setDeadline(now + this.#options.headTimeoutMs);
    if (this.#length > 0) this.#arrived();
  }

  /** After an answer: the next request is under way if it has begun to arrive, else idle. */
  #awaitNext(): void {
    if (this.#buffer.length > FIRST_BUFFER_BYTES && this.#length <= FIRST_BUFFER_BYTES) {
      this.#resize(FIRST_BUFFER_BYTES);
    }
    if (this.#length > 0) {
      this.#begin(Date.now());
      return;
    }
    this.#phase = Phase.Idle;
    this.#setDeadline(Date.now() + this.#options.idleTimeoutMs);
  }

  /** Drops the first `n` bytes held. */
  #consume(n: number): void {
    this.#buffer.copyWithin(0, n, this.#length);
    this.#length -= n;
  }

  /** Moves what is held into a buffer of `size` bytes (at most `MAX_HEAD_BYTES`). */
  #resize(size: number): void {
    const buffer = new Uint8Array(Math.min(size, MAX_HEAD_BYTES));
    buffer.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = buffer;
  }

  // -------------------------------------------------------------------------
  // Answering

  /** Answers one request; whether the connection goes on to the next. */
  async #answer(reading: HeadReading): Promise<boolean> {
    this.#phase = Phase.Answering;
    this.#clearTimer();
    if (!reading.ok) return await this.#refuse(reading.status, reading.why);
    const head = reading.head;
    // Methods a `Request` cannot carry; like every method but GET and HEAD, none is served.
    if (FORBIDDEN_METHODS.test(head.method)) return await this.#refuse(405, "Method not allowed");
    const request = this.#request(head);
    if (request === undefined) return await this.#refuse(400, "Malformed request target or Host");
    let response: Response;
    try {
      const remoteAddr = this.#conn.remoteAddr as Deno.NetAddr;
      response = await this.#options.handler(request, { remoteAddr });
    } catch {
      response = new Response("Server error\n", {
        status: 500,
        headers: { "content-type": "text/plain" },
      });
    }
    if (response instanceof SwitchingProtocols) {
      await this.#write(responseHead(101, response.headers, { close: false }));
      this.#taken = true;
      const leftover = this.#buffer.slice(0, this.#length);
      this.#buffer = new Uint8Array();
      this.#length = 0;
      await response.takeOver(this.#conn, leftover);
      return false;
    }
    const close = head.close || response.headers.get("connection")?.toLowerCase() === "close";
    await this.#write(await responseBytes(response, { head: head.method === "HEAD", close }));
    this.#lingering = close;
    return !close;
  }

  /** The `Request` of `head`, or undefined when it makes none. */
  #request(head: RequestHead): Request | undefined {
    const local = this.#conn.localAddr as Deno.NetAddr;
    const url = requestUrl(head, this.#options.scheme, `${local.hostname}:${local.port}`);
    if (url === undefined) return undefined;
    try {
      return new Request(url, { method: head.method, headers: head.headers });
    } catch {
      return undefined;
    }
  }

  /** Answers `status` with `why`, and ends the connection after it. */
  async #refuse(status: number, why: string): Promise<false> {
    await this.#write(plainAnswer(status, `${why}\n`));
    this.#lingering = true;
    return false;
  }

  /** Writes all of `bytes`, each write within the write deadline. */
  async #write(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length;) {
      this.#setDeadline(Date.now() + this.#options.writeTimeoutMs);
      at += await this.#conn.write(bytes.subarray(at));
    }
    this.#clearTimer();
  }

  // -------------------------------------------------------------------------
  // Deadlines and the end

  #setDeadline(at: number): void {
    this.#clearTimer();
    this.#deadline = at;
    this.#timer = setTimeout(() => this.#expired(), Math.max(0, at - Date.now()));
  }

  #clearTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The deadline has passed: a head cut short is answered 408; anything else is closed. */
  #expired(): void {
    this.#timer = undefined;
    if (this.#phase !== Phase.Head || !this.#begun || this.#ending) {
      this.close();
      return;
    }
    // The read under way sees the end, and lingers.
    this.#ending = true;
    this.#lingering = true;
    this.#timer = setTimeout(() => close(this.#conn), LINGER_MS);
    this.#conn.write(plainAnswer(408, "The request took too long to arrive\n"))
      .then(() => this.#conn.closeWrite())
      .catch(() => close(this.#conn));
  }

  /** Ends the connection gently: the write side shut, what still arrives thrown away. */
  async #linger(): Promise<void> {
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => close(this.#conn), LINGER_MS);
      await this.#conn.closeWrite();
    }
    this.#ending = true;
    const sink = this.#buffer.length > 0 ? this.#buffer : new Uint8Array(512);
    while ((await this.#conn.read(sink)) !== null) {
      // Thrown away.
    }
  }
}

/**
 * Answers a connection the server will not serve with `answer` at once, and closes it after a
 * lingering close of at most `LINGER_MS`.
 */
export async function turnAway(conn: Deno.Conn, answer: Uint8Array): Promise<void> {
  const timer = setTimeout(() => close(conn), LINGER_MS);
  try {
    for (let at = 0; at < answer.length;) at += await conn.write(answer.subarray(at));
    await conn.closeWrite();
    const sink = new Uint8Array(512);
    while ((await conn.read(sink)) !== null) {
      // Thrown away.
    }
  } catch {
    // Gone, or closed at the end of the linger.
  } finally {
    clearTimeout(timer);
    close(conn);
  }
}

/** Closes `conn` if it is still open. */
function close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
