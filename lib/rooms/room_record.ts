/**
 * A kept room's record and the rules read from it, without I/O: who owns it and moderates it,
 * its settings, its members that are accounts (kept while away), its bans and mutes, and the
 * accounts invited into it. The record is what the store keeps (as JSON) and what the nodes of a
 * cluster pass each other; `room_rules.ts` acts on it.
 *
 * Its fields map one to one onto IRC's channel modes (see docs/design.md, "Rooms and IRC"):
 * `moderator` role `+o`, `private` `+i`, `topicBy: "moderators"` `+t`, `moderated` `+m`, a ban
 * `+b`, an invitation `INVITE`, the topic `TOPIC`.
 *
 * @module
 */

import { formatUtc } from "../common/text.ts";

/** A role in a room: the owner, a moderator (IRC `+o`), or a member. */
export type Role = "owner" | "moderator" | "member";

/** Who may invite into a private room, or set the topic. */
export type Who = "members" | "moderators";

/** A ban (IRC `+b`) or a mute, on an account, or on a guest's nickname and address. */
export interface Restriction {
  /** `ban` keeps out; `mute` lets read but not speak. */
  kind: "ban" | "mute";
  /** The account's key, when it is an account's. */
  account?: string;
  /** The nickname as shown, and (for a guest) its key in `nickKey`. */
  nickname: string;
  /** A guest's nickname key (held for guests only). */
  nickKey?: string;
  /** A guest's address (held for guests only). */
  address?: string;
  /** Who set it. */
  by: string;
  /** Why. */
  reason?: string;
  /** When it ends (ms since the epoch); absent: until lifted. */
  until?: number;
}

/** A kept room. */
export interface RoomRecord {
  /** Its name as made. */
  name: string;
  /** The owner's account key; absent for a room of guests' making (no moderation). */
  owner?: string;
  /** Its topic (`""`: none). */
  topic: string;
  /** Only the invited may join (IRC `+i`). */
  private: boolean;
  /** Who may invite. */
  invite: Who;
  /** Who may set the topic (IRC `+t` when `moderators`). */
  topicBy: Who;
  /** Only the owner and moderators may speak (IRC `+m`). */
  moderated: boolean;
  /** Its members that are accounts, by key: their nickname and role. */
  members: Record<string, { nickname: string; role: Role }>;
  /** Bans and mutes. */
  restrictions: Restriction[];
  /** Accounts invited, by key, with who invited them. */
  invited: Record<string, string>;
}

/** Most characters of a topic. */
export const MAX_TOPIC_CHARS = 300;
/** Most characters of a moderation reason. */
export const MAX_REASON_CHARS = 200;
/** Most bans and mutes in one room. */
export const MAX_RESTRICTIONS = 200;
/** Most invitations waiting in one room. */
export const MAX_INVITATIONS = 200;
/** Most members kept in one room. */
export const MAX_KEPT_MEMBERS = 5000;
/** Most rooms one account may own. */
export const MAX_OWNED_ROOMS = 20;
/** Most rooms one account may be kept in. */
export const MAX_KEPT_ROOMS = 100;
/** Longest timed ban or mute: a year, in minutes. */
export const MAX_MINUTES = 366 * 24 * 60;

/** Who someone is, for the rules: an account (its key), else a guest's nickname and address. */
export interface Identity {
  /** The account's key, when logged in. */
  account?: string;
  /** The nickname's key. */
  nickKey: string;
  /** The address connected from. */
  address: string;
}

/** A new record for a room made now: owned by `owner` when an account made it. */
export function newRecord(name: string, owner?: { key: string; nickname: string }): RoomRecord {
  return {
    name,
    ...(owner === undefined ? {} : { owner: owner.key }),
    topic: "",
    private: false,
    invite: "members",
    topicBy: "moderators",
    moderated: false,
    members: owner === undefined
      ? {}
      : { [owner.key]: { nickname: owner.nickname, role: "owner" } },
    restrictions: [],
    invited: {},
  };
}

/** `data` (a kept record's JSON) as a record, or undefined when it does not read as one. */
export function readRecord(data: string): RoomRecord | undefined {
  try {
    const value = JSON.parse(data);
    if (
      typeof value !== "object" || value === null || typeof value.name !== "string" ||
      typeof value.members !== "object" || !Array.isArray(value.restrictions)
    ) return undefined;
    return { ...newRecord(value.name), ...value };
  } catch {
    return undefined;
  }
}

/** The role of `who` in `record`: none when not a kept member. */
export function roleOf(record: RoomRecord, who: Identity): Role | undefined {
  if (who.account === undefined) return undefined;
  if (record.owner === who.account) return "owner";
  return record.members[who.account]?.role;
}

/** Whether `restriction` holds against `who` at `now`. */
export function holds(restriction: Restriction, who: Identity, now: number): boolean {
  if (restriction.until !== undefined && restriction.until <= now) return false;
  if (restriction.account !== undefined) return restriction.account === who.account;
  // A guest's ban holds against its nickname, and against its address, for guests.
  if (who.account !== undefined) return false;
  return restriction.nickKey === who.nickKey || restriction.address === who.address;
}

/** The restriction of `kind` holding against `who` in `record` at `now`, if any. */
export function restrictionOf(
  record: RoomRecord,
  kind: "ban" | "mute",
  who: Identity,
  now: number,
): Restriction | undefined {
  return record.restrictions.find((each) => each.kind === kind && holds(each, who, now));
}

/** " until 2026-12-03 14:05:00 UTC", or "" for a restriction without an end. */
export function untilText(restriction: Restriction): string {
  return restriction.until === undefined ? "" : ` until ${formatUtc(new Date(restriction.until))}`;
}
