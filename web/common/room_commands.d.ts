/** Types of `room_commands.js` (a plain module, as the web page loads it unchanged). */

import type {
  BansRequest,
  InviteRequest,
  ModerateRequest,
  SettingsRequest,
  TopicRequest,
} from "../../protocol.ts";

/** What a room command sends, without its room (named by the command, or the one talked in). */
export type RoomCommandMessage =
  | Omit<TopicRequest, "room">
  | Omit<InviteRequest, "room">
  | Omit<ModerateRequest, "room">
  | Omit<SettingsRequest, "room">
  | Omit<BansRequest, "room">;

/** A room command typed: its message, and the room it named (undefined: the one talked in). */
export interface RoomCommand {
  /** What it is. */
  kind: "roomop";
  /** The room named, if any. */
  room?: string;
  /** What it sends. */
  message: RoomCommandMessage;
}

/** The names of the room commands. */
export const ROOM_COMMAND_NAMES: readonly [
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

/**
 * `/name words...` (a room command, `rest` its words as typed) as the request it sends, its room
 * left out when the line named none; or the usage line when it does not read.
 */
export function parseRoomCommand(
  name: string,
  words: string[],
  rest: string,
): RoomCommand | { kind: "usage"; usage: string };

/** The message `command` sends, for `room` (the one it named, or the one talked in). */
export function roomRequest(
  command: RoomCommand,
  room: string,
): TopicRequest | InviteRequest | ModerateRequest | SettingsRequest | BansRequest;
