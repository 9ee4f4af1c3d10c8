/**
 * What a registered IRC user says and shows of itself: `PRIVMSG` and `NOTICE` to the
 * everyone-chat, a room or a nickname (echoed with `echo-message`), `TOPIC`, `AWAY`, and
 * `CHATHISTORY`, handed to the chat as its commands.
 *
 * @module
 */

import type { Member } from "../core/types.ts";
import type { IrcHost } from "./host.ts";
import { ERR, RPL } from "./numerics.ts";
import { canSee, channelName, sameNick } from "./queries.ts";
import type { Context, IrcSession } from "./session.ts";
import { maskOf } from "./view.ts";

/** Longest away message. */
const MAX_AWAY_CHARS = 200;
/** Most messages one `CHATHISTORY` may ask for. */
const MAX_CHATHISTORY = 100;

/** `PRIVMSG` or `NOTICE` to one target: the everyone-chat, a room, or a nickname. */
export function say<M extends Member>(
  host: IrcHost<M>,
  member: M,
  session: IrcSession,
  command: string,
  target: string,
  text: string,
  label: string | undefined,
): void {
  const view = host.view;
  const context: Context = { command, target, label };
  if (target.toLowerCase() === view.everyone.toLowerCase()) {
    host.dispatch(member, { kind: "say", text }, context);
    target = view.everyone;
  } else if (target.startsWith("#")) {
    host.dispatch(member, { kind: "room", room: target, text }, context);
    target = view.roomOf(member, target) ?? target;
  } else if (/^[@+&~%]#/.test(target) || target.startsWith("$")) {
    if (command === "PRIVMSG") {
      host.reply(member, (lines) =>
        lines.add(view.serverName, ERR.CANNOTSENDTOCHAN, [
          member.nickname!,
          target,
          "Cannot send to that target",
        ]));
    }
    return;
  } else {
    const recipient = view.find(target);
    if (recipient !== undefined && sameNick(recipient.nickname!, member.nickname!)) {
      // To oneself: IRC allows it, the chat has no need of it; it comes straight back (after
      // the echo and outside its label, when the client asked for echoes).
      target = member.nickname!;
      const mask = maskOf(view, target);
      const deliver = () =>
        host.reply(member, (lines) => lines.addText(mask, command, target, text));
      if (!session.has("echo-message")) return deliver();
      queueMicrotask(deliver);
    } else {
      host.dispatch(member, { kind: "whisper", to: target, text }, context);
      target = recipient?.nickname ?? target;
      const away = recipient === undefined ? undefined : view.session(recipient)?.away;
      if (away !== undefined && command === "PRIVMSG" && !context.refused) {
        host.reply(
          member,
          (lines) => lines.add(view.serverName, RPL.AWAY, [member.nickname!, target, away]),
        );
      }
    }
  }
  if (session.has("echo-message") && !context.refused) {
    host.reply(
      member,
      (lines) =>
        lines.addText(maskOf(view, member.nickname!), command, target, text, {
          time: new Date(host.now()).toISOString(),
          account: member.account === undefined ? undefined : member.nickname,
          label,
          bot: session.bot,
        }),
    );
  }
}

/** `TOPIC #room [text]`: shown, or set. */
export function topic<M extends Member>(
  host: IrcHost<M>,
  member: M,
  target: string,
  text: string | undefined,
): void {
  const view = host.view;
  const server = view.serverName;
  const nick = member.nickname!;
  if (target.toLowerCase() === view.everyone.toLowerCase()) {
    host.reply(
      member,
      (lines) =>
        text === undefined
          ? lines.add(server, RPL.NOTOPIC, [nick, view.everyone, "No topic is set"])
          : lines.add(server, ERR.CHANOPRIVSNEEDED, [nick, view.everyone, "It has no topic"]),
    );
    return;
  }
  const channel = channelName(view, target);
  if (channel === undefined || !canSee(view, member, channel)) {
    host.reply(
      member,
      (lines) => lines.add(server, ERR.NOSUCHCHANNEL, [nick, target, "No such channel"]),
    );
    return;
  }
  if (view.record(channel) === undefined) {
    // A room of guests has no settings, nor a topic.
    host.reply(
      member,
      (lines) =>
        text === undefined
          ? lines.add(server, RPL.NOTOPIC, [nick, channel, "No topic is set"])
          : lines.add(server, ERR.CHANOPRIVSNEEDED, [
            nick,
            channel,
            `${channel} is a room of guests: it has no topic`,
          ]),
    );
    return;
  }
  host.dispatch(
    member,
    text === undefined
      ? { kind: "topic", room: channel }
      : { kind: "topic", room: channel, topic: text },
    { command: "TOPIC", target: channel },
  );
}

/** `AWAY [message]`: away or back, told to those with `away-notify`. */
export function away<M extends Member>(
  host: IrcHost<M>,
  member: M,
  session: IrcSession,
  text: string | undefined,
): void {
  const server = host.view.serverName;
  const nick = member.nickname!;
  const mask = maskOf(host.view, nick);
  if (text === undefined || text === "") {
    session.away = undefined;
    host.reply(
      member,
      (lines) => lines.add(server, RPL.UNAWAY, [nick, "You are no longer marked as being away"]),
    );
    host.tellOthers(member, "away-notify", (lines) => lines.add(mask, "AWAY", []));
    return;
  }
  session.away = text.slice(0, MAX_AWAY_CHARS);
  host.reply(
    member,
    (lines) => lines.add(server, RPL.NOWAWAY, [nick, "You have been marked as being away"]),
  );
  host.tellOthers(
    member,
    "away-notify",
    (lines) => lines.add(mask, "AWAY", [session.away!], {}, true),
  );
}

/** `CHATHISTORY LATEST <target> * <limit>`: a room's (or the everyone-chat's) latest messages. */
export function chathistory<M extends Member>(
  host: IrcHost<M>,
  member: M,
  params: string[],
  label: string | undefined,
): void {
  const view = host.view;
  const fail = (code: string, text: string) =>
    host.reply(
      member,
      (lines) =>
        lines.add(
          view.serverName,
          "FAIL",
          ["CHATHISTORY", code, ...params.slice(1, 2), text],
          {},
          true,
        ),
    );
  const [sub, target, , limitText] = params;
  if (sub?.toUpperCase() !== "LATEST" || target === undefined) {
    return fail("INVALID_PARAMS", "Only CHATHISTORY LATEST <target> * <limit> is supported");
  }
  const count = Math.min(Math.max(Number(limitText) || 50, 1), MAX_CHATHISTORY);
  if (target.toLowerCase() === view.everyone.toLowerCase()) {
    host.dispatch(member, { kind: "history", count }, { command: "CHATHISTORY", target, label });
  } else if (target.startsWith("#")) {
    host.dispatch(member, { kind: "history", room: target, count }, {
      command: "CHATHISTORY",
      target,
      label,
    });
  } else fail("INVALID_TARGET", "History of private messages is not kept");
}
