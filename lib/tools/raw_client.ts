/**
 * A raw client for tests: a TCP connection driven by hand, as programs written to the spec by
 * others drive it.
 *
 * @module
 */

import { WAIT_MS, within } from "./testing.ts";

const encoder = new TextEncoder();

/**
 * A hand-driven TCP client that speaks the wire protocol byte by byte, the way other programs
 * written to the spec do, and reads replies as JSON lines (one `JSON.parse` per line).
 */
export class RawClient {
  /** The connection to the server. */
  readonly conn: Deno.Conn;
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #closed = false;

  private constructor(conn: Deno.Conn) {
    this.conn = conn;
    this.#reader = conn.readable.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** Speaks over a connection that is already open. */
  static from(conn: Deno.Conn): RawClient {
    return new RawClient(conn);
  }

  /** Connects to 127.0.0.1:`port`. */
  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /**
   * Connects, registers as `nickname` (announcing `extensions`, if given) and waits for the
   * server's welcome.
   */
  static async registered(
    port: number,
    nickname: string,
    extensions?: readonly string[],
  ): Promise<RawClient> {
    const client = await RawClient.connect(port);
    await client.register(nickname, "001", extensions);
    await client.nextOfType("welcome");
    return client;
  }

  /**
   * Registers as `nickname` (announcing `extensions`) and makes it an account with `password`;
   * throws unless the server says it did.
   */
  static async withAccount(
    port: number,
    nickname: string,
    password: string,
    extensions: readonly string[],
  ): Promise<RawClient> {
    const client = await RawClient.registered(port, nickname, extensions);
    await client.sendMessage({ type: "account", action: "register", password });
    const done = await client.nextOfType("account");
    if (done.action !== "register") {
      throw new Error(`Expected the account to be made, got ${JSON.stringify(done)}`);
    }
    return client;
  }

  /**
   * Connects as account `nickname` (announcing `extensions`) and logs in with `password`; throws
   * unless the server asks for it first and welcomes the client after.
   */
  static async loggedIn(
    port: number,
    nickname: string,
    password: string,
    extensions: readonly string[],
  ): Promise<RawClient> {
    const client = await RawClient.connect(port);
    await client.register(nickname, "001", extensions);
    const prompt = await client.next();
    if (prompt.type !== "login") {
      throw new Error(`Expected a login prompt, got ${JSON.stringify(prompt)}`);
    }
    await client.sendMessage({ type: "login", password });
    const welcome = await client.next();
    if (welcome.type !== "welcome") {
      throw new Error(`Expected a welcome, got ${JSON.stringify(welcome)}`);
    }
    return client;
  }

  /** Sends text or bytes exactly as given. */
  async send(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let written = 0;
    while (written < bytes.length) written += await this.conn.write(bytes.subarray(written));
  }

  /** Sends a registration with no newline after it, announcing `extensions` if given. */
  register(nickname: string, clientID = "001", extensions?: readonly string[]): Promise<void> {
    return this.send(JSON.stringify({
      type: "nickname",
      nickname,
      clientID,
      timestamp: new Date().toISOString(),
      extensions,
    }));
  }

  /** Sends one message as a line of JSON. */
  sendMessage(message: Record<string, unknown>): Promise<void> {
    return this.send(JSON.stringify(message) + "\n");
  }

  /** The next line the server sends, parsed as JSON. */
  async next(ms = WAIT_MS): Promise<Record<string, unknown>> {
    return JSON.parse(await this.nextLine(ms));
  }

  /** The next line the server sends, as text (without its newline). */
  async nextLine(ms = WAIT_MS): Promise<string> {
    const line = await within(this.#line(), ms, "a line from the server");
    if (line === null) throw new Error("The server closed the connection");
    return line;
  }

  /** Waits for the next message of `type`, skipping others, and returns it. */
  async nextOfType(type: string, ms = WAIT_MS): Promise<Record<string, unknown>> {
    while (true) {
      const message = await this.next(ms);
      if (message.type === type) return message;
    }
  }

  /** Every line until the server closes the connection. */
  async lines(ms = WAIT_MS): Promise<string[]> {
    const lines: string[] = [];
    const next = () => within(this.#line(), ms, "the server to close the connection");
    for (let line = await next(); line !== null; line = await next()) lines.push(line);
    return lines;
  }

  /** Resolves once the server has closed the connection (all lines before it are skipped). */
  async closedByServer(ms = WAIT_MS): Promise<void> {
    while (await within(this.#line(), ms, "the server to close the connection") !== null) {
      // Skip.
    }
  }

  /** Closes the connection from this side. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#reader.cancel().catch(() => {});
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }

  /** Releases the connection. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #line(): Promise<string | null> {
    while (true) {
      const newline = this.#buffer.indexOf("\n");
      if (newline >= 0) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        return line;
      }
      const { value, done } = await this.#reader.read().catch(() => ({ value: "", done: true }));
      if (done) return null;
      this.#buffer += value;
    }
  }
}
