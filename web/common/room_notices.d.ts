/** Types of `room_notices.js` (a plain module, as the web page loads it unchanged). */

import type { BanInfo, ModeratedNotice, RoomInfoNotice, ServerMessage } from "../../protocol.ts";

/**
 * The lines that show `message`, a room message of the server (`topic`, `roominfo`, `invited`,
 * `moderated`, `bans`); undefined for any other.
 */
export function roomLines(
  message: ServerMessage,
  escape?: (text: string) => string,
): string[] | undefined;

/** One ban or mute of a `bans` reply: `ban Zed (192.0.2.7) by Alice until ...: spam`. */
export function banLine(ban: BanInfo, escape?: (text: string) => string): string;

/** A moderator's action (a `moderated` message) as the room is told it. */
export function moderatedLine(
  message: ModeratedNotice,
  escape?: (text: string) => string,
): string;

/**
 * What changed in a room's settings from `before` to `after` (two `roominfo` messages of one
 * room), a line each: `#lab is now private`, `moderators may invite to #lab`, `Bob owns #lab now`.
 */
export function settingChanges(
  before: RoomInfoNotice,
  after: RoomInfoNotice,
  escape?: (text: string) => string,
): string[];
