/**
 * What arrives from the server, shown: chat lines (to everyone, to a room, private, opened first
 * when end to end and acknowledged when kept while the user was away), history, the notices of
 * who came, went or changed name, account changes, and the answers to `/list` and `/rooms`; the
 * roster follows along. What the user did from another of its connections (an account connected
 * from several clients) shows as its own: a whisper as sent, a room as joined there.
 *
 * @module
 */

import type { ClientMessage, PrivateMessage, RoomInfo, ServerMessage } from "../../protocol.ts";
import { describeFailure, describeUnread, type E2eClient } from "../../web/common/e2e_keys.js";
import { roomLines } from "../../web/common/room_notices.js";
import { escapeControls, formatDateTime } from "../common/text.ts";
import { parseTimestamp } from "../protocol/values.ts";
import { accountNotice, historyEnd } from "./accounts.ts";
import type { Roster } from "./roster.ts";
import { formatChatLine, formatNotice } from "./screen.ts";
import type { ClientUi } from "./session.ts";

/** What a `list` request was for: a user's `/list` or `/rooms`, or the session's own. */
export type ListPurpose = "list" | "rooms" | "self";

/** How incoming messages are shown. */
export interface IncomingOptions {
  /** Where lines and the prompt go. */
  ui: ClientUi;
  /** The time now, for messages that carry none (or none that can be read). */
  now: () => Date;
  /** What the client knows of the chat, kept up to date here. */
  roster: Roster;
  /** Opens end-to-end private messages. */
  keys: Pick<E2eClient, "open">;
  /** Sends a message to the server (acknowledgements). */
  send(message: ClientMessage): void;
  /** Counts a chat message received, for the summary. */
  countReceived(text: string): void;
  /** Makes plain lines go to `room`, or to everyone, saying so. */
  talkIn(room: string | undefined): void;
}

/** Shows what the server sends. */
export class Incoming {
  readonly #options: IncomingOptions;

  /** Shows messages as `options` say. */
  constructor(options: IncomingOptions) {
    this.#options = options;
  }

  /** Shows `message`, if it is one to show (others are left to the session). */
  show(message: ServerMessage): void | Promise<void> {
    const { ui } = this.#options;
    const at = () =>
      parseTimestamp("timestamp" in message ? message.timestamp : undefined) ??
        this.#options.now();
    switch (message.type) {
      case "broadcast":
        if (message.history) {
          ui.print(formatChatLine(at(), message.nickname, message.message, "history"));
        } else this.#showChat(at(), message.nickname, message.message);
        break;
      case "private":
        return this.#onPrivate(message, at());
      case "room":
        if (message.history) {
          ui.print(
            formatChatLine(at(), message.nickname, message.message, `history ${message.room}`),
          );
        } else this.#showChat(at(), message.nickname, message.message, message.room);
        break;
      case "account":
        ui.print(formatNotice(at(), accountNotice(message.action, message.nickname)));
        break;
      case "unread":
        ui.print(escapeControls(describeUnread(message, formatDateTime(new Date(message.t)))));
        if (message.offline && message.id !== undefined) {
          this.#options.send({ type: "ack", id: message.id });
        }
        break;
      case "queued":
        ui.print(
          `${
            escapeControls(message.to)
          } is offline: your message will be delivered when they return`,
        );
        break;
      case "history":
        {
          const line = historyEnd(message.count, message.earlier, message.room);
          if (line !== undefined) ui.print(line);
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
      case "announcement":
        ui.print(
          `${formatDateTime(at())} :: *** Announcement from ${escapeControls(message.nickname)}: ` +
            escapeControls(message.message),
        );
        break;
      case "operator":
        ui.print(formatNotice(at(), escapeControls(message.message)));
        break;
      default:
        for (const line of roomLines(message, escapeControls) ?? []) {
          ui.print(formatNotice(at(), line));
        }
    }
  }

  /**
   * The server listed `users` (`operators` among them) and `rooms`, as asked for `asked` (none
   * shown for the session).
   */
  list(
    users: string[],
    rooms: RoomInfo[],
    asked: ListPurpose | undefined,
    operators: readonly string[] = [],
  ): void {
    const { ui, roster } = this.#options;
    roster.listed(users, rooms.map(({ room }) => room));
    if (asked === undefined || asked === "self") return;
    const names = (list: string[]) => list.map(escapeControls).join(", ");
    const marked = users.map((user) => operators.includes(user) ? `${user} (operator)` : user);
    if (asked === "list") ui.print(`Connected (${users.length}): ${names(marked)}`);
    ui.print(
      rooms.length === 0
        ? "Rooms: none yet (/join <#room> makes one)"
        : `Rooms (${rooms.length}): ` +
          rooms.map(({ room, members, topic }) =>
            `${escapeControls(room)} (${names(members)})` +
            (topic ? ` [${escapeControls(topic)}]` : "")
          ).join(", "),
    );
    if (asked === "rooms") {
      const mine = roster.myRooms();
      ui.print(mine.length === 0 ? "You are in no room" : `You are in: ${names(mine)}`);
    }
  }

  /** Shows a private message, opening it first if it is end-to-end encrypted. */
  async #onPrivate(message: PrivateMessage, date: Date): Promise<void> {
    if (message.to !== undefined) return this.#onSent(message, message.to, date);
    const away = message.offline ? ", while you were away" : "";
    if (message.e2e === undefined) {
      this.#showChat(date, message.nickname, message.message ?? "", `private${away}`);
    } else {
      try {
        const { text, time } = await this.#options.keys.open({ ...message, e2e: message.e2e });
        this.#showChat(time, message.nickname, text, `private, end-to-end${away}`);
      } catch (error) {
        this.#options.ui.print(escapeControls(describeFailure(
          `A private message from ${message.nickname}`,
          error as Error,
        )));
      }
    }
    // Shown (or shown to be unreadable): the server may forget it.
    if (message.offline && message.id !== undefined) {
      this.#options.send({ type: "ack", id: message.id });
    }
  }

  /**
   * Shows a private message the user sent `to` someone from another of its connections, as sent
   * (`[private to Bob] Alice: ...`); not counted as received.
   */
  async #onSent(message: PrivateMessage, to: string, date: Date): Promise<void> {
    const { ui, keys } = this.#options;
    if (message.e2e === undefined) {
      ui.print(formatChatLine(date, message.nickname, message.message ?? "", `private to ${to}`));
      return;
    }
    try {
      const { text, time } = await keys.open({ ...message, e2e: message.e2e });
      ui.print(formatChatLine(time, message.nickname, text, `private, end-to-end, to ${to}`));
    } catch (error) {
      ui.print(escapeControls(describeFailure(
        `A private message you sent to ${to}`,
        error as Error,
      )));
    }
  }

  #showChat(date: Date, nickname: string, text: string, where?: string): void {
    this.#options.ui.print(formatChatLine(date, nickname, text, where));
    this.#options.countReceived(text);
  }

  #onJoined(date: Date, nickname: string, room?: string, members?: string[]): void {
    const { ui, roster } = this.#options;
    if (room === undefined) {
      roster.connected(nickname);
      ui.print(formatNotice(date, `${escapeControls(nickname)} joined the chat`));
    } else if (roster.isMe(nickname) && members === undefined) {
      // Joined from another connection of this account (or before this one came).
      roster.entered(room);
      ui.print(
        formatNotice(date, `You are in ${escapeControls(room)} (joined from another connection)`),
      );
    } else if (roster.isMe(nickname)) {
      roster.entered(room);
      const who = (members ?? []).map(escapeControls).join(", ");
      ui.print(formatNotice(date, `You joined ${escapeControls(room)} (members: ${who})`));
      this.#options.talkIn(room);
    } else {
      ui.print(formatNotice(date, `${escapeControls(nickname)} joined ${escapeControls(room)}`));
    }
  }

  #onLeft(date: Date, nickname: string, room?: string, reason?: string): void {
    const { ui, roster } = this.#options;
    if (room === undefined) {
      roster.disconnected(nickname);
      const why = reason === undefined ? "" : ` (${escapeControls(reason)})`;
      ui.print(formatNotice(date, `${escapeControls(nickname)} left the chat${why}`));
    } else if (roster.isMe(nickname)) {
      roster.exited(room);
      ui.print(formatNotice(date, `You left ${escapeControls(room)}`));
      if (roster.talksIn(room)) this.#options.talkIn(undefined);
    } else {
      ui.print(formatNotice(date, `${escapeControls(nickname)} left ${escapeControls(room)}`));
    }
  }

  #onNick(date: Date, old: string, nickname: string): void {
    const { ui, roster } = this.#options;
    if (roster.renamed(old, nickname)) {
      ui.setPrompt(roster.prompt());
      ui.print(formatNotice(date, `You are now known as ${escapeControls(nickname)}`));
    } else {
      ui.print(
        formatNotice(date, `${escapeControls(old)} is now known as ${escapeControls(nickname)}`),
      );
    }
  }
}
