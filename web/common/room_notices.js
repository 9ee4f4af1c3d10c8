// @ts-self-types="./room_notices.d.ts"
/**
 * The kept rooms' messages of the server in words, one phrasing for the terminal client and the
 * page: a topic, a room's settings and members, an invitation, a moderator's action
 * (`Bob was removed from #lab by Alice: spam`), the bans and mutes, and what changed between two
 * of a room's `roominfo`. Each takes `escape`, which the terminal makes show control characters
 * (the page shows text as text, and leaves it as it is).
 *
 * @module
 */

/** @param {string} text */
const asIs = (text) => text;

/**
 * The lines that show `message`, a room message of the server (`topic`, `roominfo`, `invited`,
 * `moderated`, `bans`); undefined for any other.
 */
export function roomLines(message, escape = asIs) {
  const e = (/** @type {unknown} */ text) => escape(String(text));
  switch (message.type) {
    case "topic":
      if (message.by !== undefined) {
        return [
          message.topic === ""
            ? `${e(message.by)} cleared the topic of ${e(message.room)}`
            : `${e(message.by)} set the topic of ${e(message.room)}: ${e(message.topic)}`,
        ];
      }
      return [
        message.topic === ""
          ? `${e(message.room)} has no topic`
          : `Topic of ${e(message.room)}: ${e(message.topic)}`,
      ];
    case "roominfo": {
      const settings = [
        message.private ? "private" : "public",
        ...(message.owner === undefined ? [] : [`owner ${e(message.owner)}`]),
        `${e(message.invite)} invite`,
        ...(message.moderated ? ["moderated"] : []),
        ...(message.topicBy === "members" ? ["members set the topic"] : []),
      ];
      const members = message.members.map((member) => {
        const marks = [
          ...(member.role === "member" ? [] : [e(member.role)]),
          ...(member.away ? ["away"] : []),
          ...(member.muted ? ["muted"] : []),
        ];
        return `${e(member.nickname)}${marks.length > 0 ? ` (${marks.join(", ")})` : ""}`;
      });
      const more = message.more ? ` and ${message.more} more` : "";
      return [`${e(message.room)} (${settings.join(", ")}): ${members.join(", ")}${more}`];
    }
    case "invited":
      return [`${e(message.by)} invited you to ${e(message.room)}: /join ${e(message.room)}`];
    case "moderated":
      return [moderatedLine(message, escape)];
    case "bans":
      if (message.bans.length === 0) return [`${e(message.room)} has no bans or mutes`];
      return [
        `Bans and mutes of ${e(message.room)} (${message.bans.length}):`,
        ...message.bans.map((ban) => `  ${banLine(ban, escape)}`),
      ];
  }
  return undefined;
}

/**
 * An end time as the server words it in its refusals (`2026-12-03 10:30:00 UTC`); a time that does
 * not read as one is shown as it came.
 * @param {string} time
 */
function utcTime(time) {
  const date = new Date(time);
  return Number.isNaN(date.getTime())
    ? time
    : `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** One ban or mute of a `bans` reply: `ban Zed (192.0.2.7) by Alice until ...: spam`. */
export function banLine(ban, escape = asIs) {
  const e = (/** @type {unknown} */ text) => escape(String(text));
  const address = ban.address ? ` (${e(ban.address)})` : "";
  const until = ban.until ? ` until ${e(utcTime(ban.until))}` : "";
  const reason = ban.reason ? `: ${e(ban.reason)}` : "";
  return `${e(ban.kind)} ${e(ban.nickname)}${address} by ${e(ban.by)}${until}${reason}`;
}

/** A moderator's action (a `moderated` message) as the room is told it. */
export function moderatedLine(message, escape = asIs) {
  const e = (/** @type {unknown} */ text) => escape(String(text));
  const who = e(message.nickname), room = e(message.room);
  const by = message.by === undefined ? "" : ` by ${e(message.by)}`;
  const until = message.until === undefined ? "" : ` until ${e(utcTime(message.until))}`;
  const reason = message.reason === undefined ? "" : `: ${e(message.reason)}`;
  switch (message.action) {
    case "kick":
      return `${who} was removed from ${room}${by}${reason}`;
    case "ban":
      return `${who} was banned from ${room}${by}${until}${reason}`;
    case "unban":
      return `${who} may join ${room} again${by}${reason}`;
    case "mute":
      return `${who} was muted in ${room}${by}${until}${reason}`;
    case "unmute":
      return `${who} may speak in ${room} again${by}${reason}`;
    case "op":
      return `${who} was made a moderator of ${room}${by}`;
    case "deop":
      return `${who} is no longer a moderator of ${room}${by}`;
    case "close":
      return `${room} was closed${by}`;
    case "invite":
      return `${who} is invited to ${room}${by}`;
    default:
      return `${e(message.action)} ${who} in ${room}${by}${reason}`;
  }
}

/**
 * What changed in a room's settings from `before` to `after` (two `roominfo` messages of one
 * room), a line each: `#lab is now private`, `moderators may invite to #lab`, `Bob owns #lab now`.
 */
export function settingChanges(before, after, escape = asIs) {
  const e = (/** @type {unknown} */ text) => escape(String(text));
  const room = e(after.room);
  const lines = [];
  if (before.private !== after.private) {
    lines.push(`${room} is now ${after.private ? "private" : "public"}`);
  }
  if (Boolean(before.moderated) !== Boolean(after.moderated)) {
    lines.push(`${room} is now ${after.moderated ? "moderated" : "unmoderated"}`);
  }
  if (before.invite !== after.invite) lines.push(`${e(after.invite)} may invite to ${room}`);
  if ((before.topicBy ?? "moderators") !== (after.topicBy ?? "moderators")) {
    lines.push(`${e(after.topicBy ?? "moderators")} may set the topic of ${room}`);
  }
  if (after.owner !== undefined && before.owner !== after.owner) {
    lines.push(`${e(after.owner)} owns ${room} now`);
  }
  return lines;
}
