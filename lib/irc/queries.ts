/**
 * IRC's replies that read the chat and change nothing: the welcome's numerics and `ISUPPORT`,
 * `LUSERS`, `MOTD`, `NAMES`, `WHO`, `WHOIS`, `USERHOST`, `ISON`, `TIME`, `VERSION` and `INFO`.
 *
 * @module
 */

import type { Member } from "../core/types.ts";
import { MAX_NICKNAME_CHARS, MAX_ROOM_CHARS, nicknameKey } from "../protocol/values.ts";
import { MAX_TOPIC_CHARS } from "../rooms/room_record.ts";
import type { Lines } from "./lines.ts";
import type { IrcSession } from "./session.ts";
import { ERR, RPL } from "./numerics.ts";
import {
  hostOf,
  type IrcView,
  loggedIn,
  maskOf,
  modesOf,
  mutedIn,
  prefixOf,
  userOf,
} from "./view.ts";

/** The version shown by `004` and `VERSION`. */
export const VERSION = "chat-deno-1";

/** Most channels an IRC user may be in besides the everyone-chat (ISUPPORT `CHANLIMIT`). */
export const MAX_CHANNELS = 100;

/** Most targets of each command that takes a list of them (ISUPPORT `TARGMAX`). */
export const TARGMAX: Readonly<Record<string, number>> = {
  PRIVMSG: 4,
  NOTICE: 4,
  JOIN: 10,
  PART: 10,
  NAMES: 1,
  WHOIS: 1,
  KICK: 1,
};

/** The `ISUPPORT` tokens, in the order `005` lists them. */
export function isupport<M extends Member>(view: IrcView<M>): string[] {
  return [
    "AWAYLEN=200",
    "BOT=B",
    "CASEMAPPING=ascii",
    `CHANLIMIT=#&:${MAX_CHANNELS}`,
    "CHANMODES=bq,,,imnt",
    `CHANNELLEN=${MAX_ROOM_CHARS}`,
    "CHANTYPES=#&",
    "CHATHISTORY=100",
    "CLIENTTAGDENY=*",
    "ELIST=",
    `KICKLEN=200`,
    "MODES=4",
    "MONITOR=100",
    "NAMELEN=200",
    `NETWORK=${view.serverName}`,
    `NICKLEN=${MAX_NICKNAME_CHARS}`,
    "PREFIX=(o)@",
    `TARGMAX=${Object.entries(TARGMAX).map(([command, most]) => `${command}:${most}`).join(",")}`,
    `TOPICLEN=${MAX_TOPIC_CHARS}`,
    "UTF8ONLY",
  ];
}

/** Writes the numerics of registration: 001 to 005, `LUSERS`, `MOTD` and the user's modes. */
export function welcomeNumerics<M extends Member>(view: IrcView<M>, lines: Lines, me: M): void {
  const nick = me.nickname!;
  const server = view.serverName;
  lines.add(server, RPL.WELCOME, [nick, `Welcome to the chat, ${maskOf(view, nick)}`]);
  lines.add(server, RPL.YOURHOST, [nick, `Your host is ${server}, running version ${VERSION}`]);
  lines.add(server, RPL.CREATED, [nick, `This server was created ${view.startedAt.toISOString()}`]);
  lines.add(server, RPL.MYINFO, [nick, server, VERSION, "iowB", "imnt", "bqo"]);
  const tokens = isupport(view);
  for (let i = 0; i < tokens.length; i += 12) {
    lines.add(server, RPL.ISUPPORT, [nick, ...tokens.slice(i, i + 12), "are supported"]);
  }
  lusers(view, lines, me);
  motd(view, lines, me);
  lines.add(server, RPL.UMODEIS, [nick, userModes(view, me)]);
}

/** `me`'s user modes, as `221` shows them: `+i` always, `w`, `o` and `B` when set. */
export function userModes<M extends Member>(view: IrcView<M>, me: M): string {
  const session = view.session(me);
  return "+i" + (session?.wallops === false ? "" : "w") + (view.isOperator(me) ? "o" : "") +
    (session?.bot === true ? "B" : "");
}

/** Writes the reply to `LUSERS`. */
export function lusers<M extends Member>(view: IrcView<M>, lines: Lines, me: M): void {
  const nick = me.nickname!;
  const server = view.serverName;
  const users = view.size;
  const peak = view.peak();
  const operators = [...view.members()].filter((member) => view.isOperator(member)).length;
  const rooms = new Set(view.keptRooms().map((room) => room.toLowerCase()));
  for (const member of view.members()) {
    for (const room of view.roomsOf(member)) rooms.add(room.toLowerCase());
  }
  lines.add(server, RPL.LUSERCLIENT, [
    nick,
    `There are ${users} users and 0 invisible on 1 servers`,
  ]);
  lines.add(server, RPL.LUSEROP, [nick, `${operators}`, "operator(s) online"]);
  lines.add(server, RPL.LUSERUNKNOWN, [nick, `${view.unregistered()}`, "unknown connection(s)"]);
  lines.add(server, RPL.LUSERCHANNELS, [nick, `${rooms.size + 1}`, "channels formed"]);
  lines.add(server, RPL.LUSERME, [nick, `I have ${users} clients and 0 servers`]);
  // The counts of 265 and 266 are optional (Modern IRC): the peak is said in words only.
  lines.add(server, RPL.LOCALUSERS, [nick, `Current local users ${users}, max ${peak}`]);
  lines.add(server, RPL.GLOBALUSERS, [nick, `Current global users ${users}, max ${peak}`]);
}

/** Writes the message of the day. */
export function motd<M extends Member>(view: IrcView<M>, lines: Lines, me: M): void {
  const nick = me.nickname!;
  const server = view.serverName;
  lines.add(server, RPL.MOTDSTART, [nick, `- ${server} Message of the day -`]);
  for (
    const text of [
      `Everyone here is in ${view.everyone}: users of IRC, JSON, CHAT/1.0 and the web page alike.`,
      "Rooms are channels. Log in to an account with SASL PLAIN (or PASS).",
    ]
  ) lines.add(server, RPL.MOTD, [nick, `- ${text}`]);
  lines.add(server, RPL.ENDOFMOTD, [nick, "End of /MOTD command."]);
}

/**
 * The members of `channel` (the everyone-chat's or a room's), with their prefixes, and their
 * full masks for a reader with `userhost-in-names`.
 */
function namesOf<M extends Member>(
  view: IrcView<M>,
  channel: string,
  reader: IrcSession | undefined,
): string[] {
  const everyone = channel.toLowerCase() === view.everyone.toLowerCase();
  const members = everyone ? view.members() : view.membersOf(channel);
  const multi = reader?.has("multi-prefix") === true;
  const full = reader?.has("userhost-in-names") === true;
  const names: string[] = [];
  for (const member of members) {
    const prefix = everyone ? "" : prefixOf(view, channel, member);
    const name = full ? maskOf(view, member.nickname!) : member.nickname!;
    names.push((multi ? prefix : prefix.slice(0, 1)) + name);
  }
  return names;
}

/** Writes `NAMES` of `channel` (its name as the chat has it) for `me`, with its end. */
export function names<M extends Member>(
  view: IrcView<M>,
  lines: Lines,
  me: M,
  channel: string,
): void {
  const nick = me.nickname!;
  const server = view.serverName;
  const record = view.record(channel);
  const symbol = record?.private ? "@" : "=";
  lines.addList(
    server,
    RPL.NAMREPLY,
    [nick, symbol, channel],
    namesOf(view, channel, view.session(me)),
  );
  lines.add(server, RPL.ENDOFNAMES, [nick, channel, "End of /NAMES list."]);
}

/** Whether `channel` (or its members) may be shown to `me`. */
export function canSee<M extends Member>(view: IrcView<M>, me: M, channel: string): boolean {
  if (channel.toLowerCase() === view.everyone.toLowerCase()) return true;
  return view.roomOf(me, channel) !== undefined || view.visible(me, channel);
}

/** The name of `channel` as the chat has it, when it exists (the everyone-chat always does). */
export function channelName<M extends Member>(
  view: IrcView<M>,
  channel: string,
): string | undefined {
  if (channel.toLowerCase() === view.everyone.toLowerCase()) return view.everyone;
  const first = view.membersOf(channel)[Symbol.iterator]().next();
  if (!first.done) {
    return view.roomOf(first.value, channel) ?? view.record(channel)?.name ?? channel;
  }
  return view.record(channel)?.name;
}

/** One `WHO` line (352) of `member` as seen in `channel` (`*` for none). */
function whoLine<M extends Member>(
  view: IrcView<M>,
  lines: Lines,
  me: M,
  channel: string,
  member: M,
): void {
  const nick = member.nickname!;
  const away = view.session(member)?.away !== undefined ? "G" : "H";
  const oper = (view.isOperator(member) ? "*" : "") + (view.session(member)?.bot ? "B" : "");
  const prefix = channel === "*" || channel === view.everyone
    ? ""
    : prefixOf(view, channel, member);
  const realname = view.session(member)?.realname || nick;
  lines.add(view.serverName, RPL.WHOREPLY, [
    me.nickname!,
    channel,
    userOf(view, member, nick),
    hostOf(view, member),
    view.serverName,
    nick,
    away + oper + prefix,
    `0 ${realname}`,
  ]);
}

/** Writes `WHO <mask>`: a channel's members, or the user the mask names, then its end. */
export function who<M extends Member>(view: IrcView<M>, lines: Lines, me: M, mask: string): void {
  const channel = /^[#&]/.test(mask) ? channelName(view, mask) : undefined;
  if (channel !== undefined && canSee(view, me, channel)) {
    const everyone = channel === view.everyone;
    for (const member of everyone ? view.members() : view.membersOf(channel)) {
      whoLine(view, lines, me, channel, member);
    }
  } else if (!/^[#&]/.test(mask)) {
    const pattern = maskPattern(mask);
    for (const member of view.members()) {
      const nick = member.nickname!;
      const full = maskOf(view, nick);
      if (mask === "*" || mask === "0" || pattern.test(nick) || pattern.test(full)) {
        const rooms = view.roomsOf(member).filter((room) => canSee(view, me, room));
        whoLine(view, lines, me, rooms[0] ?? "*", member);
      }
    }
  }
  lines.add(view.serverName, RPL.ENDOFWHO, [me.nickname!, mask, "End of WHO list"]);
}

/** What `maskPattern` gives: whether a name matches the mask. */
export interface MaskPattern {
  /** Whether `text` matches the mask, regardless of case. */
  test(text: string): boolean;
}

/**
 * An IRC mask (`*` and `?` wildcards) as a case-insensitive pattern. It is matched without a
 * regular expression, in at most the product of the two lengths: a mask of many `*`s (`WHO
 * ****...*x`) would keep a backtracking regular expression, and the server with it, busy for ages.
 */
export function maskPattern(mask: string): MaskPattern {
  const pattern = [...mask.toLowerCase()];
  return { test: (text) => wildcardMatch(pattern, [...text.toLowerCase()]) };
}

/** Whether `text` matches `pattern` (`*`: any run of characters, `?`: any one character). */
function wildcardMatch(pattern: string[], text: string[]): boolean {
  let p = 0;
  let t = 0;
  // The last `*` seen, and where in the text what it covers ends for now.
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      mark = t;
    } else if (star !== -1) {
      // The last `*` covers one more character, and what follows it is tried again from there.
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Writes `WHOIS <nick>`, or 401 when nobody goes by it, then its end. */
export function whois<M extends Member>(view: IrcView<M>, lines: Lines, me: M, nick: string) {
  const server = view.serverName;
  const target = view.find(nick);
  if (target === undefined) {
    lines.add(server, ERR.NOSUCHNICK, [me.nickname!, nick, "No such nick/channel"]);
    lines.add(server, RPL.ENDOFWHOIS, [me.nickname!, nick, "End of /WHOIS list"]);
    return;
  }
  const shown = target.nickname!;
  const session = view.session(target);
  const params = (...rest: string[]) => [me.nickname!, shown, ...rest];
  lines.add(server, RPL.WHOISUSER, [
    ...params(userOf(view, target, shown), hostOf(view, target), "*"),
    session?.realname || shown,
  ]);
  const rooms = view.roomsOf(target).filter((room) => canSee(view, me, room))
    .map((room) => prefixOf(view, room, target) + room);
  lines.addList(server, RPL.WHOISCHANNELS, params(), rooms);
  lines.add(server, RPL.WHOISSERVER, params(server, "Chat for Deno"));
  if (view.isOperator(target)) lines.add(server, RPL.WHOISOPERATOR, params("is an operator"));
  if (session?.bot === true) lines.add(server, RPL.WHOISBOT, params("is a bot"));
  if (session?.away !== undefined) lines.add(server, RPL.AWAY, params(session.away));
  if (loggedIn(view, target)) {
    lines.add(server, RPL.WHOISACCOUNT, params(shown, "is logged in as"));
  }
  if (session !== undefined) {
    const idle = Math.max(0, Math.floor((Date.now() - session.lastSpoke) / 1000));
    lines.add(
      server,
      RPL.WHOISIDLE,
      params(`${idle}`, `${Math.floor(session.lastHeard / 1000)}`, "seconds idle, signon time"),
    );
  }
  lines.add(server, RPL.ENDOFWHOIS, params("End of /WHOIS list"));
}

/** Writes `USERHOST` of up to five nicknames. */
export function userhost<M extends Member>(
  view: IrcView<M>,
  lines: Lines,
  me: M,
  nicks: string[],
): void {
  const replies = nicks.slice(0, 5).flatMap((nick) => {
    const member = view.find(nick);
    if (member === undefined) return [];
    const away = view.session(member)?.away !== undefined ? "-" : "+";
    const oper = view.isOperator(member) ? "*" : "";
    return [
      `${member.nickname}${oper}=${away}${userOf(view, member, nick)}@${hostOf(view, member)}`,
    ];
  });
  lines.add(view.serverName, RPL.USERHOST, [me.nickname!, replies.join(" ")], {}, true);
}

/** Writes `ISON`: which of `nicks` are here. */
export function ison<M extends Member>(view: IrcView<M>, lines: Lines, me: M, nicks: string[]) {
  const here = nicks.flatMap((nick) => view.find(nick)?.nickname ?? []);
  if (here.length === 0) lines.add(view.serverName, RPL.ISON, [me.nickname!, ""], {}, true);
  else lines.addList(view.serverName, RPL.ISON, [me.nickname!], here);
}

/** Writes `MODE <channel>`'s reply: its modes, when it was made. */
export function channelModes<M extends Member>(
  view: IrcView<M>,
  lines: Lines,
  me: M,
  channel: string,
): void {
  const modes = channel === view.everyone ? "+nt" : modesOf(view.record(channel));
  lines.add(view.serverName, RPL.CHANNELMODEIS, [me.nickname!, channel, modes]);
  const made = Math.floor(view.startedAt.getTime() / 1000);
  lines.add(view.serverName, RPL.CREATIONTIME, [me.nickname!, channel, `${made}`]);
}

/** Writes the quiet list (`MODE #room q`) as muted members, with its end. */
export function quietList<M extends Member>(
  view: IrcView<M>,
  lines: Lines,
  me: M,
  channel: string,
): void {
  for (const member of view.membersOf(channel)) {
    if (mutedIn(view, channel, member)) {
      lines.add(view.serverName, RPL.QUIETLIST, [
        me.nickname!,
        channel,
        "q",
        `${member.nickname}!*@*`,
      ]);
    }
  }
  lines.add(view.serverName, RPL.ENDOFQUIETLIST, [me.nickname!, channel, "q", "End of quiet list"]);
}

/** Whether `a` and `b` are one nickname. */
export function sameNick(a: string, b: string): boolean {
  return nicknameKey(a) === nicknameKey(b);
}
