/**
 * The chat's messages as IRC lines: what others say (`PRIVMSG`), who comes and goes (`JOIN`,
 * `PART`, `QUIT`, `NICK`), what moderators do (`KICK`, `MODE`, `TOPIC`, `INVITE`), history (in a
 * `chathistory` batch), and the replies of the chat core and its features that IRC carries. What
 * IRC cannot carry (key directories, files) is left out, or said in a `NOTICE`.
 *
 * A message to many is written once for every reader of one set of capabilities; those that
 * name their reader (replies, private messages) are written for it alone (`personal`).
 *
 * @module
 */

import type { ServerMessage } from "../../protocol.ts";
import type { Member } from "../core/types.ts";
import { nicknameKey, roomKey } from "../protocol/values.ts";
import type { Lines, LineTags } from "./lines.ts";
import { RPL } from "./numerics.ts";
import { banMask, type IrcView, loggedIn, maskOf, modeChange, modesOf } from "./view.ts";

/** What writing a reader's replies needs beyond the chat's messages. */
export interface Replies<M extends Member> {
  /** Writes `member`'s welcome: the numerics of registration, then its channels. */
  welcome(lines: Lines, member: M): void;
  /** Writes `member`'s joining `room`: `JOIN`, the topic, the names. */
  joined(lines: Lines, member: M, room: string): void;
  /** Writes the reply to the command `member` is carrying out, from `message`. */
  reply(lines: Lines, member: M, message: ServerMessage): boolean;
  /** A kept private message `id` reached `member`: it is acknowledged for it. */
  kept(member: M, id: number): void;
  /** A file was offered to `member`, which cannot take it: the offer is declined. */
  offered(member: M, id: string): void;
  /** A user came, left or was renamed (`old` to `nickname`), as `event` tells, once or more. */
  seen(event: ServerMessage, nickname: string, online: boolean, old?: string): void;
}

/** A user put out of a room by a moderator: the `PART` that follows is written as a `KICK`. */
interface Removal {
  /** Who did it (their mask), and why. */
  by: string;
  reason: string;
  /** Whether the `KICK` was written already (a kick), so the `PART` is left out. */
  written: boolean;
  /** Until when (ms since the epoch) the leaving may still come. */
  until: number;
}

/**
 * How long a removal waits for its user's leaving (ms): in a cluster, the leaving of a user of
 * another node comes from that node, after the moderator's notice.
 */
const REMOVAL_MS = 10_000;
/** Most removals waiting at once (the oldest is forgotten first). */
const MAX_REMOVALS = 1_000;

/** Types `personal` looks into: for some readers, or in some cases, written for one alone. */
const PERSONAL_TO_SOME_TYPES = new Set<string>([
  "joined",
  "topic",
  "moderated",
  "roominfo",
  "announcement",
]);

/** The types written for one reader alone: replies, and what names its reader. */
const PERSONAL_TYPES = new Set<string>([
  "welcome",
  "private",
  "list",
  "login",
  "account",
  "queued",
  "history",
  "offer",
  "operator",
  "bans",
  "invited",
  "error",
]);

/** Writes the chat's messages as IRC lines. */
export class Renderer<M extends Member> {
  readonly #view: IrcView<M>;
  readonly #replies: Replies<M>;
  /** Users put out of rooms, by room and nickname key, until their leaving comes. */
  readonly #removals = new Map<string, Removal>();
  /** Each room `left`'s removal (null: none), found once for all its readers. */
  readonly #partings = new WeakMap<ServerMessage, Removal | null>();
  /** Each `roominfo`'s mode change, worked out once for all its readers. */
  readonly #changes = new WeakMap<ServerMessage, string>();
  /** The modes each room was last shown with. */
  readonly #modes = new Map<string, string>();
  #batches = 0;
  /** The IRC user whose command is being carried out: the source of the changes it makes. */
  actor: string | undefined;
  /** Set while the actor's command is a `NOTICE`: its lines go as `NOTICE`, not `PRIVMSG`. */
  notice = false;

  /** A renderer reading `view`, writing replies with `replies`. */
  constructor(view: IrcView<M>, replies: Replies<M>) {
    this.#view = view;
    this.#replies = replies;
  }

  /**
   * Whether `messages` may have to be written for some reader alone: only then can `personal` be
   * true, so a message to many is not looked at once per reader.
   */
  personalToSome(messages: readonly ServerMessage[]): boolean {
    return messages.some((message) =>
      PERSONAL_TYPES.has(message.type) || PERSONAL_TO_SOME_TYPES.has(message.type)
    );
  }

  /** Whether `messages` must be written for `to` alone. */
  personal(messages: readonly ServerMessage[], to: Member): boolean {
    for (const message of messages) {
      if (PERSONAL_TYPES.has(message.type)) return true;
      switch (message.type) {
        case "joined":
          if (message.members !== undefined || message.nickname === to.nickname) return true;
          break;
        case "topic":
          if (message.by === undefined) return true;
          break;
        case "moderated":
          if (message.action === "invite") return true;
          break;
        case "announcement":
          // Not for those who turned WALLOPS off (`-w`).
          if (this.#view.session(to as M)?.wallops === false) return true;
          break;
        case "roominfo": {
          // The settings a joiner is shown of a room: for it alone, as its ops.
          if (this.#view.session(to as M)?.context?.command === "JOIN") return true;
          break;
        }
      }
    }
    return false;
  }

  /** Writes `messages` to `lines`, for `to` alone when given. */
  render(lines: Lines, messages: readonly ServerMessage[], to?: M): void {
    let batch: string | undefined;
    for (const message of messages) {
      // A history's end without its lines is an empty batch (draft/chathistory).
      const history = ("history" in message && message.history === true) ||
        message.type === "history";
      if (history && batch === undefined && lines.has("batch")) {
        batch = `h${++this.#batches}`;
        const target = message.type === "room" || message.type === "history"
          ? message.room ?? this.#view.everyone
          : this.#view.everyone;
        lines.add(this.#view.serverName, "BATCH", [`+${batch}`, "chathistory", target]);
      }
      this.#one(lines, message, to, batch);
      if (batch !== undefined && message.type === "history") {
        lines.add(this.#view.serverName, "BATCH", [`-${batch}`]);
        batch = undefined;
      }
    }
    if (batch !== undefined) lines.add(this.#view.serverName, "BATCH", [`-${batch}`]);
  }

  #one(lines: Lines, message: ServerMessage, to: M | undefined, batch?: string): void {
    const view = this.#view;
    const time = "timestamp" in message ? message.timestamp : undefined;
    const tags: LineTags = { time, batch };
    switch (message.type) {
      case "broadcast":
      case "room": {
        const target = message.type === "room" ? message.room : view.everyone;
        const text = this.#dated(lines, message.message, message.history === true, time);
        tags.account = this.#account(message.nickname);
        tags.bot = this.#bot(message.nickname);
        lines.addText(
          maskOf(view, message.nickname),
          this.#verb(message.nickname),
          target,
          text,
          tags,
        );
        return;
      }
      case "private":
        return this.#private(lines, message, to!, tags);
      case "joined":
        if (message.room === undefined) this.#replies.seen(message, message.nickname, true);
        // Back in the room: no leaving is awaited any more.
        else this.#removals.delete(`${roomKey(message.room)} ${nicknameKey(message.nickname)}`);
        if (
          to !== undefined && (message.members !== undefined || message.nickname === to.nickname)
        ) {
          // The joiner learns the room's modes as they are now: later changes are told from them
          // (what was remembered may be of a room of that name that is gone, or changed unseen).
          if (message.room !== undefined) {
            this.#modes.set(roomKey(message.room), modesOf(view.record(message.room)));
          }
          return this.#replies.joined(lines, to, message.room ?? view.everyone);
        }
        lines.add(maskOf(view, message.nickname), "JOIN", [message.room ?? view.everyone], tags);
        return;
      case "left":
        return this.#left(lines, message, tags);
      case "nick":
        this.#replies.seen(message, message.nickname, true, message.old);
        lines.add(maskOf(view, message.nickname, message.old), "NICK", [message.nickname], tags);
        return;
      case "topic":
        if (message.by !== undefined) {
          lines.add(maskOf(view, message.by), "TOPIC", [message.room, message.topic], tags, true);
        } else if (to !== undefined) this.#replies.reply(lines, to, message);
        return;
      case "moderated":
        return this.#moderated(lines, message, to, tags);
      case "roominfo":
        if (to !== undefined && this.#replies.reply(lines, to, message)) return;
        return this.#modeChange(lines, message);
      case "invited":
        lines.add(maskOf(view, message.by), "INVITE", [to!.nickname!, message.room], tags);
        return;
      case "welcome":
        return this.#replies.welcome(lines, to!);
      case "announcement":
        // IRC's WALLOPS, to those with user mode +w (everyone, until they set -w).
        if (to !== undefined && view.session(to)?.wallops === false) return;
        lines.addText(maskOf(view, message.nickname), "WALLOPS", undefined, message.message, tags);
        return;
      case "queued":
        return this.#notice(lines, to!, `${message.to} is away: your message will be kept`);
      case "account":
        return this.#notice(lines, to!, `Account ${message.nickname}: ${message.action} done`);
      case "operator":
      case "login":
        if (to !== undefined && this.#replies.reply(lines, to, message)) return;
        return this.#notice(
          lines,
          to!,
          message.type === "operator"
            ? message.message
            : `${message.nickname} is an account: log in with SASL PLAIN or PASS`,
        );
      case "offer":
        this.#notice(
          lines,
          to!,
          `${message.from} offers the file ${message.name} (${message.size} bytes): ` +
            "IRC cannot receive files",
        );
        this.#replies.offered(to!, message.id);
        return;
      case "error":
      case "shutdown":
        lines.add(undefined, "ERROR", [message.message ?? "Server is shutting down"], {}, true);
        return;
      case "goodbye":
        lines.add(undefined, "ERROR", ["Closing link: goodbye"], {}, true);
        return;
      case "list":
      case "bans":
      case "history":
        if (to !== undefined) this.#replies.reply(lines, to, message);
        return;
      default:
        // Keys, devices and files in transfer: IRC carries none of them.
        return;
    }
  }

  #private(
    lines: Lines,
    message: Extract<ServerMessage, { type: "private" }>,
    to: M,
    tags: LineTags,
  ): void {
    const view = this.#view;
    const self = message.to !== undefined;
    const source = maskOf(view, self ? to.nickname! : message.nickname);
    const target = self ? message.to! : to.nickname!;
    tags.account = self ? undefined : this.#account(message.nickname);
    tags.bot = this.#bot(self ? to.nickname! : message.nickname);
    if (message.e2e !== undefined || message.message === undefined) {
      lines.add(source, "NOTICE", [target, "(an end-to-end message IRC cannot open)"], tags);
    } else {
      const text = this.#dated(lines, message.message, message.offline === true, tags.time);
      lines.addText(source, this.#verb(message.nickname), target, text, tags);
    }
    if (message.offline === true && message.id !== undefined) this.#replies.kept(to, message.id);
  }

  #left(lines: Lines, message: Extract<ServerMessage, { type: "left" }>, tags: LineTags): void {
    const mask = maskOf(this.#view, message.nickname);
    if (message.room === undefined) {
      this.#replies.seen(message, message.nickname, false);
      lines.add(mask, "QUIT", [message.reason ?? "Quit"], tags, true);
      return;
    }
    const removal = this.#removalOf(message, message.room);
    if (removal === undefined) {
      const reason = message.reason === undefined ? [] : [message.reason];
      lines.add(mask, "PART", [message.room, ...reason], tags, reason.length > 0);
    } else if (!removal.written) {
      lines.add(removal.by, "KICK", [message.room, message.nickname, removal.reason], tags, true);
    }
  }

  #moderated(
    lines: Lines,
    message: Extract<ServerMessage, { type: "moderated" }>,
    to: M | undefined,
    tags: LineTags,
  ): void {
    const view = this.#view;
    const by = message.by === undefined ? view.serverName : maskOf(view, message.by);
    const { room, nickname } = message;
    const account = loggedIn(view, view.find(nickname)) ||
      view.record(room)?.members[nicknameKey(nickname)] !== undefined;
    const mode = (change: string, param: string) =>
      lines.add(by, "MODE", [room, change, param], tags);
    switch (message.action) {
      case "kick": {
        // Without a reason, the comment is the kicker's nickname (Modern IRC's default).
        const comment = message.reason ?? message.by ?? view.serverName;
        this.#remove(room, nickname, by, comment, true);
        lines.add(by, "KICK", [room, nickname, comment], tags, true);
        return;
      }
      case "ban":
        this.#remove(room, nickname, by, message.reason ?? "Banned", false);
        return mode("+b", banMask(nickname, account));
      case "unban":
        return mode("-b", banMask(nickname, account));
      case "mute":
        return mode("+q", banMask(nickname, account));
      case "unmute":
        return mode("-q", banMask(nickname, account));
      case "op":
        return mode("+o", nickname);
      case "deop":
        return mode("-o", nickname);
      case "invite":
        if (to !== undefined) {
          lines.add(view.serverName, RPL.INVITING, [to.nickname!, nickname, room]);
        }
        return;
      default:
        lines.add(by, "NOTICE", [room, `${room}: ${message.action} ${nickname}`], tags, true);
    }
  }

  /**
   * Notes that `nickname` is put out of `room` now, so that its `PART` reads as a `KICK` (here
   * or, for a user of another node, once its node says it left).
   */
  #remove(room: string, nickname: string, by: string, reason: string, written: boolean): void {
    const key = `${roomKey(room)} ${nicknameKey(nickname)}`;
    const now = this.#view.now();
    if ((this.#removals.get(key)?.until ?? 0) > now) return;
    this.#removals.delete(key);
    if (this.#removals.size >= MAX_REMOVALS) {
      this.#removals.delete(this.#removals.keys().next().value!);
    }
    this.#removals.set(key, { by, reason, written, until: now + REMOVAL_MS });
  }

  /** The removal `message` (a leaving of `room`) ends, if any: taken once, for every reader. */
  #removalOf(message: ServerMessage & { nickname: string }, room: string): Removal | undefined {
    const found = this.#partings.get(message);
    if (found !== undefined) return found ?? undefined;
    const key = `${roomKey(room)} ${nicknameKey(message.nickname)}`;
    const removal = this.#removals.get(key);
    this.#removals.delete(key);
    const live = removal !== undefined && removal.until > this.#view.now() ? removal : undefined;
    this.#partings.set(message, live ?? null);
    return live;
  }

  /** A room's settings changed: `MODE` with what changed, worked out once per message. */
  #modeChange(lines: Lines, message: Extract<ServerMessage, { type: "roominfo" }>): void {
    let change = this.#changes.get(message);
    if (change === undefined) {
      const key = roomKey(message.room);
      const now = modesOf(this.#view.record(message.room));
      change = modeChange(this.#modes.get(key) ?? "+nt", now);
      this.#modes.set(key, now);
      this.#changes.set(message, change);
    }
    const source = this.actor === undefined
      ? this.#view.serverName
      : maskOf(this.#view, this.actor);
    if (change !== "") lines.add(source, "MODE", [message.room, change]);
  }

  #notice(lines: Lines, to: M, text: string): void {
    lines.addText(this.#view.serverName, "NOTICE", to.nickname ?? "*", text);
  }

  /** `NOTICE` for what the actor says while its command is one, else `PRIVMSG`. */
  #verb(nickname: string): string {
    return this.notice && nickname === this.actor ? "NOTICE" : "PRIVMSG";
  }

  /** Whether the user going by `nickname` is a bot (IRC user mode `+B`). */
  #bot(nickname: string): boolean {
    const member = this.#view.find(nickname);
    return member !== undefined && this.#view.session(member)?.bot === true;
  }

  /** The account of the user going by `nickname`, for `account-tag`. */
  #account(nickname: string): string | undefined {
    return loggedIn(this.#view, this.#view.find(nickname)) ? nickname : undefined;
  }

  /** `text`, with its date before it when it is old and the reader takes no `server-time`. */
  #dated(lines: Lines, text: string, old: boolean, time: string | undefined): string {
    if (!old || lines.has("server-time") || time === undefined) return text;
    return `[${time.slice(0, 16).replace("T", " ")}] ${text}`;
  }
}
