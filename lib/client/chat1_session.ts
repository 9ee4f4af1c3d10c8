/**
 * A client's session in CHAT/1.0 (spec part B, S1), with any server that speaks it: register,
 * send typed lines as `@<username>: <text>`, show what others say, and leave with
 * `DISCONNECT <username> CHAT/1.0`. A registration reply that does not start with `200` ends
 * the session, as S1 says; so does the server's `DISCONNECT CHAT/1.0`.
 *
 * @module
 */

import { MAX_FRAME_BYTES } from "../../protocol.ts";
import { utf8ByteLength } from "../common/utf8.ts";
import { chat1HelpLines, COMMAND_NAMES, parseCommand } from "./commands.ts";
import { escapeControls } from "../common/text.ts";
import { formatChatLine } from "./screen.ts";
import type { ByteConn } from "../net/conn.ts";
import {
  type LineSource,
  orTimeout,
  Session,
  type SessionEnd,
  type SessionOptions,
  Signal,
} from "./session.ts";
import { chat1Chat, chat1Disconnect, chat1Register, parseChat1Reply } from "../protocol/chat1.ts";

/** How long to wait for the reply to a registration (ms). */
export const CHAT1_REPLY_MS = 10_000;
/** How long the goodbye gets to be written before the connection is closed (ms). */
export const CHAT1_LEAVE_MS = 1000;

/** How a CHAT/1.0 session is set up. */
export interface Chat1SessionOptions extends SessionOptions {
  /** The name to register, and to sign each line with. */
  username: string;
  /** How long to wait for the reply to the registration (ms). */
  replyMs?: number;
  /** How long the goodbye gets to be written before the connection is closed (ms). */
  leaveMs?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One client's session with a CHAT/1.0 server. */
export class Chat1Session extends Session {
  readonly #username: string;
  readonly #replyMs: number;
  readonly #leaveMs: number;
  /** Set while the registration waits for its reply: the reply line, or null if the link ended. */
  #registration: Signal<string | null> | undefined;

  /** Creates a session on `conn`; nothing is sent until `run`. */
  constructor(conn: ByteConn, options: Chat1SessionOptions) {
    super(conn, options, MAX_FRAME_BYTES, { lines: true });
    this.#username = options.username;
    this.#replyMs = options.replyMs ?? CHAT1_REPLY_MS;
    this.#leaveMs = options.leaveMs ?? CHAT1_LEAVE_MS;
  }

  /** Completions for a partly typed line: the commands. */
  complete(line: string): [string[], string] {
    if (!line.startsWith("/") || line.includes(" ")) return [[], line];
    return [COMMAND_NAMES.filter((name) => name.startsWith(line.toLowerCase())), line];
  }

  /** Registers, then sends what the user types until a quit command or the end of input. */
  protected async converse(input: LineSource): Promise<void> {
    const registration = this.#registration = new Signal();
    this.#sendLine(chat1Register(this.#username));
    const reply = await orTimeout(registration.promise, this.#replyMs);
    this.#settleRegistration(null);
    if (reply === null) return; // The connection ended: the session ends as lost.
    if (reply === "timeout" || !reply.startsWith("200")) {
      this.ui.print(
        reply === "timeout"
          ? `No reply to the registration within ${this.#replyMs / 1000} s`
          : escapeControls(reply),
      );
      this.ended.resolve("refused");
      return;
    }
    this.ui.setPrompt(`${escapeControls(this.#username)}> `);
    this.ui.hint("Type a message and press Enter; /help lists the commands.");
    for (let line = await input.next(); line !== null; line = await input.next()) {
      if (!this.#perform(line)) return;
    }
  }

  /** Carries out one typed line; false when it ends the session. */
  #perform(line: string): boolean {
    const command = parseCommand(line);
    if (command.kind === "quit") return false;
    if (command.kind === "say") {
      if (command.text.trim() !== "") this.#say(command.text);
    } else if (command.kind === "help") {
      for (const help of chat1HelpLines()) this.ui.print(help);
    } else if (command.kind === "unknown") {
      this.ui.print(`Unknown command "${escapeControls(command.name)}": /help lists the commands`);
    } else {
      // Everything else needs what CHAT/1.0 does not carry.
      const name = line.trim().split(/\s+/)[0].toLowerCase();
      this.ui.print(`${escapeControls(name)} is not available on a CHAT/1.0 server`);
    }
    return true;
  }

  #say(text: string): void {
    const line = chat1Chat(this.#username, text);
    if (utf8ByteLength(line) > MAX_FRAME_BYTES) {
      this.ui.print(`Message not sent: longer than the limit of ${MAX_FRAME_BYTES} bytes`);
      return;
    }
    this.#sendLine(line);
    this.countSent(text);
  }

  /** Says goodbye (CHAT/1.0 has no reply to it) and lets it be written. */
  protected async leave(): Promise<SessionEnd> {
    this.#sendLine(chat1Disconnect(this.#username));
    const end = await orTimeout(Promise.race([this.drained(), this.ended.promise]), this.#leaveMs);
    return end === "shutdown" ? end : "disconnected";
  }

  /** Handles one line from the server. */
  protected onFrame(frame: Uint8Array): void {
    const line = decoder.decode(frame);
    const reply = parseChat1Reply(line);
    if (reply.kind === "chat") {
      this.ui.print(formatChatLine(this.now(), reply.username, reply.text));
      this.countReceived(reply.text);
    } else if (reply.kind === "disconnect") {
      this.ended.resolve("shutdown");
    } else if (this.#registration !== undefined) {
      this.#settleRegistration(line);
    } else {
      this.ui.print(escapeControls(line));
    }
  }

  /** A closed connection ends the session (and a registration waiting for its reply). */
  protected override onConnectionEnd(): boolean {
    this.#settleRegistration(null);
    return false;
  }

  /** Ends the wait for the registration's reply at once, so later lines are not taken for it. */
  #settleRegistration(reply: string | null): void {
    this.#registration?.resolve(reply);
    this.#registration = undefined;
  }

  #sendLine(line: string): void {
    this.send(encoder.encode(line + "\n"));
  }
}
