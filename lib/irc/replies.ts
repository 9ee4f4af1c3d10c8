/**
 * The replies written for one IRC reader: its welcome, its joining a channel (`JOIN`, topic,
 * names), and the answers to the command it is carrying out (`TOPIC`, `MODE`, `LIST`), read from
 * the chat's replies to the command the listener handed on.
 *
 * @module
 */

import type { ServerMessage } from "../../protocol.ts";
import type { Member } from "../core/types.ts";
import type { Lines } from "./lines.ts";
import { RPL } from "./numerics.ts";
import { canSee, maskPattern, names, quietList, welcomeNumerics } from "./queries.ts";
import type { Replies } from "./render.ts";
import { banMask, type IrcView, maskOf, prefixOf } from "./view.ts";

/** What the replies tell the listener of. */
export interface ReplyHooks<M extends Member> {
  /** A kept private message `id` reached `member`. */
  kept(member: M, id: number): void;
  /** A file `id` was offered to `member`. */
  offered(member: M, id: string): void;
  /** The chat asks `member` to log in to its nickname's account. */
  loginAsked(member: M): void;
  /** A user came, left or was renamed (see `Replies.seen`). */
  seen(event: ServerMessage, nickname: string, online: boolean, old?: string): void;
}

/** The replies of one listener. */
export class IrcReplies<M extends Member> implements Replies<M> {
  readonly #view: IrcView<M>;
  readonly #hooks: ReplyHooks<M>;

  /** Replies reading `view`, telling `hooks`. */
  constructor(view: IrcView<M>, hooks: ReplyHooks<M>) {
    this.#view = view;
    this.#hooks = hooks;
  }

  welcome(lines: Lines, member: M): void {
    const session = this.#view.session(member);
    if (session !== undefined) session.welcomed = true;
    welcomeNumerics(this.#view, lines, member);
    this.joined(lines, member, this.#view.everyone);
  }

  joined(lines: Lines, member: M, room: string): void {
    const view = this.#view;
    const session = view.session(member);
    lines.add(maskOf(view, member.nickname!), "JOIN", [room], { label: session?.context?.label });
    const topic = view.record(room)?.topic;
    if (topic) lines.add(view.serverName, RPL.TOPIC, [member.nickname!, room, topic]);
    if (session?.has("draft/read-marker")) {
      const read = view.readMarker(member, room);
      lines.add(view.serverName, "MARKREAD", [
        room,
        read === undefined ? "*" : `timestamp=${read}`,
      ]);
    }
    names(view, lines, member, room);
  }

  reply(lines: Lines, member: M, message: ServerMessage): boolean {
    const view = this.#view;
    const context = view.session(member)?.context;
    const nick = member.nickname!;
    const server = view.serverName;
    switch (message.type) {
      case "topic":
        if (context?.command !== "TOPIC") return true;
        if (message.topic === "") {
          lines.add(server, RPL.NOTOPIC, [nick, message.room, "No topic is set"]);
        } else lines.add(server, RPL.TOPIC, [nick, message.room, message.topic]);
        return true;
      case "roominfo":
        if (context?.command === "JOIN") {
          // Whoever moderates a room it joins (the maker of a room, an account's or a guest's)
          // is opped, as by ChanServ.
          if (prefixOf(view, message.room, member) !== "") {
            lines.add(server, "MODE", [message.room, "+o", nick]);
          }
          return true;
        }
        return false;
      case "bans":
        if (context?.about === "q") {
          quietList(view, lines, member, message.room);
          return true;
        }
        for (const ban of message.bans) {
          if (ban.kind !== "ban") continue;
          const account = view.record(message.room)?.restrictions.some((each) =>
            each.kind === "ban" && each.nickname === ban.nickname && each.account !== undefined
          ) === true;
          lines.add(server, RPL.BANLIST, [
            nick,
            message.room,
            banMask(ban.nickname, account),
            ban.by,
            // When it was set, in seconds (bans kept before that was recorded: none).
            ...(ban.at === undefined ? [] : [String(Math.floor(Date.parse(ban.at) / 1000))]),
          ]);
        }
        lines.add(server, RPL.ENDOFBANLIST, [nick, message.room, "End of channel ban list"]);
        return true;
      case "list":
        return this.#list(lines, member, message);
      case "login": {
        const session = view.session(member);
        if (session?.pass === undefined && session?.saslAccount === undefined) return false;
        this.#hooks.loginAsked(member);
        return true;
      }
      case "history":
        return true;
      default:
        return false;
    }
  }

  kept(member: M, id: number): void {
    this.#hooks.kept(member, id);
  }

  offered(member: M, id: string): void {
    this.#hooks.offered(member, id);
  }

  seen(event: ServerMessage, nickname: string, online: boolean, old?: string): void {
    this.#hooks.seen(event, nickname, online, old);
  }

  /** `LIST`: the rooms `member` may see (matching its masks), then the everyone-chat. */
  #list(lines: Lines, member: M, message: Extract<ServerMessage, { type: "list" }>): boolean {
    const view = this.#view;
    const nick = member.nickname!;
    const server = view.serverName;
    const masks = (view.session(member)?.context?.target ?? "").split(",").filter((m) => m !== "")
      .map((mask) => ({ not: mask.startsWith("!"), pattern: maskPattern(mask.replace(/^!/, "")) }));
    const shown = (name: string) =>
      masks.length === 0 || masks.some(({ not, pattern }) => pattern.test(name) !== not);
    lines.add(server, RPL.LISTSTART, [nick, "Channel", "Users  Name"]);
    for (const room of message.rooms) {
      if (!shown(room.room) || !canSee(view, member, room.room)) continue;
      lines.add(server, RPL.LIST, [nick, room.room, `${room.members.length}`, room.topic ?? ""]);
    }
    if (shown(view.everyone)) {
      lines.add(server, RPL.LIST, [
        nick,
        view.everyone,
        `${message.users.length}`,
        "Everyone in the chat",
      ]);
    }
    lines.add(server, RPL.LISTEND, [nick, "End of /LIST"]);
    return true;
  }
}
