/**
 * The JSON wire's messages of kept rooms (issue 23): topics, settings, invitations, roles and
 * moderation, both ways, and their fields' rules. `protocol.ts` puts them in its unions and
 * schemas; the server sends the new server types only to clients that announce them.
 *
 * @module
 */

import {
  COUNT_OPTIONAL,
  type FieldRule,
  FLAG_OPTIONAL,
  TEXT,
  TEXT_OPTIONAL,
} from "./json_decode.ts";

/** What a moderator may do to a user in a room (`moderate`'s `action`). */
export const MODERATE_ACTIONS = [
  "kick",
  "ban",
  "unban",
  "mute",
  "unmute",
  "op",
  "deop",
] as const;
/** One of `MODERATE_ACTIONS`. */
export type ModerateAction = typeof MODERATE_ACTIONS[number];

/** A room's settings (`settings`'s `setting`). */
export const ROOM_SETTINGS = [
  "private",
  "public",
  "moderated",
  "unmoderated",
  "invite",
  "topic",
  "owner",
  "close",
  "show",
] as const;
/** One of `ROOM_SETTINGS`. */
export type RoomSetting = typeof ROOM_SETTINGS[number];

/** Showing (no `topic`) or setting a room's topic (`""` clears it). */
export interface TopicRequest {
  /** The message type. */
  type: "topic";
  /** The room. */
  room: string;
  /** The new topic; absent to be shown the topic. */
  topic?: string;
}

/** Inviting a user (a nickname connected, or an account away) into a private room. */
export interface InviteRequest {
  /** The message type. */
  type: "invite";
  /** The room. */
  room: string;
  /** Who is invited. */
  nickname: string;
}

/** A moderator's action on a user of a room. */
export interface ModerateRequest {
  /** The message type. */
  type: "moderate";
  /** The room. */
  room: string;
  /** One of `MODERATE_ACTIONS`. */
  action: string;
  /** Whom it is done to. */
  nickname: string;
  /** How long a ban or mute lasts, in minutes (decimals allowed); absent: until lifted. */
  minutes?: number;
  /** Why, shown to the room. */
  reason?: string;
}

/**
 * Changing a room's settings: `private`, `public`, `moderated`, `unmoderated`, `invite` or
 * `topic` (who may: `value` `members` or `moderators`), `owner` (`value` the account), `close`;
 * or `show`, to be sent its `roominfo`.
 */
export interface SettingsRequest {
  /** The message type. */
  type: "settings";
  /** The room. */
  room: string;
  /** One of `ROOM_SETTINGS`. */
  setting: string;
  /** The setting's value, where it takes one. */
  value?: string;
}

/** Asking for a room's bans and mutes. */
export interface BansRequest {
  /** The message type. */
  type: "bans";
  /** The room. */
  room: string;
}

/** A room's topic: the reply to asking, on joining, and to the room when it changes. */
export interface TopicNotice {
  /** The message type. */
  type: "topic";
  /** The room. */
  room: string;
  /** The topic (`""`: none). */
  topic: string;
  /** Who set it, when it was just changed. */
  by?: string;
  /** ISO 8601 time, by the server's clock. */
  timestamp?: string;
}

/** One member of a room in a `roominfo`. */
export interface RoomMemberInfo {
  /** The nickname (an account's, for a member kept while away). */
  nickname: string;
  /** `owner`, `moderator` or `member`. */
  role: string;
  /** Set when the member is away (kept, not connected). */
  away?: boolean;
  /** Set when the member is muted. */
  muted?: boolean;
}

/** A room's state: settings, owner, members with their roles. */
export interface RoomInfoNotice {
  /** The message type. */
  type: "roominfo";
  /** The room. */
  room: string;
  /** The topic (`""`: none). */
  topic: string;
  /** The owner's nickname; absent for a room of guests (open, gone when empty). */
  owner?: string;
  /** Whether only the invited may join (IRC `+i`). */
  private: boolean;
  /** Who may invite: `members` or `moderators`. */
  invite: string;
  /** Who may set the topic: `members` or `moderators` (IRC `+t`). */
  topicBy?: string;
  /** Set when only the owner and moderators may speak (IRC `+m`). */
  moderated?: boolean;
  /** Members, the connected first (at most 500; `more` counts the rest). */
  members: RoomMemberInfo[];
  /** Members left out of `members`. */
  more?: number;
}

/** You are invited into a private room (sent at login too while the invitation waits). */
export interface InvitedNotice {
  /** The message type. */
  type: "invited";
  /** The room. */
  room: string;
  /** Who invited you. */
  by: string;
  /** ISO 8601 time, by the server's clock. */
  timestamp?: string;
}

/**
 * A moderation action, told to the room (and to its target): one of `MODERATE_ACTIONS`, or
 * `owner` (the room handed over), `close` (the room is gone), `invite` (to the inviter).
 */
export interface ModeratedNotice {
  /** The message type. */
  type: "moderated";
  /** The room. */
  room: string;
  /** What was done. */
  action: string;
  /** To whom. */
  nickname: string;
  /** By whom; absent when a timed ban or mute ended by itself. */
  by?: string;
  /** Why. */
  reason?: string;
  /** When a timed ban or mute ends (ISO 8601). */
  until?: string;
  /** ISO 8601 time, by the server's clock. */
  timestamp?: string;
}

/** One ban or mute in a `bans` reply. */
export interface BanInfo {
  /** `ban` or `mute`. */
  kind: string;
  /** Whom: an account's nickname, or a guest's nickname. */
  nickname: string;
  /** A guest's address (bans of guests hold against it too). */
  address?: string;
  /** Who set it. */
  by: string;
  /** When it was set (ISO 8601), when known. */
  at?: string;
  /** Why. */
  reason?: string;
  /** When it ends (ISO 8601); absent: until lifted. */
  until?: string;
}

/** A room's bans and mutes. */
export interface BansReply {
  /** The message type. */
  type: "bans";
  /** The room. */
  room: string;
  /** Each ban and mute. */
  bans: BanInfo[];
}

/** The client's room messages. */
export type RoomClientMessage =
  | TopicRequest
  | InviteRequest
  | ModerateRequest
  | SettingsRequest
  | BansRequest;

/** The server's room messages. */
export type RoomServerMessage =
  | TopicNotice
  | RoomInfoNotice
  | InvitedNotice
  | ModeratedNotice
  | BansReply;

/** A number of minutes, or left out. */
const MINUTES_OPTIONAL: FieldRule = ["number", false];
/** A list of flat records, or left out. */
const RECORDS: FieldRule = ["records", true];

/** The fields of the client's room messages. */
export const ROOM_CLIENT_FIELDS: Record<RoomClientMessage["type"], Record<string, FieldRule>> = {
  topic: { room: TEXT, topic: TEXT_OPTIONAL },
  invite: { room: TEXT, nickname: TEXT },
  moderate: {
    room: TEXT,
    action: TEXT,
    nickname: TEXT,
    minutes: MINUTES_OPTIONAL,
    reason: TEXT_OPTIONAL,
  },
  settings: { room: TEXT, setting: TEXT, value: TEXT_OPTIONAL },
  bans: { room: TEXT },
};

/** The fields of the server's room messages. */
export const ROOM_SERVER_FIELDS: Record<RoomServerMessage["type"], Record<string, FieldRule>> = {
  topic: { room: TEXT, topic: TEXT, by: TEXT_OPTIONAL, timestamp: TEXT_OPTIONAL },
  roominfo: {
    room: TEXT,
    topic: TEXT,
    owner: TEXT_OPTIONAL,
    private: ["flag", true],
    invite: TEXT,
    topicBy: TEXT_OPTIONAL,
    moderated: FLAG_OPTIONAL,
    members: RECORDS,
    more: COUNT_OPTIONAL,
  },
  invited: { room: TEXT, by: TEXT, timestamp: TEXT_OPTIONAL },
  moderated: {
    room: TEXT,
    action: TEXT,
    nickname: TEXT,
    by: TEXT_OPTIONAL,
    reason: TEXT_OPTIONAL,
    until: TEXT_OPTIONAL,
    timestamp: TEXT_OPTIONAL,
  },
  bans: { room: TEXT, bans: RECORDS },
};
