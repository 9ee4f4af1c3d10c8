/**
 * The replies built from a kept room's record, without I/O: its `roominfo` (settings, owner, the
 * members with their roles, who is away and who is muted) and its `bans`.
 *
 * @module
 */

import type { BansReply, RoomInfoNotice, RoomMemberInfo } from "../../protocol.ts";
import { type Identity, restrictionOf, roleOf, type RoomRecord } from "./room_record.ts";

/** Members listed in a `roominfo`, at most. */
export const MAX_INFO_MEMBERS = 500;

/** Someone in the room now: its nickname, and who it is for the rules. */
export interface Present {
  /** Its nickname. */
  nickname: string;
  /** Who it is. */
  who: Identity;
}

/**
 * The `roominfo` of `record`: those `present` first, then the members that are accounts and away
 * (an owner that left the room is named as owner, not listed), at most `MAX_INFO_MEMBERS`.
 */
export function roomInfo(record: RoomRecord, present: Present[], now: number): RoomInfoNotice {
  const members: RoomMemberInfo[] = present.map(({ nickname, who }) => ({
    nickname,
    role: roleOf(record, who) ?? "member",
    ...(restrictionOf(record, "mute", who, now) === undefined ? {} : { muted: true }),
  }));
  const here = new Set(present.map(({ who }) => who.account));
  for (const [account, kept] of Object.entries(record.members)) {
    if (here.has(account) || kept.left) continue;
    const who: Identity = { account, nickKey: account, address: "", guest: false };
    members.push({
      nickname: kept.nickname,
      role: record.owner === account ? "owner" : kept.role,
      away: true,
      ...(restrictionOf(record, "mute", who, now) === undefined ? {} : { muted: true }),
    });
  }
  const owner = record.owner === undefined ? undefined : record.members[record.owner]?.nickname;
  return {
    type: "roominfo",
    room: record.name,
    topic: record.topic,
    ...(owner === undefined ? {} : { owner }),
    private: record.private,
    invite: record.invite,
    topicBy: record.topicBy,
    ...(record.moderated ? { moderated: true } : {}),
    members: members.slice(0, MAX_INFO_MEMBERS),
    ...(members.length > MAX_INFO_MEMBERS ? { more: members.length - MAX_INFO_MEMBERS } : {}),
  };
}

/** The `bans` reply of `record`: its bans and mutes in force at `now`. */
export function bansReply(record: RoomRecord, now: number): BansReply {
  return {
    type: "bans",
    room: record.name,
    bans: record.restrictions.filter((each) => each.until === undefined || each.until > now)
      .map((each) => ({
        kind: each.kind,
        nickname: each.nickname,
        ...(each.address === undefined ? {} : { address: each.address }),
        by: each.by,
        ...(each.at === undefined ? {} : { at: new Date(each.at).toISOString() }),
        ...(each.reason ? { reason: each.reason } : {}),
        ...(each.until === undefined ? {} : { until: new Date(each.until).toISOString() }),
      })),
  };
}
