/**
 * A kept room's record and the rules read from it, without I/O: who owns it and moderates it,
 * its settings, its members that are accounts (kept while away), its bans and mutes, and the
 * accounts invited into it. The record is what the store keeps (as JSON) and what the nodes of a
 * cluster pass each other; `room_state.ts` holds it and the rest of the feature acts on it.
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

/**
 * A ban (IRC `+b`) or a mute, on an account (under any nickname), or on a guest's nickname; and
 * on the address it was connected from, against guests that are not members of the room (IRC's
 * `*!*@host`), so that coming back as a guest under another name dodges nothing.
 */
export interface Restriction {
  /** `ban` keeps out; `mute` lets read but not speak. */
  kind: "ban" | "mute";
  /** The account's key, when it is an account's. */
  account?: string;
  /** The nickname as shown, and (for a guest) its key in `nickKey`. */
  nickname: string;
  /** A guest's nickname key: it holds against whoever goes by it, an account made of it too. */
  nickKey?: string;
  /** The address connected from, when known (at the node of the one restricted). */
  address?: string;
  /** Who set it. */
  by: string;
  /** When it was set (ms since the epoch); absent in records kept before it was. */
  at?: number;
  /** Why. */
  reason?: string;
  /** When it ends (ms since the epoch); absent: until lifted. */
  until?: number;
}

/** A member that is an account, kept while away. */
export interface KeptMember {
  /** Its nickname (as it last joined). */
  nickname: string;
  /** Its role. */
  role: Role;
  /** Set for an owner that left the room (`/leave`): still its owner, but not in it. */
  left?: boolean;
}

/**
 * A room's record. A room made by an account is kept (in the store, and while nobody is in it);
 * a room made by a guest (a room of guests: no owner) lasts while someone is in it, or while it
 * keeps accounts as members, and only then is it written to the store.
 */
export interface RoomRecord {
  /** Its name as made. */
  name: string;
  /** The owner's account key; absent for a room of guests' making (moderated by its maker). */
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
  members: Record<string, KeptMember>;
  /** Bans and mutes. */
  restrictions: Restriction[];
  /** Accounts invited, by key, with who invited them. */
  invited: Record<string, string>;
  /**
   * In a room of guests, those that moderate it and are not its kept members (guests: its maker,
   * and whom a moderator made one), by nickname key: their nickname. A role of a connection, not
   * of an account: moved when it renames, gone when it leaves; never written to the store.
   */
  guestModerators?: Record<string, string>;
  /** Set while the record is in the store (a room of guests' is only while it keeps accounts). */
  stored?: boolean;
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
  /**
   * An account this connection was logged in to before renaming away from it: restrictions on
   * that account still hold.
   */
  formerAccount?: string;
  /** The nickname's key. */
  nickKey: string;
  /** The address connected from (empty when unknown: a user of another node). */
  address: string;
  /**
   * A guest, or an account made on a guest's connection (`/register`): restrictions on an address
   * hold against it.
   */
  guest: boolean;
  /** A server operator (who moderates every room), when it is one now. */
  operator?: boolean;
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

/**
 * The role of `who` in `record`: none when neither a kept member nor, in a room of guests, one of
 * its guest moderators.
 */
export function roleOf(record: RoomRecord, who: Identity): Role | undefined {
  const role = who.account === undefined
    ? undefined
    : record.owner === who.account
    ? "owner"
    : record.members[who.account]?.role;
  if (role !== undefined || record.owner !== undefined) return role;
  return record.guestModerators?.[who.nickKey] === undefined ? undefined : "moderator";
}

/** Whether `record` is written to the store: owned, or a room of guests that keeps accounts. */
export function keptInStore(record: RoomRecord): boolean {
  return record.owner !== undefined || Object.keys(record.members).length > 0;
}

/** `record` as the store keeps it: without its guests' roles, which last while they are in it. */
export function storable(record: RoomRecord): RoomRecord {
  const { guestModerators: _guests, stored: _stored, ...kept } = record;
  return kept;
}

/**
 * Whether `restriction` holds against `who` at `now`: its account (under any nickname, and after
 * renaming away from it), its guest's nickname (whoever goes by it), or its address (against a
 * guest that is not a `member` of the room: a member that is an account is not caught by a
 * guest's address it shares).
 */
export function holds(
  restriction: Restriction,
  who: Identity,
  now: number,
  member = false,
): boolean {
  if (restriction.until !== undefined && restriction.until <= now) return false;
  const account = restriction.account;
  if (account !== undefined && (account === who.account || account === who.formerAccount)) {
    return true;
  }
  if (restriction.nickKey !== undefined && restriction.nickKey === who.nickKey) return true;
  return who.guest && !member && !!restriction.address && restriction.address === who.address;
}

/** The restriction of `kind` holding against `who` in `record` at `now`, if any. */
export function restrictionOf(
  record: RoomRecord,
  kind: "ban" | "mute",
  who: Identity,
  now: number,
): Restriction | undefined {
  const member = roleOf(record, who) !== undefined;
  return record.restrictions.find((each) => each.kind === kind && holds(each, who, now, member));
}

/** Whether `a` and `b` restrict the same one in the same way (an account, or a guest's name). */
export function sameRestriction(a: Restriction, b: Restriction): boolean {
  return a.kind === b.kind && a.account === b.account && a.nickKey === b.nickKey;
}

/** " until 2026-12-03 14:05:00 UTC", or "" for a restriction without an end. */
export function untilText(restriction: Restriction): string {
  return restriction.until === undefined ? "" : ` until ${formatUtc(new Date(restriction.until))}`;
}
