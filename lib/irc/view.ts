/**
 * What the IRC listener reads of the chat to write IRC's replies (who is here, which rooms, their
 * records, the IRC sessions), and how users of every wire appear on IRC: their `nick!user@host`,
 * their channel prefixes and the modes of a room.
 *
 * @module
 */

import type { Member } from "../core/types.ts";
import { type Identity, restrictionOf, roleOf, type RoomRecord } from "../rooms/room_record.ts";
import type { IrcSession } from "./session.ts";

/** What the IRC listener reads of the chat, its rooms and its IRC sessions. */
export interface IrcView<M extends Member> {
  /** The server's name on IRC (`My.Little.Server` for irctest). */
  readonly serverName: string;
  /** The channel of the everyone-chat, which every IRC user is in (`#chat`). */
  readonly everyone: string;
  /** When the server started. */
  readonly startedAt: Date;
  /** The registered user that goes by `nickname`, if any. */
  find(nickname: string): M | undefined;
  /** The registered users, in the order they came. */
  members(): Iterable<M>;
  /** How many users are registered. */
  readonly size: number;
  /** The members of `room`. */
  membersOf(room: string): Iterable<M>;
  /** The rooms `member` is in, by name. */
  roomsOf(member: M): string[];
  /** The name of `room` when `member` is in it. */
  roomOf(member: M, room: string): string | undefined;
  /** The IRC session of `member`, when it is an IRC connection of this node. */
  session(member: M): IrcSession | undefined;
  /** The kept record of `room`, when it has one. */
  record(room: string): Readonly<RoomRecord> | undefined;
  /** Who `member` is to the rooms' rules (its account, nickname, address, former account). */
  identity(member: M): Identity;
  /** Now, in milliseconds since the epoch (the server's clock). */
  now(): number;
  /** The kept rooms' names (some may be empty). */
  keptRooms(): string[];
  /** Whether `member` may see `room` listed. */
  visible(member: M, room: string): boolean;
  /** Whether `member` is a server operator. */
  isOperator(member: M): boolean;
  /** How many IRC connections have not registered yet. */
  unregistered(): number;
  /** The most users seen at once. */
  peak(): number;
  /** How far `member` has read `target` (`draft/read-marker`): an ISO time, if it said. */
  readMarker(member: M, target: string): string | undefined;
}

/** The user part of the `nick!user@host` of users of other wires: their nickname, cut. */
const MAX_USER_CHARS = 10;

/** The host shown for IRC users and for the others (no address is shown to anyone). */
export const IRC_HOST = "irc";
/** The host shown for users of the other wires (JSON, CHAT/1.0, the page, other nodes). */
export const CHAT_HOST = "chat";

/** `member`'s user name on IRC: `~` and what it gave with `USER`, or its nickname. */
export function userOf<M extends Member>(
  view: IrcView<M>,
  member: M | undefined,
  nick: string,
): string {
  const session = member === undefined ? undefined : view.session(member);
  if (session?.user !== undefined) return `~${session.user}`;
  const user = [...nick].filter((char) => /[A-Za-z0-9_\-\[\]\\`^{}|]/.test(char)).join("");
  return (user || "user").slice(0, MAX_USER_CHARS);
}

/** `member`'s host on IRC. */
export function hostOf<M extends Member>(view: IrcView<M>, member: M | undefined): string {
  return member !== undefined && view.session(member) !== undefined ? IRC_HOST : CHAT_HOST;
}

/** `nick!user@host` of the user going by `nickname` (or who went by it, when it left). */
export function maskOf<M extends Member>(
  view: IrcView<M>,
  nickname: string,
  as: string = nickname,
): string {
  const member = view.find(nickname);
  return `${as}!${userOf(view, member, as)}@${hostOf(view, member)}`;
}

/**
 * Whether `member` is logged in to an account: a connection of this node that logged in, or a
 * user of another node going by an account's nickname (only a login holds one).
 */
export function loggedIn<M extends Member>(view: IrcView<M>, member: M | undefined): boolean {
  return member !== undefined &&
    (member.account !== undefined || view.identity(member).account !== undefined);
}

/** The channel prefixes of `member` in `room` (`@` for its owner and moderators). */
export function prefixOf<M extends Member>(
  view: IrcView<M>,
  room: string,
  member: M,
): string {
  const record = view.record(room);
  if (record === undefined) return "";
  const role = roleOf(record, view.identity(member));
  return role === "owner" || role === "moderator" ? "@" : "";
}

/** Whether `member` is muted in `room` now (shown by IRC's quiet mode `+q`). */
export function mutedIn<M extends Member>(view: IrcView<M>, room: string, member: M): boolean {
  const record = view.record(room);
  return record !== undefined &&
    restrictionOf(record, "mute", view.identity(member), view.now()) !== undefined;
}

/** A room's channel modes (`+nt`): `n` always, `i` private, `t` topic by moderators, `m`. */
export function modesOf(record: Readonly<RoomRecord> | undefined): string {
  if (record === undefined) return "+n";
  return "+" + (record.private ? "i" : "") + (record.moderated ? "m" : "") + "n" +
    (record.topicBy === "moderators" ? "t" : "");
}

/**
 * The mode changes from `before` to `after` (both as `modesOf` writes them): `+m`, `-i+m`, or
 * `""` when they are the same.
 */
export function modeChange(before: string, after: string): string {
  const was = new Set(before.slice(1));
  const now = new Set(after.slice(1));
  const added = [...now].filter((mode) => !was.has(mode)).join("");
  const removed = [...was].filter((mode) => !now.has(mode)).join("");
  return (removed === "" ? "" : `-${removed}`) + (added === "" ? "" : `+${added}`);
}

/** A ban's mask as IRC shows it: `$a:account` for an account, `nick!*@*` for a guest. */
export function banMask(nickname: string, account: boolean): string {
  return account ? `$a:${nickname}` : `${nickname}!*@*`;
}

/**
 * The nickname a ban mask names: `$a:alice` and `alice!*@*` name alice, and so does a plain
 * `alice`; undefined for a mask that names no one user (`*!*@host`, wildcards in the nickname).
 */
export function maskNickname(mask: string): string | undefined {
  if (mask.startsWith("$a:")) return mask.slice(3) || undefined;
  if (mask.startsWith("m:")) return maskNickname(mask.slice(2));
  const nick = mask.split("!")[0];
  return nick === "" || /[*?]/.test(nick) ? undefined : nick;
}
