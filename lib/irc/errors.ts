/**
 * The chat's refusals as IRC numerics: a refusal names no numeric, so the command being carried
 * out (the session's context) and the refusal's reason and words choose one (`473` for a private
 * room, `482` for a moderator's command, `433` for a taken nickname...). Anything else is a
 * `NOTICE`, and a refusal that comes with no reader to name is an `ERROR` (the connection's last
 * line).
 *
 * @module
 */

import type { ErrorReason } from "../core/types.ts";
import type { Lines } from "./lines.ts";
import { ERR } from "./numerics.ts";
import type { Context } from "./session.ts";

/** The numeric for a refusal of `context`'s command, with its parameters, or undefined. */
function numericFor(
  context: Context | undefined,
  message: string,
  reason: ErrorReason | undefined,
): { code: string; params: string[] } | undefined {
  const target = context?.target ?? "*";
  const about = context?.about ?? target;
  if (reason === "taken" && /^Wrong password|^Too many failed logins/.test(message)) {
    return { code: ERR.PASSWDMISMATCH, params: [] };
  }
  if (reason === "taken" || reason === "account") {
    return { code: ERR.NICKNAMEINUSE, params: [context?.target ?? "*"] };
  }
  if (reason === "registration") return { code: ERR.ERRONEUSNICKNAME, params: [target] };
  if (reason === "unregistered") return { code: ERR.NOTREGISTERED, params: [] };
  const command = context?.command;
  if (command === "NICK") {
    return /in use|is registered|connected at another node/.test(message)
      ? { code: ERR.NICKNAMEINUSE, params: [target] }
      : /^Nickname/.test(message)
      ? { code: ERR.ERRONEUSNICKNAME, params: [target] }
      : undefined;
  }
  if (/^Only a server operator/.test(message)) return { code: ERR.NOPRIVILEGES, params: [] };
  if (/^No such user/.test(message)) return { code: ERR.NOSUCHNICK, params: [about] };
  if (/^No such room|^Room name/.test(message)) {
    return { code: ERR.NOSUCHCHANNEL, params: [target] };
  }
  switch (command) {
    case "PRIVMSG":
    case "NOTICE":
    case "TAGMSG":
      if (/cannot receive private messages/.test(message)) {
        return { code: ERR.NOSUCHNICK, params: [target] };
      }
      return { code: ERR.CANNOTSENDTOCHAN, params: [target] };
    case "JOIN":
      if (/is private/.test(message)) return { code: ERR.INVITEONLYCHAN, params: [target] };
      if (/banned/.test(message)) return { code: ERR.BANNEDFROMCHAN, params: [target] };
      if (/kept in \d+ rooms/.test(message)) return { code: ERR.TOOMANYCHANNELS, params: [target] };
      return undefined;
    case "PART":
      return /^Not in room/.test(message)
        ? { code: ERR.NOTONCHANNEL, params: [target] }
        : undefined;
    case "TOPIC":
    case "KICK":
    case "MODE":
    case "INVITE":
      if (/^Only |room of guests|nobody can|owns/.test(message)) {
        return { code: ERR.CHANOPRIVSNEEDED, params: [target] };
      }
      if (/^Not in room/.test(message)) return { code: ERR.NOTONCHANNEL, params: [target] };
      if (/ is not in /.test(message)) {
        return { code: ERR.USERNOTINCHANNEL, params: [about, target] };
      }
      if (/ is in .* already/.test(message)) {
        return { code: ERR.USERONCHANNEL, params: [about, target] };
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Writes a refusal for the reader going by `nick` (`*` before it registers) while it carries out
 * `context`, or, with no reader, the `ERROR` before its connection closes.
 */
export function writeRefusal(
  lines: Lines,
  server: string,
  nick: string | undefined,
  context: Context | undefined,
  message: string,
  reason?: ErrorReason,
): void {
  if (nick === undefined) {
    lines.add(undefined, "ERROR", [message], {}, true);
    return;
  }
  // A NOTICE is never answered (RFC 1459), not even with an error.
  if (context?.command === "NOTICE") return;
  if (context?.command === "CHATHISTORY") {
    // draft/chathistory's refusal: a room the client may not read is an invalid target.
    const params = ["CHATHISTORY", "INVALID_TARGET", context.target ?? "*", message];
    lines.add(server, "FAIL", params, { label: context.label }, true);
    return;
  }
  const numeric = numericFor(context, message, reason);
  if (numeric === undefined) {
    lines.addText(server, "NOTICE", nick, message, { label: context?.label });
  } else {
    lines.add(server, numeric.code, [nick, ...numeric.params, message], { label: context?.label });
  }
}
