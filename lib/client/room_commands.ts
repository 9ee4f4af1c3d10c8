/**
 * The terminal client's side of kept rooms (issue 23): the room commands typed (`/topic`,
 * `/invite`, `/op`, `/deop`, `/kick`, `/ban`, `/unban`, `/mute`, `/unmute`, `/bans`, `/room`)
 * as JSON requests, and the server's room messages as lines.
 *
 * @module
 */

import type { ClientMessage, ServerMessage } from "../../protocol.ts";
import { escapeControls } from "../common/text.ts";

/** A room request typed, its room left out when the line named none (the room talked in). */
export type RoomRequest = { kind: "roomop"; room?: string; message: Record<string, unknown> };

/** The names of the room commands. */
export const ROOM_COMMAND_NAMES = [
  "/topic",
  "/invite",
  "/op",
  "/deop",
  "/kick",
  "/ban",
  "/unban",
  "/mute",
  "/unmute",
  "/bans",
  "/room",
];

const MINUTES = /^\d{1,6}(\.\d{1,3})?$/;

/** `/name words...` as a room request, or the usage line when it does not read. */
export function parseRoomCommand(
  name: string,
  words: string[],
  rest: string,
): RoomRequest | { kind: "usage"; usage: string } {
  const usage = (text: string) => ({ kind: "usage" as const, usage: `Usage: ${text}` });
  const lower = name.toLowerCase();
  // Text after the first `skip` words, as typed.
  const after = (skip: number) => {
    let text = rest.trimStart();
    for (let i = 0; i < skip; i++) text = text.slice(words[i].length).trimStart();
    return text;
  };
  const roomAt = (i: number) => words[i]?.startsWith("#") ? words[i] : undefined;
  switch (lower) {
    case "/topic": {
      const room = roomAt(0);
      const text = after(room === undefined ? 0 : 1);
      return {
        kind: "roomop",
        room,
        message: text === "" ? { type: "topic" } : { type: "topic", topic: text },
      };
    }
    case "/bans":
      if (words.length > 1 || (words.length === 1 && roomAt(0) === undefined)) {
        return usage("/bans [<#room>]");
      }
      return { kind: "roomop", room: roomAt(0), message: { type: "bans" } };
    case "/invite":
    case "/op":
    case "/deop":
    case "/unban":
    case "/unmute": {
      const room = roomAt(1);
      if (words.length === 0 || words.length > 2 || (words.length === 2 && room === undefined)) {
        return usage(`${lower} <user> [<#room>]`);
      }
      const message = lower === "/invite"
        ? { type: "invite", nickname: words[0] }
        : { type: "moderate", action: lower.slice(1), nickname: words[0] };
      return { kind: "roomop", room, message };
    }
    case "/kick":
    case "/ban":
    case "/mute": {
      if (words.length === 0) {
        return usage(
          lower === "/kick"
            ? "/kick <user> [<#room>] [<reason>]"
            : `${lower} <user> [<#room>] [<minutes>] [<reason>]`,
        );
      }
      let next = 1;
      const room = roomAt(next);
      if (room !== undefined) next++;
      let minutes: number | undefined;
      if (lower !== "/kick" && words[next] !== undefined && MINUTES.test(words[next])) {
        minutes = Number(words[next++]);
      }
      const reason = after(next);
      return {
        kind: "roomop",
        room,
        message: {
          type: "moderate",
          action: lower.slice(1),
          nickname: words[0],
          ...(minutes === undefined ? {} : { minutes }),
          ...(reason === "" ? {} : { reason }),
        },
      };
    }
    default: {
      const room = roomAt(0);
      const setting = words[1]?.toLowerCase() ?? "show";
      const takes = setting === "invite" || setting === "topic" || setting === "owner";
      if (room === undefined || words.length > (takes ? 3 : 2) || (takes && words.length < 3)) {
        return usage(
          "/room <#room> [private|public|moderated|unmoderated|close|invite <members|moderators>|" +
            "topic <members|moderators>|owner <account>]",
        );
      }
      return {
        kind: "roomop",
        room,
        message: takes
          ? { type: "settings", setting, value: words[2] }
          : { type: "settings", setting },
      };
    }
  }
}

/** The request of `command` for `room`. */
export function roomRequest(command: RoomRequest, room: string): ClientMessage {
  return { ...command.message, room } as unknown as ClientMessage;
}

/** The lines that show a room message of the server, or undefined when it is none. */
export function roomLines(message: ServerMessage): string[] | undefined {
  const e = escapeControls;
  switch (message.type) {
    case "topic":
      if (message.by !== undefined) {
        return [
          message.topic === ""
            ? `${e(message.by)} cleared the topic of ${e(message.room)}`
            : `${e(message.by)} set the topic of ${e(message.room)}: ${e(message.topic)}`,
        ];
      }
      return [
        message.topic === ""
          ? `${e(message.room)} has no topic`
          : `Topic of ${e(message.room)}: ${e(message.topic)}`,
      ];
    case "roominfo": {
      const settings = [
        message.private ? "private" : "public",
        ...(message.owner === undefined ? [] : [`owner ${e(message.owner)}`]),
        `${message.invite} invite`,
      ];
      const members = message.members.map((member) => {
        const marks = [
          ...(member.role === "member" ? [] : [member.role]),
          ...(member.away ? ["away"] : []),
          ...(member.muted ? ["muted"] : []),
        ];
        return `${e(String(member.nickname))}${marks.length > 0 ? ` (${marks.join(", ")})` : ""}`;
      });
      const more = message.more ? ` and ${message.more} more` : "";
      return [`${e(message.room)} (${settings.join(", ")}): ${members.join(", ")}${more}`];
    }
    case "invited":
      return [`${e(message.by)} invited you to ${e(message.room)}: /join ${e(message.room)}`];
    case "moderated":
      return [moderatedLine(message)];
    case "bans":
      if (message.bans.length === 0) return [`${e(message.room)} has no bans or mutes`];
      return [
        `Bans and mutes of ${e(message.room)} (${message.bans.length}):`,
        ...message.bans.map((ban) =>
          `  ${ban.kind} ${e(String(ban.nickname))}${
            ban.address ? ` (${e(String(ban.address))})` : ""
          } by ${e(String(ban.by))}${ban.until ? ` until ${e(String(ban.until))}` : ""}${
            ban.reason ? `: ${e(String(ban.reason))}` : ""
          }`
        ),
      ];
  }
  return undefined;
}

function moderatedLine(message: Extract<ServerMessage, { type: "moderated" }>): string {
  const e = escapeControls;
  const who = e(message.nickname), room = e(message.room);
  const by = message.by === undefined ? "" : ` by ${e(message.by)}`;
  const until = message.until === undefined ? "" : ` until ${e(message.until)}`;
  const reason = message.reason === undefined ? "" : `: ${e(message.reason)}`;
  switch (message.action) {
    case "kick":
      return `${who} was removed from ${room}${by}${reason}`;
    case "ban":
      return `${who} was banned from ${room}${by}${until}${reason}`;
    case "unban":
      return `${who} may join ${room} again${by}${reason}`;
    case "mute":
      return `${who} was muted in ${room}${by}${until}${reason}`;
    case "unmute":
      return `${who} may speak in ${room} again${by}${reason}`;
    case "op":
      return `${who} was made a moderator of ${room}${by}`;
    case "deop":
      return `${who} is no longer a moderator of ${room}${by}`;
    case "close":
      return `${room} was closed${by}`;
    case "invite":
      return `${who} is invited to ${room}${by}`;
    default:
      return `${e(message.action)} ${who} in ${room}${by}${reason}`;
  }
}
