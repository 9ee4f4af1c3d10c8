/**
 * A registered IRC user's commands: what to say and to whom (`PRIVMSG`, `NOTICE`), channels
 * (`JOIN`, `PART`, `TOPIC`, `NAMES`, `LIST`), nicknames, `AWAY`, the queries, and moderation
 * (`MODE`, `KICK`, `INVITE`) as the chat's commands; anything else gets `421`.
 *
 * @module
 */

import type { Command, Member } from "../core/types.ts";
import type { IrcHost } from "./host.ts";
import type { IrcMessage } from "./message.ts";
import { handleMode } from "./modes.ts";
import { away, chathistory, say, topic } from "./talk.ts";
import { ERR, RPL } from "./numerics.ts";
import {
  canSee,
  channelName,
  ison,
  lusers,
  MAX_CHANNELS,
  motd,
  names,
  TARGMAX,
  userhost,
  VERSION,
  who,
  whois,
} from "./queries.ts";
import { ircNickProblem } from "./registration.ts";
import type { IrcSession } from "./session.ts";
import { parseTimestamp } from "../protocol/values.ts";
import type { Lines } from "./lines.ts";
import { maskOf } from "./view.ts";

/** Longest real name (`SETNAME`). */
const MAX_REALNAME_CHARS = 200;

/** Carries out `message` of a registered user. */
export function handleCommand<M extends Member>(
  host: IrcHost<M>,
  member: M,
  session: IrcSession,
  message: IrcMessage,
): void {
  const view = host.view;
  const server = view.serverName;
  const nick = member.nickname!;
  const { params, command } = message;
  const label = message.tags.label;
  const numeric = (code: string, ...rest: string[]) =>
    host.reply(member, (lines) => lines.add(server, code, [nick, ...rest]));
  const needs = (count: number) => {
    if (params.length >= count && params.slice(0, count).every((param) => param !== "")) {
      return true;
    }
    numeric(ERR.NEEDMOREPARAMS, command, "Not enough parameters");
    return false;
  };
  // The targets of `list` that the command takes (ISUPPORT's TARGMAX); 407 for the rest.
  const targetsOf = (list: string) => {
    const all = list.split(",");
    const most = TARGMAX[command];
    if (all.length > most && command !== "NOTICE") {
      numeric(
        ERR.TOOMANYTARGETS,
        all[most] || "*",
        `Too many targets: ${command} takes at most ${most}, the rest were not carried out`,
      );
    }
    return all.slice(0, most);
  };
  switch (command) {
    case "PRIVMSG":
    case "NOTICE":
      if (params.length === 0 || params[0] === "") {
        if (command === "PRIVMSG") numeric(ERR.NORECIPIENT, `No recipient given (${command})`);
        return;
      }
      if (params.length < 2 || params[1] === "") {
        if (command === "PRIVMSG") numeric(ERR.NOTEXTTOSEND, "No text to send");
        return;
      }
      for (const target of targetsOf(params[0])) {
        say(host, member, session, command, target, params[1], label);
      }
      session.lastSpoke = host.now();
      return;
    case "JOIN":
      if (!needs(1)) return;
      if (params[0] === "0") {
        for (const room of view.roomsOf(member)) {
          host.dispatch(member, { kind: "leave", room }, { command: "PART", target: room });
        }
        return;
      }
      for (const target of targetsOf(params[0])) {
        if (target.toLowerCase() === view.everyone.toLowerCase()) continue;
        if (!target.startsWith("#")) {
          numeric(ERR.NOSUCHCHANNEL, target, "No such channel");
          continue;
        }
        if (
          view.roomOf(member, target) === undefined && view.roomsOf(member).length >= MAX_CHANNELS
        ) {
          numeric(
            ERR.TOOMANYCHANNELS,
            target,
            `You are in ${MAX_CHANNELS} channels: PART one first`,
          );
          continue;
        }
        host.dispatch(member, { kind: "join", room: target }, { command, target, label });
      }
      return;
    case "PART":
      if (!needs(1)) return;
      for (const target of targetsOf(params[0])) {
        if (target.toLowerCase() === view.everyone.toLowerCase()) {
          host.reply(
            member,
            (lines) =>
              lines.addText(
                server,
                "NOTICE",
                nick,
                `Everyone is in ${view.everyone}: it cannot be left`,
              ),
          );
          continue;
        }
        if (view.roomOf(member, target) === undefined) {
          numeric(
            channelName(view, target) === undefined ? ERR.NOSUCHCHANNEL : ERR.NOTONCHANNEL,
            target,
            "You're not on that channel",
          );
          continue;
        }
        const leave: Command = params[1] === undefined || params[1] === ""
          ? { kind: "leave", room: target }
          : { kind: "leave", room: target, reason: params[1] };
        host.dispatch(member, leave, { command, target, label });
      }
      return;
    case "NICK": {
      const wanted = params[0];
      if (wanted === undefined || wanted === "") {
        numeric(ERR.NONICKNAMEGIVEN, "No nickname given");
        return;
      }
      const problem = ircNickProblem(wanted);
      if (problem !== undefined) return numeric(ERR.ERRONEUSNICKNAME, wanted, problem);
      if (wanted === nick) return;
      host.dispatch(member, { kind: "nick", nickname: wanted }, { command, target: wanted, label });
      return;
    }
    case "TOPIC":
      if (!needs(1)) return;
      return topic(host, member, params[0], params[1]);
    case "NAMES": {
      const targets = params[0] === undefined ? [] : params[0].split(",");
      if (targets.length === 0) {
        for (const room of [view.everyone, ...view.roomsOf(member)]) {
          host.reply(member, (lines) => names(view, lines, member, room));
        }
        return;
      }
      for (const target of targetsOf(params[0])) {
        const channel = channelName(view, target);
        host.reply(member, (lines) => {
          if (channel !== undefined && canSee(view, member, channel)) {
            names(view, lines, member, channel);
          } else lines.add(server, RPL.ENDOFNAMES, [nick, target, "End of /NAMES list."]);
        });
      }
      return;
    }
    case "LIST":
      host.dispatch(member, { kind: "list" }, { command, target: params[0], label });
      return;
    case "WHO":
      host.reply(member, (lines) => who(view, lines, member, params[0] ?? "*"));
      return;
    case "WHOIS":
      if (!needs(1)) return;
      host.reply(
        member,
        (lines) => whois(view, lines, member, (params[1] ?? params[0]).split(",")[0]),
      );
      return;
    case "WHOWAS":
      if (params.length === 0 || params[0] === "") {
        numeric(ERR.NONICKNAMEGIVEN, "No nickname given");
        return;
      }
      host.whowas(member, params[0].split(",")[0], Number(params[1]) || 0);
      return;
    case "USERHOST":
      if (!needs(1)) return;
      host.reply(member, (lines) => userhost(view, lines, member, params));
      return;
    case "ISON":
      if (!needs(1)) return;
      host.reply(member, (lines) => ison(view, lines, member, params.join(" ").split(" ")));
      return;
    case "LUSERS":
      host.reply(member, (lines) => lusers(view, lines, member));
      return;
    case "MOTD":
      host.reply(member, (lines) => motd(view, lines, member));
      return;
    case "VERSION":
      numeric(RPL.VERSION, VERSION, server, "Chat for Deno: JSON, CHAT/1.0, WebSocket and IRC");
      host.reply(member, (lines) => {
        lines.add(server, RPL.ISUPPORT, [nick, "UTF8ONLY", "are supported"]);
      });
      return;
    case "TIME":
      numeric(
        RPL.TIME,
        server,
        `${Math.floor(host.now() / 1000)}`,
        "0",
        new Date(host.now()).toUTCString(),
      );
      return;
    case "INFO":
      host.reply(member, (lines) => {
        lines.add(server, RPL.INFO, [nick, "Chat for Deno: one chat on every wire"]);
        lines.add(server, RPL.ENDOFINFO, [nick, "End of INFO list"]);
      });
      return;
    case "ADMIN":
      host.reply(member, (lines) => {
        lines.add(server, RPL.ADMINME, [nick, server, "Administrative info"]);
        lines.add(server, RPL.ADMINLOC1, [nick, "The chat's own server"]);
        lines.add(server, RPL.ADMINLOC2, [nick, "Ask a server operator"]);
        lines.add(server, RPL.ADMINEMAIL, [nick, "-"]);
      });
      return;
    case "AWAY":
      return away(host, member, session, params[0]);
    case "MODE":
      if (!needs(1)) return;
      return handleMode(host, member, session, params, label);
    case "KICK": {
      if (!needs(2)) return;
      const [room, who, reason] = params;
      for (const target of targetsOf(who)) {
        const kick: Command = reason === undefined || reason === ""
          ? { kind: "moderate", room, action: "kick", nickname: target }
          : { kind: "moderate", room, action: "kick", nickname: target, reason };
        host.dispatch(member, kick, { command, target: room, about: target, label });
      }
      return;
    }
    case "INVITE": {
      if (!needs(2)) return;
      const [target, room] = params;
      if (view.find(target) === undefined) return numeric(ERR.NOSUCHNICK, target, "No such nick");
      if (channelName(view, room) === undefined) {
        return numeric(ERR.NOSUCHCHANNEL, room, "No such channel");
      }
      if (view.roomOf(member, room) === undefined) {
        return numeric(ERR.NOTONCHANNEL, room, "You're not on that channel");
      }
      host.dispatch(member, { kind: "invite", room, nickname: target }, {
        command,
        target: room,
        about: target,
        label,
      });
      return;
    }
    case "OPER":
      if (!needs(2)) return;
      host.oper(member, params[0], params[1]);
      return;
    case "KILL":
      if (!needs(1)) return;
      host.dispatch(member, {
        kind: "operator",
        action: "kill",
        target: params[0],
        ...(params[1] === undefined ? {} : { reason: params[1] }),
      }, { command, target: params[0], label });
      return;
    case "WALLOPS":
      if (!needs(1)) return;
      host.dispatch(member, { kind: "operator", action: "wall", text: params[0] }, {
        command,
        label,
      });
      return;
    case "HELP":
    case "HELPOP":
      host.reply(member, (lines) => {
        const subject = params[0] ?? "*";
        lines.add(server, RPL.HELPSTART, [nick, subject, "Chat for Deno speaks IRC"]);
        lines.add(server, RPL.HELPTXT, [nick, subject, "Commands: JOIN PART PRIVMSG NOTICE"]);
        lines.add(server, RPL.ENDOFHELP, [nick, subject, "End of /HELP"]);
      });
      return;
    case "SETNAME": {
      const realname = params[0] ?? "";
      if (realname === "" || realname.length > MAX_REALNAME_CHARS) {
        host.reply(
          member,
          (lines) =>
            lines.add(
              server,
              "FAIL",
              ["SETNAME", "INVALID_REALNAME", "Invalid real name"],
              {},
              true,
            ),
        );
        return;
      }
      session.realname = realname;
      const mask = maskOf(view, nick);
      const line = (lines: Lines) => lines.add(mask, "SETNAME", [realname], {}, true);
      if (session.has("setname")) host.reply(member, line);
      host.tellOthers(member, "setname", line);
      return;
    }
    case "MARKREAD": {
      const fail = (code: string, text: string) =>
        host.reply(
          member,
          (lines) => lines.add(server, "FAIL", ["MARKREAD", code, text], {}, true),
        );
      if (params.length === 0 || params[0] === "") {
        return fail("NEED_MORE_PARAMS", "MARKREAD needs a target");
      }
      if (params[1] === undefined) return host.markRead(member, params[0]);
      const time = /^timestamp=(.+)$/.exec(params[1])?.[1];
      if (time === undefined || parseTimestamp(time) === undefined || !time.endsWith("Z")) {
        return fail("INVALID_PARAMS", "Give timestamp=<ISO 8601 time in UTC>");
      }
      host.markRead(member, params[0], parseTimestamp(time)!.toISOString());
      return;
    }
    case "MONITOR":
      if (!needs(1)) return;
      host.monitor(member, params[0], params[1]);
      return;
    case "CHATHISTORY":
      return chathistory(host, member, params, label);
    default:
      numeric(ERR.UNKNOWNCOMMAND, command, "Unknown command");
  }
}
