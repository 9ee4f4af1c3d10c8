/**
 * A client's chat session on an open connection: registration (with a new nickname when the
 * server refuses one), sending typed lines, showing incoming ones, leaving, and the counts for
 * the summary. It works against servers that send no acknowledgements.
 *
 * @module
 */

import {
  type ClientMessage,
  codePointLength,
  decodeServerMessage,
  encodeMessage,
  FrameReader,
  MAX_FRAME_BYTES,
  nicknameProblem,
  parseTimestamp,
  type ServerMessage,
} from "../protocol.ts";
import { escapeControls, formatChatLine, type SessionStats } from "./format.ts";
import { Outbox } from "./outbox.ts";

/** How long to wait for any reply to a registration before assuming it was accepted (ms). */
export const REGISTRATION_REPLY_MS = 2000;
/** How long to wait for the server to acknowledge a disconnect (ms). */
export const DISCONNECT_ACK_MS = 3000;
/** The line that ends a session. */
export const DISCONNECT_COMMAND = "disconnect";

const READ_BUFFER_BYTES = 16 * 1024;
/** The client only queues what its user types: this cap is never reached in practice. */
const CLIENT_SENDQ_BYTES = 16 * 1024 * 1024;

/** Where the session shows things. */
export interface ClientUi {
  /** Shows one line. */
  print(line: string): void;
  /** Shows what the next typed line is for (a terminal prompt). */
  setPrompt(prompt: string): void;
}

/** Where typed lines come from. */
export interface LineSource {
  /** The next line, or null at the end of input. */
  next(): Promise<string | null>;
}

/** Why a session ended. */
export type SessionEnd =
  /** The user left (the disconnect command, end of input or Ctrl-C). */
  | "disconnected"
  /** The server said it is shutting down. */
  | "shutdown"
  /** The connection closed or failed unannounced. */
  | "lost";

/** How a session is set up. */
export interface ChatSessionOptions {
  nickname: string;
  clientID: string;
  ui: ClientUi;
  now?: () => Date;
  registrationReplyMs?: number;
  disconnectAckMs?: number;
}

type RegistrationOutcome = { accepted: true } | { accepted: false; reason: string };

/** A resolvable promise. */
class Signal<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  constructor() {
    this.promise = new Promise<T>((resolve) => this.resolve = resolve);
  }
}

/** One client's session with a server. */
export class ChatSession {
  readonly #conn: Deno.Conn;
  readonly #outbox: Outbox;
  readonly #ui: ClientUi;
  readonly #now: () => Date;
  readonly #registrationReplyMs: number;
  readonly #disconnectAckMs: number;
  readonly #clientID: string;
  #nickname: string;
  readonly #stats: SessionStats;
  /** Set while a registration waits for its reply. */
  #registration: Signal<RegistrationOutcome> | undefined;
  #goodbye = new Signal<void>();
  readonly #ended = new Signal<SessionEnd>();
  readonly #interrupted = new Signal<void>();

  /** Creates a session on `conn`; nothing is sent until `run`. */
  constructor(conn: Deno.Conn, options: ChatSessionOptions) {
    this.#conn = conn;
    this.#ui = options.ui;
    this.#now = options.now ?? (() => new Date());
    this.#registrationReplyMs = options.registrationReplyMs ?? REGISTRATION_REPLY_MS;
    this.#disconnectAckMs = options.disconnectAckMs ?? DISCONNECT_ACK_MS;
    this.#nickname = options.nickname;
    this.#clientID = options.clientID;
    this.#stats = {
      start: this.#now(),
      messagesSent: 0,
      messagesReceived: 0,
      charsSent: 0,
      charsReceived: 0,
    };
    this.#outbox = new Outbox(conn, {
      capBytes: CLIENT_SENDQ_BYTES,
      onError: () => this.#ended.resolve("lost"),
    });
  }

  /** The counts so far, for the summary. */
  get stats(): Readonly<SessionStats> {
    return this.#stats;
  }

  /** Asks the session to leave politely, as if the user had typed the disconnect command. */
  interrupt(): void {
    this.#interrupted.resolve();
  }

  /** Registers, then sends what `input` yields until the session ends; closes the connection. */
  async run(input: LineSource): Promise<SessionEnd> {
    this.#receive();
    const user = this.#converse(input).then(() => "done" as const);
    const first = await Promise.race([
      user,
      this.#ended.promise,
      this.#interrupted.promise.then(() => "done" as const),
    ]);
    let end: SessionEnd = first === "done" ? "disconnected" : first;
    if (end === "disconnected") end = await this.#disconnect();
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    return end;
  }

  /** Registration, then one chat message per line, until the disconnect command or input ends. */
  async #converse(input: LineSource): Promise<void> {
    while (true) {
      const outcome = await this.#register();
      if (outcome.accepted) break;
      this.#ui.print(
        `Nickname "${escapeControls(this.#nickname)}" refused: ${escapeControls(outcome.reason)}`,
      );
      const next = await this.#askNickname(input);
      if (next === null) return;
      this.#nickname = next;
    }
    this.#ui.setPrompt(`${this.#nickname}> `);
    for (let line = await input.next(); line !== null; line = await input.next()) {
      if (line.trim() === DISCONNECT_COMMAND) return;
      if (line.trim() !== "") this.#sendChat(line);
    }
  }

  async #askNickname(input: LineSource): Promise<string | null> {
    while (true) {
      this.#ui.setPrompt("Choose another nickname: ");
      const line = await input.next();
      if (line === null) return null;
      const problem = nicknameProblem(line.trim());
      if (problem === undefined) return line.trim();
      this.#ui.print(problem);
    }
  }

  /** Sends the registration and waits for its outcome (a reply, or silence taken as yes). */
  #register(): Promise<RegistrationOutcome> {
    const registration = new Signal<RegistrationOutcome>();
    this.#registration = registration;
    const timer = setTimeout(
      () => this.#settleRegistration({ accepted: true }),
      this.#registrationReplyMs,
    );
    this.#send({
      type: "nickname",
      nickname: this.#nickname,
      clientID: this.#clientID,
      timestamp: this.#now().toISOString(),
    });
    return registration.promise.finally(() => clearTimeout(timer));
  }

  /** Ends the wait for a registration reply at once, so later replies are not taken for it. */
  #settleRegistration(outcome: RegistrationOutcome): void {
    this.#registration?.resolve(outcome);
    this.#registration = undefined;
  }

  #sendChat(text: string): void {
    const message: ClientMessage = {
      type: "message",
      nickname: this.#nickname,
      message: text,
      timestamp: this.#now().toISOString(),
    };
    const frame = encodeMessage(message);
    if (frame.length - 1 > MAX_FRAME_BYTES) {
      this.#ui.print(`Message not sent: longer than the limit of ${MAX_FRAME_BYTES} bytes`);
      return;
    }
    this.#outbox.enqueue(frame);
    this.#stats.messagesSent++;
    this.#stats.charsSent += codePointLength(text);
  }

  /** Sends the disconnect request and waits (briefly) for the acknowledgement. */
  async #disconnect(): Promise<SessionEnd> {
    this.#send({ type: "disconnect", nickname: this.#nickname, clientID: this.#clientID });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) =>
      timer = setTimeout(() => resolve("timeout"), this.#disconnectAckMs)
    );
    const end = await Promise.race([
      this.#goodbye.promise.then(() => "disconnected" as const),
      this.#ended.promise,
      timeout,
    ]);
    clearTimeout(timer);
    return end === "timeout" || end === "lost" ? "disconnected" : end;
  }

  #send(message: ClientMessage): void {
    this.#outbox.enqueue(encodeMessage(message));
  }

  /** Reads from the server until the connection ends. */
  async #receive(): Promise<void> {
    const frames = new FrameReader(MAX_FRAME_BYTES);
    const buffer = new Uint8Array(READ_BUFFER_BYTES);
    try {
      while (true) {
        const n = await this.#conn.read(buffer);
        if (n === null) break;
        for (const event of frames.push(buffer.subarray(0, n))) {
          if (event.kind === "oversize") {
            this.#ui.print(`Ignored a message from the server over ${event.limit} bytes`);
            continue;
          }
          const decoded = decodeServerMessage(event.bytes);
          if (decoded.kind === "message") this.#onMessage(decoded.message);
          else if (decoded.kind === "invalid") {
            this.#ui.print(
              `Ignored a bad message from the server: ${escapeControls(decoded.error)}`,
            );
          } // A type this client does not know is ignored (spec part C).
        }
      }
    } catch {
      // A reset, or our own close: the session is over either way.
    }
    this.#settleRegistration({ accepted: true });
    this.#ended.resolve("lost");
  }

  #onMessage(message: ServerMessage): void {
    switch (message.type) {
      case "welcome":
        this.#settleRegistration({ accepted: true });
        break;
      case "error":
        if (this.#registration !== undefined) {
          this.#settleRegistration({ accepted: false, reason: message.message });
        } else {
          this.#ui.print(`Error from server: ${escapeControls(message.message)}`);
        }
        break;
      case "broadcast": {
        // Only registered clients receive broadcasts.
        this.#settleRegistration({ accepted: true });
        const date = parseTimestamp(message.timestamp) ?? this.#now();
        this.#ui.print(formatChatLine(date, message.nickname, message.message));
        this.#stats.messagesReceived++;
        this.#stats.charsReceived += codePointLength(message.message);
        break;
      }
      case "goodbye":
        this.#goodbye.resolve();
        break;
      case "shutdown":
        this.#ended.resolve("shutdown");
        break;
    }
  }
}
