/**
 * The user's commands, carried out: chat lines stamped and sent in the order typed (to everyone,
 * to the room talked in, or to one user, sealed end to end first when that can be), where plain
 * lines go, the requests for rooms, nicknames, lists, history and accounts, and the file, key and
 * help commands handed on.
 *
 * @module
 */

import {
  type ClientMessage,
  encodeMessage,
  MAX_FRAME_BYTES,
  type PrivateRequest,
} from "../../protocol.ts";
import type { E2eClient } from "../../web/common/e2e_keys.js";
import { roomRequest } from "../../web/common/room_commands.js";
import { InOrder } from "../common/in_order.ts";
import { escapeControls } from "../common/text.ts";
import { nicknameProblem } from "../protocol/values.ts";
import { type Command, helpLines } from "./commands.ts";
import type { FileTransfers } from "./files/transfers.ts";
import type { Roster } from "./roster.ts";
import { formatNotice } from "./screen.ts";
import type { ClientUi } from "./session.ts";

/** How the user's commands are carried out. */
export interface OutgoingOptions {
  /** Where lines and the prompt go. */
  ui: ClientUi;
  /** The time now, stamped on chat lines. */
  now: () => Date;
  /** Who this user is and where its lines go. */
  roster: Roster;
  /** Seals whispers end to end, and does the key commands (`/fingerprint`, `/devices`...). */
  keys: Pick<E2eClient, "seal" | "perform">;
  /** Does the file commands. */
  transfers: Pick<FileTransfers, "send" | "accept" | "reject" | "cancel" | "list">;
  /** Sends an encoded message to the server. */
  sendFrame(frame: Uint8Array): void;
  /** Counts a chat message sent, for the summary. */
  countSent(text: string): void;
  /** Asks the server who is there and which rooms, for `/list` or `/rooms`. */
  requestList(purpose: "list" | "rooms"): void;
}

/** A chat line before it is stamped: to everyone, to a room, or private. */
type ChatLine =
  | { type: "message"; message: string }
  | { type: "room"; room: string; message: string }
  | PrivateRequest;

/** Carries out the user's commands. */
export class Outgoing {
  readonly #options: OutgoingOptions;
  /** What is sent, in order: end-to-end messages are sealed async. */
  readonly #sending = new InOrder();

  /** Carries out commands as `options` say. */
  constructor(options: OutgoingOptions) {
    this.#options = options;
  }

  /** Carries out one command; false when it ends the session. */
  perform(command: Command): boolean {
    const { ui, roster, keys, transfers } = this.#options;
    switch (command.kind) {
      case "quit":
        return false;
      case "say": {
        const { text } = command, room = roster.target; // Where it goes is decided now.
        if (text.trim() === "") break;
        const message = room === undefined
          ? { type: "message" as const, message: text }
          : { type: "room" as const, room, message: text };
        this.#sending.run(() => this.#sendChat(message));
        break;
      }
      case "whisper":
        this.#sending.run(async () => {
          const message = await keys.seal(command.to, command.text);
          if (message !== undefined) this.#sendChat(message, command.text);
        }, (error) => ui.print(`Not sent: ${(error as Error).message}`));
        break;
      case "nick": {
        const problem = nicknameProblem(command.nickname);
        if (problem !== undefined) ui.print(problem);
        else this.#send({ type: "nick", nickname: command.nickname });
        break;
      }
      case "join": {
        const joined = roster.joined(command.room);
        if (joined === undefined) this.#send({ type: "join", room: command.room });
        else this.talkIn(joined);
        break;
      }
      case "leave": {
        const room = command.room ?? roster.target;
        if (room === undefined) ui.print("You are not talking in a room: /leave <#room>");
        else this.#send({ type: "leave", room });
        break;
      }
      case "all":
        this.talkIn(undefined);
        break;
      case "list":
      case "rooms":
        this.#options.requestList(command.kind);
        break;
      case "unregister":
        this.#send({ type: "account", action: "unregister" });
        break;
      case "history":
        this.#send({ type: "history", room: command.room, count: command.count });
        break;
      case "operator":
        this.#send(command.message);
        break;
      case "send":
        transfers.send(command.to, command.path);
        break;
      case "accept":
        transfers.accept(command.n);
        break;
      case "reject":
        transfers.reject(command.n);
        break;
      case "cancel":
        transfers.cancel(command.n);
        break;
      case "transfers":
        transfers.list();
        break;
      case "fingerprint":
      case "trust":
      case "devices":
      case "approve":
      case "revoke":
        keys.perform(command);
        break;
      case "help":
        for (const line of helpLines()) ui.print(line);
        break;
      case "usage":
        ui.print(command.usage);
        break;
      case "unknown":
        ui.print(`Unknown command "${escapeControls(command.name)}": /help lists the commands`);
        break;
      case "roomop": {
        const room = command.room ?? roster.target;
        if (room === undefined) ui.print("You are not talking in a room: name one (#room)");
        else this.#send(roomRequest(command, room));
        break;
      }
    }
    return true;
  }

  /** Makes plain lines go to `room`, or to everyone, and says so. */
  talkIn(room: string | undefined): void {
    const { ui, roster } = this.#options;
    roster.target = room;
    ui.setPrompt(roster.prompt());
    ui.print(
      formatNotice(
        this.#options.now(),
        room === undefined
          ? "Your lines now go to everyone"
          : `Your lines now go to ${room}; /all talks to everyone`,
      ),
    );
  }

  /** Resolves once everything typed so far has been sent (or refused). */
  idle(): Promise<void> {
    return this.#sending.idle();
  }

  /** Sends a chat line (to everyone, a room or one user) stamped now, and counts it. */
  #sendChat(message: ChatLine, text = message.message ?? ""): void {
    const { ui, roster } = this.#options;
    const timestamp = this.#options.now().toISOString();
    const stamped: ClientMessage = message.type === "message"
      ? { ...message, nickname: roster.nickname, timestamp }
      : { ...message, timestamp };
    const frame = encodeMessage(stamped);
    if (frame.length - 1 > MAX_FRAME_BYTES) {
      ui.print(`Message not sent: longer than the limit of ${MAX_FRAME_BYTES} bytes`);
      return;
    }
    this.#options.sendFrame(frame);
    this.#options.countSent(text);
  }

  #send(message: ClientMessage): void {
    this.#options.sendFrame(encodeMessage(message));
  }
}
