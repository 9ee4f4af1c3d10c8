/**
 * A WebSocket client of the web port for the tests, reading the JSON wire's messages as the page
 * does (one message per text frame); every wait is bounded.
 *
 * @module
 */

import { WAIT_MS, within } from "./testing.ts";

/** One JSON message, as sent or received. */
export type Message = Record<string, unknown>;

/** A WebSocket to the chat, reading JSON messages. */
export class WebSocketClient {
  readonly #socket: WebSocket;
  readonly #queue: Message[] = [];
  readonly #waiting: ((message: Message | undefined) => void)[] = [];
  readonly #opened: Promise<void>;
  readonly #closed: Promise<void>;

  /**
   * Opens `url` (`ws://` or `wss://`), with `options` (handshake headers, such as an `Origin` or
   * `X-Forwarded-For`; an HTTP client that trusts a test authority).
   */
  constructor(url: string, options: WebSocketOptions = {}) {
    this.#socket = new WebSocket(url, options);
    this.#socket.onmessage = (event) => this.#push(JSON.parse(String(event.data)));
    this.#opened = new Promise((resolve, reject) => {
      this.#socket.onopen = () => resolve();
      this.#socket.onerror = () => reject(new Error("The WebSocket failed"));
    });
    this.#opened.catch(() => {});
    this.#closed = new Promise((resolve) => {
      this.#socket.onclose = () => {
        for (const wake of this.#waiting.splice(0)) wake(undefined);
        resolve();
      };
    });
  }

  /** Resolves once the socket is open. */
  opened(): Promise<void> {
    return within(this.#opened, WAIT_MS, "the WebSocket to open");
  }

  /** Resolves once the socket is closed (by the server, or by `close`). */
  closed(): Promise<void> {
    return within(this.#closed, WAIT_MS, "the WebSocket to close");
  }

  /** Sends `message` as one text frame. */
  send(message: Message): void {
    this.#socket.send(JSON.stringify(message));
  }

  /** The next message of `type`, skipping others. */
  async nextOfType(type: string): Promise<Message> {
    while (true) {
      const message = await within(this.#next(), WAIT_MS, `a ${type} over the WebSocket`);
      if (message === undefined) throw new Error(`The WebSocket closed before a ${type}`);
      if (message.type === type) return message;
    }
  }

  /** Closes the socket, and waits until it is. */
  async close(): Promise<void> {
    if (this.#socket.readyState !== WebSocket.CLOSED) this.#socket.close();
    await this.closed();
  }

  #next(): Promise<Message | undefined> {
    const message = this.#queue.shift();
    if (message !== undefined || this.#socket.readyState === WebSocket.CLOSED) {
      return Promise.resolve(message);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #push(message: Message): void {
    const wake = this.#waiting.shift();
    if (wake === undefined) this.#queue.push(message);
    else wake(message);
  }
}
