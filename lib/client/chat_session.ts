/**
 * A client's chat session in JSON (spec part C) on an open connection: registration first, then
 * the user's lines until a quit command or the end of input, and leaving; each frame from the
 * server handed to what it is for (the registration, the display, the files, the keys). It works
 * against servers that know only spec part C and send no acknowledgements.
 *
 * @module
 */

import {
  type ClientMessage,
  decodeServerMessage,
  encodeMessage,
  isFileMessage,
  MAX_FRAME_BYTES,
  type ServerMessage,
} from "../../protocol.ts";
import { askNewPassword } from "./accounts.ts";
import { FileTransfers } from "./files/transfers.ts";
import type { ClientKeyStore } from "./keys/open_keys.ts";
import { E2eClient } from "../../web/common/e2e_keys.js";
import type { KeyRing } from "../../web/common/key_ring.js";
import { nicknameKey } from "../protocol/values.ts";
import { InOrder } from "../common/in_order.ts";
import { completeLine, parseCommand } from "./commands.ts";
import type { ByteConn } from "../net/conn.ts";
import { escapeControls } from "../common/text.ts";
import { Incoming, type ListPurpose } from "./incoming.ts";
import { Outgoing } from "./outgoing.ts";
import { Registration } from "./registration.ts";
import { Roster } from "./roster.ts";
import {
  type LineSource,
  orTimeout,
  Session,
  type SessionEnd,
  type SessionOptions,
  Signal,
} from "./session.ts";

/** How long to wait for the server to acknowledge a disconnect (ms). */
export const DISCONNECT_ACK_MS = 3000;

/** How a session is set up. */
export interface ChatSessionOptions extends SessionOptions {
  /** The nickname to register. */
  nickname: string;
  /** The client's id, sent with the nickname and the disconnect. */
  clientID: string;
  /** A file whose first line is the password, for logging in to an account. */
  passwordFile?: string;
  /** The folder files arrive in (default `downloads`). */
  downloads?: string;
  /**
   * End-to-end encryption: how to open the keys of a nickname on a chat (known by its id once
   * the server gives it; undefined from a server without), and `--e2e-only`.
   */
  e2e?: {
    openKeys: (nickname: string, chat: string | undefined) => Promise<ClientKeyStore>;
    only?: boolean;
  };
  /** How long to wait for any reply to a registration before assuming it was accepted (ms). */
  registrationReplyMs?: number;
  /** How long to wait for the server to acknowledge a disconnect (ms). */
  disconnectAckMs?: number;
}

/** One client's session with a server, in JSON. */
export class ChatSession extends Session {
  readonly #disconnectAckMs: number;
  readonly #clientID: string;
  readonly #roster: Roster;
  readonly #registration: Registration;
  readonly #outgoing: Outgoing;
  readonly #incoming: Incoming;
  readonly #goodbye = new Signal<void>();
  /** Whether the how-to-start hint has been shown. */
  #hinted = false;
  readonly #transfers: FileTransfers;
  readonly #keys: E2eClient;
  readonly #openKeys: NonNullable<ChatSessionOptions["e2e"]>["openKeys"] | undefined;
  /** The chat's id, once the server gave it. */
  #chat: string | undefined;
  /** The keys opened, and for which nickname and chat. */
  #opened: { for: string; keys: Promise<ClientKeyStore> } | undefined;
  /** What is shown, in order: end-to-end messages are opened async. */
  readonly #showing = new InOrder();
  /**
   * What each `list` request still unanswered was for, oldest first (replies come in order):
   * a user's `/list` or `/rooms`, or the session's own (shown to nobody).
   */
  readonly #listRequests: ListPurpose[] = [];

  /** Creates a session on `conn`; nothing is sent until `run`. */
  constructor(conn: ByteConn, options: ChatSessionOptions) {
    super(conn, options, MAX_FRAME_BYTES);
    this.#disconnectAckMs = options.disconnectAckMs ?? DISCONNECT_ACK_MS;
    this.#clientID = options.clientID;
    const roster = this.#roster = new Roster(options.nickname);
    const send = (message: ClientMessage) => this.#send(message);
    this.#registration = new Registration({
      ui: options.ui,
      now: this.now,
      me: roster,
      clientID: options.clientID,
      passwordFile: options.passwordFile,
      replyMs: options.registrationReplyMs,
      send,
      reconnect: () => this.reconnect(),
      loginDevice: async () => (await this.#useKeys())?.device.id,
    });
    this.#openKeys = options.e2e?.openKeys;
    this.#keys = new E2eClient({
      unavailable: "no key file was given",
      print: (line) => options.ui.print(line),
      send,
      nickname: () => roster.nickname,
      now: this.now,
      e2eOnly: options.e2e?.only,
    });
    this.#transfers = new FileTransfers({
      ui: options.ui,
      link: { send, sendBulk: (message) => this.sendBulk(encodeMessage(message)) },
      downloads: options.downloads ?? "downloads",
      now: this.now,
      e2e: this.#keys,
    });
    this.#outgoing = new Outgoing({
      ui: options.ui,
      now: this.now,
      roster,
      keys: this.#keys,
      transfers: this.#transfers,
      sendFrame: (frame) => this.send(frame),
      countSent: (text) => this.countSent(text),
      requestList: (purpose) => this.#requestList(purpose),
    });
    this.#incoming = new Incoming({
      ui: options.ui,
      now: this.now,
      roster,
      keys: this.#keys,
      send,
      countReceived: (text) => this.countReceived(text),
      talkIn: (room) => this.#outgoing.talkIn(room),
    });
  }

  /** Ends the transfers under way: no `.part` file stays behind. */
  protected override finish(): Promise<void> {
    this.#keys.close();
    return this.#transfers.close();
  }

  /** Completions for a partly typed line: a command, a nickname or a room. */
  complete(line: string): [string[], string] {
    return completeLine(line, this.#roster.nicknames(), this.#roster.roomNames());
  }

  /** Registration, then the user's lines, until a quit command or the end of input. */
  protected async converse(input: LineSource): Promise<void> {
    const registered = await this.#registration.run(input);
    if (registered === "lost") this.ended.resolve("lost");
    if (registered !== "registered") return;
    this.ui.setPrompt(this.#roster.prompt());
    this.#welcomeHint();
    for (let line = await input.next(); line !== null; line = await input.next()) {
      const command = parseCommand(line);
      if (command.kind === "register" || command.kind === "password") {
        const password = await askNewPassword(this.ui, input, this.#roster.nickname);
        if (password !== undefined) {
          this.#send({ type: "account", action: command.kind, password });
        }
      } else if (!this.#outgoing.perform(command)) return;
    }
  }

  /** A connection closed after a refusal is replaced; any other close ends the session. */
  protected override onConnectionEnd(): boolean {
    return this.#registration.connectionEnded();
  }

  /** Shows, once, how to start (on a terminal). */
  #welcomeHint(): void {
    if (this.#hinted) return;
    this.#hinted = true;
    this.ui.hint("Type a message and press Enter; /help lists the commands.");
  }

  /** Sends the disconnect request and waits (briefly) for the acknowledgement. */
  protected async leave(): Promise<SessionEnd> {
    // What was typed before goes first (an end-to-end message may still be being sealed).
    await this.#outgoing.idle();
    this.#send({ type: "disconnect", nickname: this.#roster.nickname, clientID: this.#clientID });
    const end = await orTimeout(
      Promise.race([
        this.#goodbye.promise.then(() => "disconnected" as const),
        this.ended.promise,
      ]),
      this.#disconnectAckMs,
    );
    return end === "timeout" || end === "lost" ? "disconnected" : end;
  }

  #requestList(purpose: ListPurpose): void {
    this.#listRequests.push(purpose);
    this.#send({ type: "list" });
  }

  #send(message: ClientMessage): void {
    this.send(encodeMessage(message));
  }

  /** Handles one frame from the server. */
  protected onFrame(frame: Uint8Array): void {
    const decoded = decodeServerMessage(frame);
    if (decoded.kind === "message") {
      const { message } = decoded;
      // Key answers go at once: an end-to-end message being opened may wait for one.
      if (message.type === "keys") this.#keys.onKeys(message);
      else {
        // A key lookup refused ends at once; the refusal is shown in its turn, as any.
        if (message.type === "error" && message.ref !== undefined) this.#keys.onKeys(message);
        this.#showing.run(
          () => this.#onMessage(message),
          (error) => this.ui.print(`Could not show a message: ${(error as Error).message}`),
        );
      }
    } else if (decoded.kind === "invalid") {
      this.ui.print(`Ignored a bad message from the server: ${escapeControls(decoded.error)}`);
    } // A type this client does not know is ignored (spec part C).
  }

  /** The server welcomed this client (to the chat `chat`, if it says). */
  async #welcomed(chat: string | undefined): Promise<void> {
    // A server that acknowledges speaks this protocol: learn who is there.
    if (this.#registration.waiting) {
      this.#chat = chat ?? this.#chat;
      this.#requestList("self");
      // Before what comes with the welcome (messages kept for the user, history).
      this.#welcomeHint();
      await this.#useKeys();
      this.#keys.start();
    }
    this.#registration.accepted();
  }

  /**
   * Opens the keys of this nickname on this chat (once for each), and has the encryption use
   * them: the key ring, or undefined when there is none.
   */
  async #useKeys(): Promise<KeyRing | undefined> {
    if (this.#openKeys === undefined) return undefined;
    const nickname = this.#roster.nickname;
    const place = `${nicknameKey(nickname)} ${this.#chat ?? ""}`;
    if (this.#opened?.for !== place) {
      this.#opened = { for: place, keys: this.#openKeys(nickname, this.#chat) };
    }
    const keys = await this.#opened.keys;
    this.#keys.useKeys(keys);
    return "ring" in keys ? keys.ring : undefined;
  }

  /** Hands `message` to what it is for. */
  #onMessage(message: ServerMessage): void | Promise<void> {
    if (isFileMessage(message)) return this.#transfers.onMessage(message);
    switch (message.type) {
      case "welcome":
        return this.#welcomed(message.chat);
      case "error":
        if (this.#registration.waiting) this.#registration.refused(message.message);
        else this.ui.print(`Error from server: ${escapeControls(message.message)}`);
        break;
      case "broadcast":
        // Only registered clients receive broadcasts.
        this.#registration.accepted();
        return this.#incoming.show(message);
      case "login":
        this.#chat = message.chat ?? this.#chat;
        this.#registration.loginAsked(message.nickname);
        break;
      case "list":
        this.#incoming.list(
          message.users,
          message.rooms,
          this.#listRequests.shift(),
          message.operators,
        );
        break;
      case "goodbye":
        this.#goodbye.resolve();
        break;
      case "shutdown":
        this.ended.resolve("shutdown");
        break;
      default:
        return this.#incoming.show(message);
    }
  }
}
