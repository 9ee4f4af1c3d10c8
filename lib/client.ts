/**
 * A client's chat session on an open connection: registration (with a new nickname when the
 * server refuses one), the user's commands and chat lines, what arrives from the server, and
 * the counts for the summary. It works against servers that know only spec part C and send no
 * acknowledgements.
 *
 * @module
 */

import {
  type ClientMessage,
  codePointLength,
  decodeServerMessage,
  encodeMessage,
  EXTENSION_TYPES,
  FrameReader,
  MAX_FRAME_BYTES,
  nicknameKey,
  nicknameProblem,
  parseTimestamp,
  roomKey,
  type ServerMessage,
} from "../protocol.ts";
import { type Command, COMMAND_NAMES, helpLines, parseCommand } from "./commands.ts";
import { escapeControls, formatChatLine, formatNotice, type SessionStats } from "./format.ts";
import { Outbox } from "./outbox.ts";

/** How long to wait for any reply to a registration before assuming it was accepted (ms). */
export const REGISTRATION_REPLY_MS = 2000;
/** How long to wait for the server to acknowledge a disconnect (ms). */
export const DISCONNECT_ACK_MS = 3000;

const READ_BUFFER_BYTES = 16 * 1024;
/** The client only queues what its user types: this cap is never reached in practice. */
const CLIENT_SENDQ_BYTES = 16 * 1024 * 1024;

/** Where the session shows things. */
export interface ClientUi {
  /** Shows one line. */
  print(line: string): void;
  /** Shows a line meant for a person at a terminal only (hints), not for piped output. */
  hint(line: string): void;
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
  /** The user left (a quit command, end of input or Ctrl-C). */
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
  readonly #goodbye = new Signal<void>();
  readonly #ended = new Signal<SessionEnd>();
  readonly #interrupted = new Signal<void>();
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

  /** Asks the session to leave politely, as if the user had typed a quit command. */
  interrupt(): void {
    this.#interrupted.resolve();
  }

  /** Completions for a partly typed line: a command, a nickname or a room. */
  complete(line: string): [string[], string] {
    if (line.startsWith("/") && !line.includes(" ")) {
      return [COMMAND_NAMES.filter((name) => name.startsWith(line.toLowerCase())), line];
    }
    const word = line.slice(line.lastIndexOf(" ") + 1);
    const pool = word.startsWith("#")
      ? [...new Set([...this.#rooms.values(), ...this.#knownRooms])]
      : [...this.#users.values()];
    const prefix = word.toLowerCase();
    const matches = pool.filter((name) => name.toLowerCase().startsWith(prefix));
    return [matches.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())), word];
  }

  /** Registers, then follows what `input` yields until the session ends; closes the connection. */
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

  /** Registration, then the user's lines, until a quit command or the end of input. */
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
    this.#updatePrompt();
    this.#ui.hint("Type a message and press Enter; /help lists the commands.");
    for (let line = await input.next(); line !== null; line = await input.next()) {
      if (!this.#perform(parseCommand(line))) return;
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

  /** Carries out one command; false when it ends the session. */
  #perform(command: Command): boolean {
    switch (command.kind) {
      case "quit":
        return false;
      case "say":
        if (command.text.trim() === "") break;
        if (this.#target === undefined) this.#sendChat({ type: "message", message: command.text });
        else this.#sendChat({ type: "room", room: this.#target, message: command.text });
        break;
      case "whisper":
        this.#sendChat({ type: "private", to: command.to, message: command.text });
        break;
      case "nick": {
        const problem = nicknameProblem(command.nickname);
        if (problem !== undefined) this.#ui.print(problem);
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
        if (room === undefined) this.#ui.print("You are not talking in a room: /leave <#room>");
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
      case "help":
        for (const line of helpLines()) this.#ui.print(line);
        break;
      case "usage":
        this.#ui.print(command.usage);
        break;
      case "unknown":
        this.#ui.print(
          `Unknown command "${escapeControls(command.name)}": /help lists the commands`,
        );
        break;
    }
    return true;
  }

  /** Makes plain lines go to `room`, or to everyone. */
  #talkIn(room: string | undefined): void {
    this.#target = room;
    this.#updatePrompt();
    this.#ui.print(
      formatNotice(
        this.#now(),
        room === undefined
          ? "Your lines now go to everyone"
          : `Your lines now go to ${room}; /all talks to everyone`,
      ),
    );
  }

  #updatePrompt(): void {
    const where = this.#target === undefined ? "" : ` ${this.#target}`;
    this.#ui.setPrompt(`${escapeControls(this.#nickname)}${where}> `);
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
      extensions: [...EXTENSION_TYPES],
    });
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
      | { type: "private"; to: string; message: string },
  ): void {
    const stamped: ClientMessage = message.type === "message"
      ? { ...message, nickname: this.#nickname, timestamp: this.#now().toISOString() }
      : { ...message, timestamp: this.#now().toISOString() };
    const frame = encodeMessage(stamped);
    if (frame.length - 1 > MAX_FRAME_BYTES) {
      this.#ui.print(`Message not sent: longer than the limit of ${MAX_FRAME_BYTES} bytes`);
      return;
    }
    this.#outbox.enqueue(frame);
    this.#stats.messagesSent++;
    this.#stats.charsSent += codePointLength(message.message);
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

  #requestList(purpose: "list" | "rooms" | "self"): void {
    this.#listRequests.push(purpose);
    this.#send({ type: "list" });
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
    const at = () =>
      parseTimestamp("timestamp" in message ? message.timestamp : undefined) ?? this.#now();
    switch (message.type) {
      case "welcome":
        // A server that acknowledges speaks this protocol: learn who is there.
        if (this.#registration !== undefined) this.#requestList("self");
        this.#settleRegistration({ accepted: true });
        break;
      case "error":
        if (this.#registration !== undefined) {
          this.#settleRegistration({ accepted: false, reason: message.message });
        } else {
          this.#ui.print(`Error from server: ${escapeControls(message.message)}`);
        }
        break;
      case "broadcast":
        // Only registered clients receive broadcasts.
        this.#settleRegistration({ accepted: true });
        this.#showChat(at(), message.nickname, message.message);
        break;
      case "private":
        this.#showChat(at(), message.nickname, message.message, "private");
        break;
      case "room":
        this.#showChat(at(), message.nickname, message.message, message.room);
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
        this.#ended.resolve("shutdown");
        break;
    }
  }

  #showChat(date: Date, nickname: string, text: string, where?: string): void {
    this.#ui.print(formatChatLine(date, nickname, text, where));
    this.#stats.messagesReceived++;
    this.#stats.charsReceived += codePointLength(text);
  }

  #isMe(nickname: string): boolean {
    return nicknameKey(nickname) === nicknameKey(this.#nickname);
  }

  #onJoined(date: Date, nickname: string, room?: string, members?: string[]): void {
    if (room === undefined) {
      this.#users.set(nicknameKey(nickname), nickname);
      this.#ui.print(formatNotice(date, `${escapeControls(nickname)} joined the chat`));
    } else if (this.#isMe(nickname)) {
      this.#rooms.set(roomKey(room), room);
      const who = (members ?? []).map(escapeControls).join(", ");
      this.#ui.print(formatNotice(date, `You joined ${escapeControls(room)} (members: ${who})`));
      this.#talkIn(room);
    } else {
      this.#ui.print(
        formatNotice(date, `${escapeControls(nickname)} joined ${escapeControls(room)}`),
      );
    }
  }

  #onLeft(date: Date, nickname: string, room?: string, reason?: string): void {
    if (room === undefined) {
      this.#users.delete(nicknameKey(nickname));
      const why = reason === undefined ? "" : ` (${escapeControls(reason)})`;
      this.#ui.print(formatNotice(date, `${escapeControls(nickname)} left the chat${why}`));
    } else if (this.#isMe(nickname)) {
      this.#rooms.delete(roomKey(room));
      this.#ui.print(formatNotice(date, `You left ${escapeControls(room)}`));
      if (this.#target !== undefined && roomKey(this.#target) === roomKey(room)) {
        this.#talkIn(undefined);
      }
    } else {
      this.#ui.print(
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
      this.#ui.print(formatNotice(date, `You are now known as ${escapeControls(nickname)}`));
    } else {
      this.#ui.print(
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
    if (asked === "list") this.#ui.print(`Connected (${users.length}): ${names(users)}`);
    this.#ui.print(
      rooms.length === 0
        ? "Rooms: none yet (/join <#room> makes one)"
        : `Rooms (${rooms.length}): ` +
          rooms.map(({ room, members }) => `${escapeControls(room)} (${names(members)})`)
            .join(", "),
    );
    if (asked === "rooms") {
      const mine = [...this.#rooms.values()];
      this.#ui.print(mine.length === 0 ? "You are in no room" : `You are in: ${names(mine)}`);
    }
  }
}
