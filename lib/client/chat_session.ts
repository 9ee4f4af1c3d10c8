/**
 * A client's chat session in JSON (spec part C) on an open connection: registration (with a new
 * nickname when the server refuses one, on a new connection when the server closed the old one
 * after refusing), the user's commands and chat lines, and what arrives from the server. It
 * works against servers that know only spec part C and send no acknowledgements.
 *
 * @module
 */

import {
  type ClientMessage,
  decodeServerMessage,
  encodeMessage,
  EXTENSION_TYPES,
  isFileMessage,
  MAX_FRAME_BYTES,
  type PrivateMessage,
  type PrivateRequest,
  type ServerMessage,
} from "../../protocol.ts";
import { nicknameKey, nicknameProblem, parseTimestamp, roomKey } from "../protocol/values.ts";
import { accountNotice, askLoginPassword, askNewPassword, historyEnd } from "./accounts.ts";
import { FileTransfers } from "./files/transfers.ts";
import type { ClientKeyStore } from "./keys/open_keys.ts";
import { E2eClient } from "../../web/common/e2e_keys.js";
import { InOrder } from "../common/in_order.ts";
import { type Command, completeLine, helpLines, parseCommand } from "./commands.ts";
import type { ByteConn } from "../net/conn.ts";
import { escapeControls } from "../common/text.ts";
import { formatChatLine, formatNotice } from "./screen.ts";
import {
  type LineSource,
  orTimeout,
  Session,
  type SessionEnd,
  type SessionOptions,
  Signal,
} from "./session.ts";

/** How long to wait for any reply to a registration before assuming it was accepted (ms). */
export const REGISTRATION_REPLY_MS = 2000;
/** How long to wait for the server to acknowledge a disconnect (ms). */
export const DISCONNECT_ACK_MS = 3000;
/** How long to wait for the reply to a login (a server that asked for one replies) (ms). */
export const LOGIN_REPLY_MS = 15_000;

/** How a session is set up. */
export interface ChatSessionOptions extends SessionOptions {
  nickname: string;
  clientID: string;
  /** A file whose first line is the password, for logging in to an account. */
  passwordFile?: string;
  /** The folder files arrive in (default `downloads`). */
  downloads?: string;
  /** End-to-end encryption: the key file's store (or why there is none), and `--e2e-only`. */
  e2e?: { keys: ClientKeyStore; only?: boolean };
  registrationReplyMs?: number;
  disconnectAckMs?: number;
}

type RegistrationOutcome =
  | { accepted: true }
  | { accepted: false; reason: string }
  /** The nickname is an account's: log in to `account` with its password. */
  | { accepted: false; login: string }
  /** The server closed the connection under a registration, after refusing one: try again. */
  | { accepted: false; retry: true };

/** One client's session with a server, in JSON. */
export class ChatSession extends Session {
  readonly #registrationReplyMs: number;
  readonly #disconnectAckMs: number;
  readonly #clientID: string;
  /** The password file, until it has been used once. */
  #passwordFile: string | undefined;
  #nickname: string;
  /** Set while a registration waits for its reply. */
  #registration: Signal<RegistrationOutcome> | undefined;
  /** Whether the server refused a nickname on this connection (and so may close it). */
  #refusedHere = false;
  /** Whether the server closed the connection after a refusal: register on a new one. */
  #mustReconnect = false;
  readonly #goodbye = new Signal<void>();
  /** Whether the how-to-start hint has been shown. */
  #hinted = false;
  readonly #transfers: FileTransfers;
  readonly #keys: E2eClient;
  /** What is sent, and what is shown, in order: end-to-end messages are sealed and opened async. */
  readonly #sending = new InOrder();
  readonly #showing = new InOrder();
  /** Who is connected, as far as this client knows (for completion and notices). */
  readonly #users = new Map<string, string>();
  /** Rooms this user is in, by key. */
  readonly #rooms = new Map<string, string>();
  /** Rooms the server last listed. */
  #knownRooms: string[] = [];
  /** The room plain lines go to; undefined: everyone. */
  #target: string | undefined;
  /**
   * What each `list` request still unanswered was for, oldest first (replies come in order):
   * a user's `/list` or `/rooms`, or the session's own (shown to nobody).
   */
  readonly #listRequests: ("list" | "rooms" | "self")[] = [];

  /** Creates a session on `conn`; nothing is sent until `run`. */
  constructor(conn: ByteConn, options: ChatSessionOptions) {
    super(conn, options, MAX_FRAME_BYTES);
    this.#registrationReplyMs = options.registrationReplyMs ?? REGISTRATION_REPLY_MS;
    this.#disconnectAckMs = options.disconnectAckMs ?? DISCONNECT_ACK_MS;
    this.#nickname = options.nickname;
    this.#clientID = options.clientID;
    this.#passwordFile = options.passwordFile;
    const keys = options.e2e?.keys ?? { unavailable: "no key file was given" };
    this.#keys = new E2eClient({
      ...keys,
      print: (line) => options.ui.print(line),
      send: (message) => this.#send(message),
      nickname: () => this.#nickname,
      now: this.now,
      e2eOnly: options.e2e?.only,
    });
    this.#transfers = new FileTransfers({
      ui: options.ui,
      link: {
        send: (message) => this.#send(message),
        sendBulk: (message) => this.sendBulk(encodeMessage(message)),
      },
      downloads: options.downloads ?? "downloads",
      now: this.now,
      e2e: this.#keys,
    });
  }

  /** Ends the transfers under way: no `.part` file stays behind. */
  protected override finish(): Promise<void> {
    this.#keys.close();
    return this.#transfers.close();
  }

  /** Completions for a partly typed line: a command, a nickname or a room. */
  complete(line: string): [string[], string] {
    const rooms = [...new Set([...this.#rooms.values(), ...this.#knownRooms])];
    return completeLine(line, [...this.#users.values()], rooms);
  }

  /** Registration, then the user's lines, until a quit command or the end of input. */
  protected async converse(input: LineSource): Promise<void> {
    while (true) {
      if (this.#mustReconnect) {
        this.#mustReconnect = false;
        this.#refusedHere = false;
        if (!await this.reconnect()) {
          this.ended.resolve("lost");
          return;
        }
      }
      let outcome = await this.#register();
      if ("login" in outcome) {
        const file = this.#passwordFile;
        this.#passwordFile = undefined;
        const password = await askLoginPassword(this.ui, input, outcome.login, file);
        if (password === null) return;
        outcome = await this.#awaitReply(
          () => this.#send({ type: "login", password }),
          LOGIN_REPLY_MS,
          { accepted: false, reason: "The server did not answer the login" },
        );
      }
      if (outcome.accepted) break;
      if ("retry" in outcome || "login" in outcome) continue;
      this.ui.print(
        `Nickname "${escapeControls(this.#nickname)}" refused: ${escapeControls(outcome.reason)}`,
      );
      const next = await this.#askNickname(input);
      if (next === null) return;
      this.#nickname = next;
    }
    this.#refusedHere = false;
    this.#updatePrompt();
    this.#welcomeHint();
    for (let line = await input.next(); line !== null; line = await input.next()) {
      const command = parseCommand(line);
      if (command.kind === "register" || command.kind === "password") {
        const password = await askNewPassword(this.ui, input, this.#nickname);
        if (password !== undefined) {
          this.#send({ type: "account", action: command.kind, password });
        }
      } else if (!this.#perform(command)) return;
    }
  }

  /** A connection closed after a refusal is replaced; any other close ends the session. */
  protected override onConnectionEnd(): boolean {
    if (this.#refusedHere) {
      this.#mustReconnect = true;
      this.#settleRegistration({ accepted: false, retry: true });
      return true;
    }
    this.#settleRegistration({ accepted: true });
    return false;
  }

  async #askNickname(input: LineSource): Promise<string | null> {
    while (true) {
      this.ui.setPrompt("Choose another nickname: ");
      const line = await input.next();
      if (line === null) return null;
      const problem = nicknameProblem(line.trim());
      if (problem === undefined) return line.trim();
      this.ui.print(problem);
    }
  }

  /** Carries out one command; false when it ends the session. */
  #perform(command: Command): boolean {
    switch (command.kind) {
      case "quit":
        return false;
      case "say": {
        const { text } = command, room = this.#target; // Where it goes is decided now.
        if (text.trim() === "") break;
        const message = room === undefined
          ? { type: "message" as const, message: text }
          : { type: "room" as const, room, message: text };
        this.#sending.run(() => this.#sendChat(message));
        break;
      }
      case "whisper":
        this.#sending.run(async () => {
          const message = await this.#keys.seal(command.to, command.text);
          if (message !== undefined) this.#sendChat(message, command.text);
        });
        break;
      case "nick": {
        const problem = nicknameProblem(command.nickname);
        if (problem !== undefined) this.ui.print(problem);
        else this.#send({ type: "nick", nickname: command.nickname });
        break;
      }
      case "join": {
        const joined = this.#rooms.get(roomKey(command.room));
        if (joined === undefined) this.#send({ type: "join", room: command.room });
        else this.#talkIn(joined);
        break;
      }
      case "leave": {
        const room = command.room ?? this.#target;
        if (room === undefined) this.ui.print("You are not talking in a room: /leave <#room>");
        else this.#send({ type: "leave", room });
        break;
      }
      case "all":
        this.#talkIn(undefined);
        break;
      case "list":
      case "rooms":
        this.#requestList(command.kind);
        break;
      case "unregister":
        this.#send({ type: "account", action: "unregister" });
        break;
      case "history":
        this.#send({ type: "history", room: command.room, count: command.count });
        break;
      case "send":
        this.#transfers.send(command.to, command.path);
        break;
      case "accept":
        this.#transfers.accept(command.n);
        break;
      case "reject":
        this.#transfers.reject(command.n);
        break;
      case "cancel":
        this.#transfers.cancel(command.n);
        break;
      case "transfers":
        this.#transfers.list();
        break;
      case "fingerprint":
      case "trust":
        this.#keys.perform(command);
        break;
      case "help":
        for (const line of helpLines()) this.ui.print(line);
        break;
      case "usage":
        this.ui.print(command.usage);
        break;
      case "unknown":
        this.ui.print(
          `Unknown command "${escapeControls(command.name)}": /help lists the commands`,
        );
        break;
    }
    return true;
  }

  /** Shows, once, how to start (on a terminal). */
  #welcomeHint(): void {
    if (this.#hinted) return;
    this.#hinted = true;
    this.ui.hint("Type a message and press Enter; /help lists the commands.");
  }

  /** Makes plain lines go to `room`, or to everyone. */
  #talkIn(room: string | undefined): void {
    this.#target = room;
    this.#updatePrompt();
    this.ui.print(
      formatNotice(
        this.now(),
        room === undefined
          ? "Your lines now go to everyone"
          : `Your lines now go to ${room}; /all talks to everyone`,
      ),
    );
  }

  #updatePrompt(): void {
    const where = this.#target === undefined ? "" : ` ${this.#target}`;
    this.ui.setPrompt(`${escapeControls(this.#nickname)}${where}> `);
  }

  /** Sends the registration and waits for its outcome (a reply, or silence taken as yes). */
  #register(): Promise<RegistrationOutcome> {
    return this.#awaitReply(
      () =>
        this.#send({
          type: "nickname",
          nickname: this.#nickname,
          clientID: this.#clientID,
          timestamp: this.now().toISOString(),
          extensions: [...EXTENSION_TYPES],
        }),
      this.#registrationReplyMs,
      { accepted: true },
    );
  }

  /** Sends what `send` sends and waits for the registration's outcome, or `silence` after `ms`. */
  #awaitReply(
    send: () => void,
    ms: number,
    silence: RegistrationOutcome,
  ): Promise<RegistrationOutcome> {
    const registration = new Signal<RegistrationOutcome>();
    this.#registration = registration;
    const timer = setTimeout(() => this.#settleRegistration(silence), ms);
    send();
    return registration.promise.finally(() => clearTimeout(timer));
  }

  /** Ends the wait for a registration reply at once, so later replies are not taken for it. */
  #settleRegistration(outcome: RegistrationOutcome): void {
    this.#registration?.resolve(outcome);
    this.#registration = undefined;
  }

  /** Sends a chat line (to everyone, a room or one user) stamped now, and counts it. */
  #sendChat(
    message:
      | { type: "message"; message: string }
      | { type: "room"; room: string; message: string }
      | PrivateRequest,
    text = message.message ?? "",
  ): void {
    const stamped: ClientMessage = message.type === "message"
      ? { ...message, nickname: this.#nickname, timestamp: this.now().toISOString() }
      : { ...message, timestamp: this.now().toISOString() };
    const frame = encodeMessage(stamped);
    if (frame.length - 1 > MAX_FRAME_BYTES) {
      this.ui.print(`Message not sent: longer than the limit of ${MAX_FRAME_BYTES} bytes`);
      return;
    }
    this.send(frame);
    this.countSent(text);
  }

  /** Sends the disconnect request and waits (briefly) for the acknowledgement. */
  protected async leave(): Promise<SessionEnd> {
    // What was typed before goes first (an end-to-end message may still be being sealed).
    await this.#sending.idle();
    this.#send({ type: "disconnect", nickname: this.#nickname, clientID: this.#clientID });
    const end = await orTimeout(
      Promise.race([
        this.#goodbye.promise.then(() => "disconnected" as const),
        this.ended.promise,
      ]),
      this.#disconnectAckMs,
    );
    return end === "timeout" || end === "lost" ? "disconnected" : end;
  }

  #requestList(purpose: "list" | "rooms" | "self"): void {
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
      else this.#showing.run(() => this.#onMessage(message));
    } else if (decoded.kind === "invalid") {
      this.ui.print(`Ignored a bad message from the server: ${escapeControls(decoded.error)}`);
    } // A type this client does not know is ignored (spec part C).
  }

  #onMessage(message: ServerMessage): void | Promise<void> {
    if (isFileMessage(message)) return this.#transfers.onMessage(message);
    const at = () =>
      parseTimestamp("timestamp" in message ? message.timestamp : undefined) ?? this.now();
    switch (message.type) {
      case "welcome":
        // A server that acknowledges speaks this protocol: learn who is there.
        if (this.#registration !== undefined) {
          this.#requestList("self");
          // Before what comes with the welcome (messages kept for the user, history).
          this.#welcomeHint();
          this.#keys.start();
        }
        this.#settleRegistration({ accepted: true });
        break;
      case "error":
        if (this.#registration !== undefined) {
          // Some servers close the connection right after refusing a nickname.
          this.#refusedHere = true;
          this.#settleRegistration({ accepted: false, reason: message.message });
        } else {
          this.ui.print(`Error from server: ${escapeControls(message.message)}`);
        }
        break;
      case "broadcast":
        // Only registered clients receive broadcasts.
        this.#settleRegistration({ accepted: true });
        if (message.history) {
          this.ui.print(formatChatLine(at(), message.nickname, message.message, "history"));
        } else this.#showChat(at(), message.nickname, message.message);
        break;
      case "private":
        return this.#onPrivate(message, at());
      case "room":
        if (message.history) {
          this.ui.print(
            formatChatLine(at(), message.nickname, message.message, `history ${message.room}`),
          );
        } else this.#showChat(at(), message.nickname, message.message, message.room);
        break;
      case "login":
        if (this.#registration !== undefined) {
          this.#settleRegistration({ accepted: false, login: message.nickname });
        }
        break;
      case "account":
        this.ui.print(formatNotice(at(), accountNotice(message.action, message.nickname)));
        break;
      case "queued":
        this.ui.print(
          `${
            escapeControls(message.to)
          } is offline: your message will be delivered when they return`,
        );
        break;
      case "history":
        {
          const line = historyEnd(message.count, message.earlier, message.room);
          if (line !== undefined) this.ui.print(line);
        }
        break;
      case "joined":
        this.#onJoined(at(), message.nickname, message.room, message.members);
        break;
      case "left":
        this.#onLeft(at(), message.nickname, message.room, message.reason);
        break;
      case "nick":
        this.#onNick(at(), message.old, message.nickname);
        break;
      case "list":
        this.#onList(message.users, message.rooms);
        break;
      case "goodbye":
        this.#goodbye.resolve();
        break;
      case "shutdown":
        this.ended.resolve("shutdown");
        break;
    }
  }

  /** Shows a private message, opening it first if it is end-to-end encrypted. */
  async #onPrivate(message: PrivateMessage, date: Date): Promise<void> {
    const away = message.offline ? ", while you were away" : "";
    if (message.e2e === undefined) {
      this.#showChat(date, message.nickname, message.message ?? "", `private${away}`);
    } else {
      try {
        const { text, time } = await this.#keys.open({ ...message, e2e: message.e2e });
        this.#showChat(time, message.nickname, text, `private, end-to-end${away}`);
      } catch (error) {
        this.ui.print(
          `Could not decrypt a message from ${message.nickname}: ${(error as Error).message}`,
        );
      }
    }
    // Shown (or shown to be unreadable): the server may forget it.
    if (message.offline && message.id !== undefined) this.#send({ type: "ack", id: message.id });
  }

  #showChat(date: Date, nickname: string, text: string, where?: string): void {
    this.ui.print(formatChatLine(date, nickname, text, where));
    this.countReceived(text);
  }

  #isMe(nickname: string): boolean {
    return nicknameKey(nickname) === nicknameKey(this.#nickname);
  }

  #onJoined(date: Date, nickname: string, room?: string, members?: string[]): void {
    if (room === undefined) {
      this.#users.set(nicknameKey(nickname), nickname);
      this.ui.print(formatNotice(date, `${escapeControls(nickname)} joined the chat`));
    } else if (this.#isMe(nickname)) {
      this.#rooms.set(roomKey(room), room);
      const who = (members ?? []).map(escapeControls).join(", ");
      this.ui.print(formatNotice(date, `You joined ${escapeControls(room)} (members: ${who})`));
      this.#talkIn(room);
    } else {
      this.ui.print(
        formatNotice(date, `${escapeControls(nickname)} joined ${escapeControls(room)}`),
      );
    }
  }

  #onLeft(date: Date, nickname: string, room?: string, reason?: string): void {
    if (room === undefined) {
      this.#users.delete(nicknameKey(nickname));
      const why = reason === undefined ? "" : ` (${escapeControls(reason)})`;
      this.ui.print(formatNotice(date, `${escapeControls(nickname)} left the chat${why}`));
    } else if (this.#isMe(nickname)) {
      this.#rooms.delete(roomKey(room));
      this.ui.print(formatNotice(date, `You left ${escapeControls(room)}`));
      if (this.#target !== undefined && roomKey(this.#target) === roomKey(room)) {
        this.#talkIn(undefined);
      }
    } else {
      this.ui.print(
        formatNotice(date, `${escapeControls(nickname)} left ${escapeControls(room)}`),
      );
    }
  }

  #onNick(date: Date, old: string, nickname: string): void {
    this.#users.delete(nicknameKey(old));
    this.#users.set(nicknameKey(nickname), nickname);
    if (this.#isMe(old)) {
      this.#nickname = nickname;
      this.#updatePrompt();
      this.ui.print(formatNotice(date, `You are now known as ${escapeControls(nickname)}`));
    } else {
      this.ui.print(
        formatNotice(date, `${escapeControls(old)} is now known as ${escapeControls(nickname)}`),
      );
    }
  }

  #onList(users: string[], rooms: { room: string; members: string[] }[]): void {
    this.#users.clear();
    for (const user of users) this.#users.set(nicknameKey(user), user);
    this.#knownRooms = rooms.map(({ room }) => room);
    const asked = this.#listRequests.shift();
    if (asked === undefined || asked === "self") return;
    const names = (list: string[]) => list.map(escapeControls).join(", ");
    if (asked === "list") this.ui.print(`Connected (${users.length}): ${names(users)}`);
    this.ui.print(
      rooms.length === 0
        ? "Rooms: none yet (/join <#room> makes one)"
        : `Rooms (${rooms.length}): ` +
          rooms.map(({ room, members }) => `${escapeControls(room)} (${names(members)})`)
            .join(", "),
    );
    if (asked === "rooms") {
      const mine = [...this.#rooms.values()];
      this.ui.print(mine.length === 0 ? "You are in no room" : `You are in: ${names(mine)}`);
    }
  }
}
