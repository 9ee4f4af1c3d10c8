/**
 * The page's connection to the chat server: the JSON messages of protocol.ts over a WebSocket at
 * /ws, one per text frame, opened again after a wait that grows while the server stays away.
 *
 * @module
 */

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;

/** One WebSocket to the server at a time. */
export class Connection {
  #socket;
  #backoff = FIRST_BACKOFF_MS;
  #handlers;

  /**
   * `handlers.onOpen()` runs once connected, `handlers.onMessage(message)` for each message that
   * is a JSON object, and `handlers.onClose()` when the socket in use closes.
   */
  constructor(handlers) {
    this.#handlers = handlers;
  }

  /** Connects to this page's server. */
  open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws`);
    this.#socket = socket;
    socket.onopen = () => {
      this.#backoff = FIRST_BACKOFF_MS;
      this.#handlers.onOpen();
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message !== null && typeof message === "object") this.#handlers.onMessage(message);
    };
    socket.onclose = () => {
      // A socket replaced meanwhile (joined again) has nothing more to say.
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#handlers.onClose();
    };
  }

  /** Sends `message`, when connected (dropped otherwise). */
  send(message) {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  /** Closes the socket; `onClose` follows. */
  close() {
    this.#socket?.close();
  }

  /** Connects again after a wait, told to `announce` in seconds, twice as long each time. */
  reconnect(announce) {
    announce(Math.round(this.#backoff / 1000));
    setTimeout(() => this.open(), this.#backoff);
    this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
  }
}
