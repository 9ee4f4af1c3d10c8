// @ts-self-types="./room_commands.d.ts"
/**
 * The kept rooms' commands as typed (`/topic`, `/invite`, `/room`, `/op`, `/deop`, `/kick`,
 * `/ban`, `/unban`, `/mute`, `/unmute`, `/bans`), read into the message each sends: one reader
 * for the terminal client and the page. Their names and help are in `commands.js`'s list; the
 * room is the one a command names, or (left out here) the one the user is talking in.
 *
 * @module
 */

/** The names of the room commands. */
export const ROOM_COMMAND_NAMES = /** @type {const} */ ([
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
]);

/** Minutes as typed: a whole number, or one with up to three decimals (`0.5`). */
const MINUTES = /^\d{1,6}(\.\d{1,3})?$/;

/** How `/room` is used, with every setting it takes. */
const ROOM_USAGE = "/room <#room> [private|public|moderated|unmoderated|close|" +
  "invite <members|moderators>|topic <members|moderators>|owner <account>]";

/**
 * `/name words...` (a room command, `rest` its words as typed) as the request it sends, its room
 * left out when the line named none; or the usage line when it does not read.
 */
export function parseRoomCommand(name, words, rest) {
  const lower = name.toLowerCase();
  const usage = (/** @type {string} */ text) => ({
    kind: /** @type {const} */ ("usage"),
    usage: `Usage: ${text}`,
  });
  const request = (
    /** @type {string | undefined} */ room,
    /** @type {Record<string, unknown>} */ message,
  ) => ({ kind: /** @type {const} */ ("roomop"), room, message });
  // Text after the first `skip` words, as typed.
  const after = (/** @type {number} */ skip) => {
    let text = rest.trimStart();
    for (let i = 0; i < skip; i++) text = text.slice(words[i].length).trimStart();
    return text;
  };
  const roomAt = (/** @type {number} */ i) => words[i]?.startsWith("#") ? words[i] : undefined;
  switch (lower) {
    case "/topic": {
      const room = roomAt(0);
      const text = after(room === undefined ? 0 : 1);
      return request(room, text === "" ? { type: "topic" } : { type: "topic", topic: text });
    }
    case "/bans":
      if (words.length > 1 || (words.length === 1 && roomAt(0) === undefined)) {
        return usage("/bans [<#room>]");
      }
      return request(roomAt(0), { type: "bans" });
    case "/invite":
    case "/op":
    case "/deop":
    case "/unban":
    case "/unmute": {
      const room = roomAt(1);
      if (words.length === 0 || words.length > 2 || (words.length === 2 && room === undefined)) {
        return usage(`${lower} <user> [<#room>]`);
      }
      return request(
        room,
        lower === "/invite"
          ? { type: "invite", nickname: words[0] }
          : { type: "moderate", action: lower.slice(1), nickname: words[0] },
      );
    }
    case "/kick":
    case "/ban":
    case "/mute":
      return moderation(lower, words, after, roomAt) ??
        usage(
          lower === "/kick"
            ? "/kick <user> [<#room>] [<reason>]"
            : `${lower} <user> [<#room>] [<minutes>] [<reason>]`,
        );
    default: {
      // `/room`.
      const room = roomAt(0);
      const setting = words[1]?.toLowerCase() ?? "show";
      const takes = setting === "invite" || setting === "topic" || setting === "owner";
      if (room === undefined || words.length > (takes ? 3 : 2) || (takes && words.length < 3)) {
        return usage(ROOM_USAGE);
      }
      return request(
        room,
        takes ? { type: "settings", setting, value: words[2] } : { type: "settings", setting },
      );
    }
  }
}

/**
 * `/kick`, `/ban` or `/mute` (`name`, in lower case): the user, then a room, minutes (not for
 * `/kick`) and a reason, each optional; undefined when no user is named.
 */
function moderation(name, words, after, roomAt) {
  if (words.length === 0) return undefined;
  let next = 1;
  const room = roomAt(next);
  if (room !== undefined) next++;
  let minutes;
  if (name !== "/kick" && words[next] !== undefined && MINUTES.test(words[next])) {
    minutes = Number(words[next++]);
  }
  const reason = after(next);
  return {
    kind: /** @type {const} */ ("roomop"),
    room,
    message: {
      type: "moderate",
      action: name.slice(1),
      nickname: words[0],
      ...(minutes === undefined ? {} : { minutes }),
      ...(reason === "" ? {} : { reason }),
    },
  };
}

/** The message `command` sends, for `room` (the one it named, or the one talked in). */
export function roomRequest(command, room) {
  return { ...command.message, room };
}
