/** Types of `room_state.js` (a plain module, as the page loads it unchanged). */

import type { ModeratedNotice, RoomInfoNotice } from "../protocol.ts";

/** A member of a room, as the page knows it. */
export interface RoomMember {
  /** The nickname. */
  nickname: string;
  /** `owner`, `moderator` or `member`; undefined in a room of guests, which has no roles. */
  role?: string;
  /** Whether it is away (kept, not connected). */
  away?: boolean;
  /** Whether it is muted. */
  muted?: boolean;
}

/** What a member may have done to them from the page's menu. */
export type MemberAction = "kick" | "ban" | "mute" | "unmute" | "op" | "deop";

/** One room, as the page knows it. */
export class RoomState {
  /** Room `name`, with `members` (nicknames) as joining it told them. */
  constructor(name: string, members?: string[]);
  /** The room's name, as the server spells it. */
  name: string;
  /** Its topic (`""`: none). */
  topic: string;
  /** Its settings, from its last `roominfo`; undefined until one came (a room of guests). */
  info: (RoomInfoNotice & { topicBy: string; moderated: boolean }) | undefined;
  /** Its members, the connected first. */
  members: RoomMember[];
  /** Takes `message`, a `roominfo`: settings and members as the server has them now. */
  described(message: RoomInfoNotice): void;
  /** The member `nickname`, if it is one. */
  member(nickname: string): RoomMember | undefined;
  /** `nickname` joined (or came back, no longer away). */
  joined(nickname: string): void;
  /** `nickname` left the room: gone, but the owner stays its owner (away). */
  left(nickname: string): void;
  /**
   * `nickname` left the chat: away, in a room the server keeps members of (until its next
   * `roominfo` says whether it was a guest); gone from a room of guests. Whether it was a member.
   */
  wentAway(nickname: string): boolean;
  /** `old` is now known as `nickname`. */
  renamed(old: string, nickname: string): void;
  /** Takes `message`, a `moderated`: a member muted or not, a moderator or not, banned while away. */
  moderated(message: ModeratedNotice): void;
  /** `me`'s role here, if it is a member. */
  roleOf(me: string): string | undefined;
  /** Whether `me` (a server operator when `operator`) may moderate: kick, ban, mute, settings. */
  mayModerate(me: string, operator: boolean): boolean;
  /** Whether `me` may do what only the owner may: make and unmake moderators. */
  mayOwn(me: string, operator: boolean): boolean;
  /** Whether `me` may set the topic. */
  maySetTopic(me: string, operator: boolean): boolean;
  /**
   * What `me` may do to member `nickname`, in the order a menu offers it: `kick` (when it is
   * here), `ban`, `mute` or `unmute`, and `op` or `deop` (the owner). Nothing to oneself or the
   * owner, and only the owner acts on a moderator.
   */
  actionsOn(me: string, operator: boolean, nickname: string): MemberAction[];
}

/** A member's role and state in words: `owner`, `member, away, muted` (empty in a room of guests). */
export function memberState(member: RoomMember): string;
