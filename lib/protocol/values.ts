/**
 * The rules of the values messages carry, whatever the wire: nicknames, room names, timestamps
 * and passwords.
 *
 * @module
 */

import { codePointLength } from "../common/utf8.ts";

/** Longest excerpt of a value quoted back in an error message, in characters. */
const QUOTE_CHARS = 40;

/** Quotes a value for an error message, cut to a readable length. */
function quote(text: string): string {
  const cut = [...text.slice(0, QUOTE_CHARS * 2)];
  const shown = cut.length > QUOTE_CHARS ? cut.slice(0, QUOTE_CHARS).join("") + "…" : text;
  return JSON.stringify(shown);
}

/** The name the server's announcements come from where a sender is shown: never a nickname. */
export const SERVER_NAME = "*server*";

/** Longest nickname, in characters (code points). */
export const MAX_NICKNAME_CHARS = 32;

/**
 * The first invisible character of `text` (a default-ignorable code point, such as a zero-width
 * space, which would let `Ali\u200bce` pass for `Alice`), as `U+200B`; undefined when it has
 * none. The joiner and variation selector inside an emoji (`👩‍💻`, `❤️`) are not counted.
 */
export function invisibleIn(text: string): string | undefined {
  const bare = text.replace(/(\p{Extended_Pictographic}|[#*0-9])\uFE0F/gu, "$1")
    .replace(/(?<=\p{Extended_Pictographic})\u200D(?=\p{Extended_Pictographic})/gu, "");
  const found = /\p{Default_Ignorable_Code_Point}/u.exec(bare)?.[0];
  return found === undefined
    ? undefined
    : `U+${found.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * Why a nickname cannot be used, or undefined when it can: 1 to 32 characters, no white space,
 * no control characters, no invisible direction marks or other invisible characters (which could
 * disguise a name as another's), none of the characters IRC gives a meaning to (`,*?!@`, and `$`,
 * `:` or `&` first).
 */
export function nicknameProblem(nickname: string): string | undefined {
  const length = codePointLength(nickname);
  if (length < 1 || length > MAX_NICKNAME_CHARS) {
    return `Nickname ${quote(nickname)} must be 1 to ${MAX_NICKNAME_CHARS} characters`;
  }
  if (/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(nickname)) {
    return `Nickname ${quote(nickname)} must not contain control characters`;
  }
  if (/[\s\p{Z}]/u.test(nickname)) {
    return `Nickname ${quote(nickname)} must not contain white space`;
  }
  const invisible = invisibleIn(nickname);
  if (invisible !== undefined) {
    return `Nickname ${quote(nickname)} must not contain invisible characters (${invisible})`;
  }
  if (nickname.startsWith("#")) {
    return `Nickname ${quote(nickname)} must not start with "#", which marks a room`;
  }
  if (nickname.toLowerCase() === SERVER_NAME) {
    return `Nickname ${quote(nickname)} is the server's own, for its announcements`;
  }
  // IRC's own rule (IRC users see everyone): "bob!x" would show on IRC as "bob" saying it,
  // "a,b" a list of two, "&chat" the everyone-chat's channel, "b*" a mask.
  const irc = /[,*?!@]/.exec(nickname)?.[0] ?? /^[$:&]/.exec(nickname)?.[0];
  if (irc !== undefined) {
    return `Nickname ${quote(nickname)} must not contain any of ,*?!@ nor start with $, : or & ` +
      `(IRC reads them as lists, masks, addresses and channels): it has "${irc}"`;
  }
  return undefined;
}

/** Longest room name, in characters, its "#" included. */
export const MAX_ROOM_CHARS = 32;

/**
 * Why a room name cannot be used, or undefined when it can: "#" then 1 to 31 characters, none of
 * them white space, control or invisible characters, or a comma (IRC's list separator).
 */
export function roomProblem(room: string): string | undefined {
  const length = codePointLength(room);
  if (!room.startsWith("#") || length < 2 || length > MAX_ROOM_CHARS) {
    return `Room name ${quote(room)} must be "#" and 1 to ${MAX_ROOM_CHARS - 1} more characters`;
  }
  if (/[\s\p{Z}\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(room)) {
    return `Room name ${quote(room)} must not contain white space or control characters`;
  }
  if (room.includes(",")) {
    // IRC's JOIN and PRIVMSG read "#a,b" as two channels.
    return `Room name ${quote(room)} must not contain ",", which IRC reads as a list`;
  }
  const invisible = invisibleIn(room);
  if (invisible !== undefined) {
    // "#lab" and "#l\u200bab" would look alike: one room could pass for the other.
    return `Room name ${quote(room)} must not contain invisible characters (${invisible})`;
  }
  return undefined;
}

// How names compare is the page's rule too: it is kept in the plain module the page loads.
export { nicknameKey, roomKey } from "../../web/common/name_keys.js";

const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Reads an ISO 8601 timestamp (`2024-03-21T10:30:44.000Z`, or one with an offset, or a local
 * time with none); undefined when it is absent or cannot be read.
 */
export function parseTimestamp(timestamp: string | undefined): Date | undefined {
  if (timestamp === undefined) return undefined;
  // What Date#toISOString() writes, as most clients send it: no need for the pattern.
  if (timestamp.length === 24 && timestamp[10] === "T" && timestamp[23] === "Z") {
    const ms = Date.parse(timestamp);
    if (!Number.isNaN(ms) && timestamp[4] === "-") return new Date(ms);
  }
  if (!ISO_8601.test(timestamp)) return undefined;
  // Date.parse wants a "T", a "." and at most milliseconds, and an offset written "+hh:mm".
  const normal = timestamp.replace(" ", "T").replace(",", ".")
    .replace(/(\.\d{3})\d+/, "$1")
    .replace(/([+-]\d{2})(\d{2})$/, "$1:$2")
    .replace(/([+-]\d{2})$/, "$1:00");
  const ms = Date.parse(normal);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Fewest characters in a password. */
export const MIN_PASSWORD_CHARS = 8;
/** Most characters in a password. */
export const MAX_PASSWORD_CHARS = 1024;

/** Why `password` cannot be used, or undefined when it can. */
export function passwordProblem(password: string): string | undefined {
  const length = codePointLength(password);
  if (length < MIN_PASSWORD_CHARS || length > MAX_PASSWORD_CHARS) {
    return `A password must be ${MIN_PASSWORD_CHARS} to ${MAX_PASSWORD_CHARS} characters`;
  }
  return undefined;
}
