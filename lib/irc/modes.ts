/**
 * `MODE`: a user's own modes (shown; `+w` and `+B` set and unset, `+i` everyone's), a channel's
 * modes shown, its lists (`b` bans, `q` mutes), and changes mapped one to one onto the rooms
 * feature's commands: `+o`/`-o` moderators, `+b`/`-b` bans, `+q`/`-q` mutes, `+i` private,
 * `+m` moderated, `+t` topic by moderators (docs/design.md, "Rooms and IRC").
 *
 * @module
 */

import type { Command, Member } from "../core/types.ts";
import type { IrcHost } from "./host.ts";
import { ERR, RPL } from "./numerics.ts";
import { canSee, channelModes, channelName, quietList, sameNick, userModes } from "./queries.ts";
import type { IrcSession } from "./session.ts";
import { maskNickname, maskOf, prefixOf } from "./view.ts";

/**
 * The room setting each channel mode sets (`on`) and unsets. `+i` is IRC's invite-only channel: a
 * private room where only moderators invite (a room made private in the chat lets members invite
 * unless it says otherwise, and shows `+i` too).
 */
const SETTINGS: Record<string, (on: boolean) => { setting: string; value?: string }> = {
  i: (on) => on ? { setting: "private", value: "moderators" } : { setting: "public" },
  m: (on) => ({ setting: on ? "moderated" : "unmoderated" }),
  t: (on) => ({ setting: "topic", value: on ? "moderators" : "members" }),
};

/** The moderation action each list or status mode takes, when set and when unset. */
const ACTIONS: Record<string, [string, string]> = {
  o: ["op", "deop"],
  b: ["ban", "unban"],
  q: ["mute", "unmute"],
};

/**
 * Sets the user modes `modes` asks for that a user may set (`w` announcements, `B` bot; `i` is
 * everyone's) on `session`; the change made, as `MODE` tells it (`""`: none).
 */
function userModeChange(session: IrcSession, modes: string): string {
  const set = { w: session.wallops, B: session.bot };
  let sign = "+";
  for (const mode of modes) {
    if (mode === "+" || mode === "-") sign = mode;
    else if (mode === "w" || mode === "B") set[mode] = sign === "+";
  }
  let change = "";
  for (
    const [mode, was, now] of [["w", session.wallops, set.w], ["B", session.bot, set.B]] as const
  ) {
    if (was !== now) change += (now ? "+" : "-") + mode;
  }
  session.wallops = set.w;
  session.bot = set.B;
  return change;
}

/** Most mode changes in one `MODE` (ISUPPORT `MODES`). */
const MAX_CHANGES = 4;

/** Carries out `MODE <target> [<modes> [<params>...]]`. */
export function handleMode<M extends Member>(
  host: IrcHost<M>,
  member: M,
  session: IrcSession,
  params: string[],
  label: string | undefined,
): void {
  const view = host.view;
  const server = view.serverName;
  const nick = member.nickname!;
  const [target, modes] = params;
  const numeric = (code: string, ...rest: string[]) =>
    host.reply(member, (lines) => lines.add(server, code, [nick, ...rest]));
  if (!/^[#&]/.test(target)) {
    if (view.find(target) === undefined) return numeric(ERR.NOSUCHNICK, target, "No such nick");
    if (!sameNick(target, nick)) {
      return numeric(ERR.USERSDONTMATCH, "Cannot change mode for other users");
    }
    if (modes === undefined) {
      return numeric(RPL.UMODEIS, userModes(view, member));
    }
    if (/[^+\-iwB]/.test(modes)) return numeric(ERR.UMODEUNKNOWNFLAG, "Unknown MODE flag");
    const change = userModeChange(session, modes);
    if (change !== "") {
      const mask = maskOf(view, nick);
      host.reply(member, (lines) => lines.add(mask, "MODE", [nick, change]));
    }
    return;
  }
  const channel = channelName(view, target);
  if (channel === undefined || !canSee(view, member, channel)) {
    return numeric(ERR.NOSUCHCHANNEL, target, "No such channel");
  }
  if (modes === undefined) {
    host.reply(member, (lines) => channelModes(view, lines, member, channel));
    return;
  }
  if (channel === view.everyone) {
    // Clients ask for its bans on joining (`MODE &chat b`): it has none. Changes are refused.
    if (/^\+?[bq]$/.test(modes) && params[2] === undefined) {
      return list(host, member, channel, modes.at(-1)!, label);
    }
    return numeric(ERR.CHANOPRIVSNEEDED, channel, "Nobody moderates the everyone-chat");
  }
  let sign = "+";
  let next = 2;
  let changes = 0;
  for (const mode of modes) {
    if (mode === "+" || mode === "-") {
      sign = mode;
      continue;
    }
    if (changes++ >= MAX_CHANGES) break;
    const context = { command: "MODE", target: channel, about: mode, label };
    if (mode === "n") continue;
    if (mode === "b" || mode === "q" || mode === "o") {
      const param = params[next++];
      if (param === undefined) {
        if (mode !== "o") list(host, member, channel, mode, label);
        continue;
      }
      const nickname = mode === "o" ? param : maskNickname(param);
      if (nickname === undefined) {
        numeric(ERR.NOSUCHNICK, param, "A mask must name one user: nick!*@* or $a:account");
        continue;
      }
      const action = ACTIONS[mode][sign === "+" ? 0 : 1];
      host.dispatch(member, { kind: "moderate", room: channel, action, nickname }, {
        ...context,
        about: nickname,
      });
      continue;
    }
    const setting = SETTINGS[mode];
    if (setting === undefined) {
      numeric(ERR.UNKNOWNMODE, mode, "is an unknown mode char to me");
      continue;
    }
    const command: Command = { kind: "settings", room: channel, ...setting(sign === "+") };
    host.dispatch(member, command, context);
  }
}

/** `MODE #room b` or `q`: the room's bans or mutes. */
function list<M extends Member>(
  host: IrcHost<M>,
  member: M,
  channel: string,
  mode: string,
  label: string | undefined,
): void {
  const view = host.view;
  if (mode === "q") {
    host.reply(member, (lines) => quietList(view, lines, member, channel));
    return;
  }
  // Clients ask for the ban list on joining: to whoever may not see it, it reads as empty
  // (rather than a refusal shown at every join).
  const mayNotSee = prefixOf(view, channel, member) === "" && !view.isOperator(member);
  if (view.record(channel) === undefined || mayNotSee) {
    host.reply(member, (lines) =>
      lines.add(view.serverName, RPL.ENDOFBANLIST, [
        member.nickname!,
        channel,
        "End of channel ban list",
      ]));
    return;
  }
  host.dispatch(member, { kind: "bans", room: channel }, {
    command: "MODE",
    target: channel,
    about: mode,
    label,
  });
}
