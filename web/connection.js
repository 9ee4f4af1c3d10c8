/**
 * The page's connection to the chat server: the JSON messages of protocol.ts over a WebSocket at
 * /ws, opened again after a wait that grows while the server stays away. The page offers the
 * subprotocol `chat-lines` (`frames.js`): a server that takes it may send several messages a
 * frame. A server that does not answers with no subprotocol, which Chromium takes as a failed
 * handshake: the page then opens the socket again at once, offering nothing, and reads one
 * message a frame. What the page sends is one message a frame either way.
 *
 * @module
 */

import { LINES_PROTOCOL, messagesOf } from "./frames.js";

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/** One WebSocket to the server at a time. */
export class Connection {
  #socket;
  #backoff = FIRST_BACKOFF_MS;
  #handlers;
  /** The socket this page closed, if it did (never opened again without the offer). */
  #closing;

  /**
   * `handlers.onOpen()` runs once connected, `handlers.onMessage(message)` for each message that
   * is a JSON object, and `handlers.onClose()` when the socket in use closes.
   */
  constructor(handlers) {
    this.#handlers = handlers;
  }

  /** Connects to this page's server. */
  open() {
    this.#connect(true);
  }

  /** Opens the socket, offering `chat-lines` when `offer` is true. */
  #connect(offer) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${location.host}/ws`;
    const socket = offer ? new WebSocket(url, [LINES_PROTOCOL]) : new WebSocket(url);
    let opened = false;
    this.#socket = socket;
    socket.onopen = () => {
      opened = true;
      this.#backoff = FIRST_BACKOFF_MS;
      this.#handlers.onOpen();
    };
    socket.onmessage = (event) => {
      // Read as the server agreed: one message a frame, or lines.
      for (const message of messagesOf(event.data, socket.protocol)) {
        this.#handlers.onMessage(message);
      }
    };
    socket.onclose = () => {
      // A socket replaced meanwhile (joined again) has nothing more to say.
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      // Refused before opening: maybe a server that does not know chat-lines.
      if (offer && !opened && this.#closing !== socket) this.#connect(false);
      else this.#handlers.onClose();
    };
  }

  /** Sends `message`, when connected (dropped otherwise). */
  send(message) {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  /** Closes the socket; `onClose` follows. */
  close() {
    this.#closing = this.#socket;
    this.#socket?.close();
  }

  /** Connects again after a wait, told to `announce` in seconds, twice as long each time. */
  reconnect(announce) {
    announce(Math.round(this.#backoff / 1000));
    setTimeout(() => this.open(), this.#backoff);
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
  }
}
