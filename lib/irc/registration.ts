/**
 * IRC's registration: capability negotiation (`CAP LS 302`, `REQ`, `LIST`, `END`), `NICK`,
 * `USER`, `PASS`, SASL `PLAIN` (`AUTHENTICATE`) against the accounts, and what a connection may
 * send at any time (`PING`, `PONG`, `QUIT`). Registering hands the chat a `register` command;
 * an account's nickname is logged in to with the password SASL or `PASS` gave.
 *
 * @module
 */

import type { Member } from "../core/types.ts";
import type { IrcHost } from "./host.ts";
import type { IrcMessage } from "./message.ts";
import { ERR, RPL } from "./numerics.ts";
import { CAPABILITIES, type IrcSession, MAX_SASL_BYTES } from "./session.ts";
import { IRC_HOST } from "./view.ts";

/** The commands handled here whether or not the connection has registered. */
export const REGISTRATION_COMMANDS: ReadonlySet<string> = new Set([
  "CAP",
  "USER",
  "PASS",
  "AUTHENTICATE",
  "PING",
  "PONG",
  "QUIT",
]);

/** Most characters of a user name kept (`USER`'s first parameter). */
const MAX_USER_CHARS = 10;

/**
 * Why `nick` cannot be an IRC user's nickname (IRC's rules on top of the chat's), or undefined:
 * no spaces, commas, wildcards or the characters of masks and channels, and no leading digit or
 * dash.
 */
export function ircNickProblem(nick: string): string | undefined {
  if (nick === "") return "No nickname given";
  if (/[\s,*?!@.:#&$%+~"'\p{Cc}]/u.test(nick) || /^[0-9\-]/.test(nick)) {
    return `Nickname ${JSON.stringify(nick)} is not valid on IRC`;
  }
  return undefined;
}

/**
 * Handles `message` if it is a registration command (or any command before registering that
 * registering needs); false when it is for the command handlers.
 */
export function handleRegistration<M extends Member>(
  host: IrcHost<M>,
  member: M,
  session: IrcSession,
  message: IrcMessage,
): boolean {
  const server = host.view.serverName;
  const nick = member.nickname ?? session.nick ?? "*";
  const { params } = message;
  const numeric = (code: string, ...rest: string[]) =>
    host.reply(member, (lines) => lines.add(server, code, [nick, ...rest]));
  switch (message.command) {
    case "CAP":
      cap(host, member, session, params);
      return true;
    case "NICK":
      if (member.nickname !== undefined) return false;
      preNick(host, member, session, params[0]);
      return true;
    case "USER":
      if (member.nickname !== undefined || session.user !== undefined) {
        numeric(ERR.ALREADYREGISTERED, "You may not reregister");
      } else if (params.length < 4 || params[0] === "" || params[3] === "") {
        numeric(ERR.NEEDMOREPARAMS, "USER", "Not enough parameters");
      } else {
        const user = [...params[0]].filter((char) => /[A-Za-z0-9_\-.\[\]\\`^{}|]/.test(char))
          .join("").slice(0, MAX_USER_CHARS);
        session.user = user || "user";
        session.realname = params[3];
        host.register(member);
      }
      return true;
    case "PASS":
      if (member.nickname !== undefined || session.registering) {
        numeric(ERR.ALREADYREGISTERED, "You may not reregister");
      } else if (params.length < 1) numeric(ERR.NEEDMOREPARAMS, "PASS", "Not enough parameters");
      // A password with spaces is one parameter (`PASS :a b`); one sent bare is taken whole.
      else session.pass = params.join(" ");
      return true;
    case "AUTHENTICATE":
      authenticate(host, member, session, params[0]);
      return true;
    case "PING":
      if (params.length < 1) numeric(ERR.NEEDMOREPARAMS, "PING", "Not enough parameters");
      else host.reply(member, (lines) => lines.add(server, "PONG", [server, params[0]], {}, true));
      return true;
    case "PONG":
      return true;
    case "QUIT": {
      const reason = params[0] === undefined ? "Quit" : `Quit: ${params[0]}`;
      host.dispatch(member, { kind: "disconnect", reason }, { command: "QUIT" });
      return true;
    }
    default:
      return false;
  }
}

/** `CAP`: the list offered, a request (all or nothing), what is on, the end of negotiation. */
function cap<M extends Member>(host: IrcHost<M>, member: M, session: IrcSession, params: string[]) {
  const server = host.view.serverName;
  const nick = member.nickname ?? session.nick ?? "*";
  const sub = (params[0] ?? "").toUpperCase();
  const offered = Object.entries(CAPABILITIES).filter(([name]) => name !== "sasl" || host.accounts);
  switch (sub) {
    case "LS": {
      if (member.nickname === undefined) session.capHold = true;
      session.capVersion = Math.max(session.capVersion, Number(params[1]) || 0);
      const list = offered.map(([name, value]) =>
        session.capVersion >= 302 && value !== "" ? `${name}=${value}` : name
      ).join(" ");
      host.reply(member, (lines) => lines.add(server, "CAP", [nick, "LS", list], {}, true));
      return;
    }
    case "LIST":
      host.reply(
        member,
        (lines) => lines.add(server, "CAP", [nick, "LIST", [...session.caps].join(" ")], {}, true),
      );
      return;
    case "REQ": {
      if (member.nickname === undefined) session.capHold = true;
      const asked = (params[1] ?? "").split(" ").filter((name) => name !== "");
      const names = new Set(offered.map(([name]) => name));
      const known = asked.length > 0 &&
        asked.every((name) => names.has(name.replace(/^-/, "")));
      if (known) {
        for (const name of asked) {
          if (name.startsWith("-")) session.caps.delete(name.slice(1));
          else session.caps.add(name);
        }
        host.recaps(member);
      }
      host.reply(
        member,
        (lines) =>
          lines.add(server, "CAP", [nick, known ? "ACK" : "NAK", params[1] ?? ""], {}, true),
      );
      return;
    }
    case "END":
      session.capHold = false;
      host.register(member);
      return;
    default:
      host.reply(
        member,
        (lines) =>
          lines.add(server, ERR.INVALIDCAPCMD, [nick, params[0] ?? "", "Invalid CAP command"]),
      );
  }
}

/** `NICK` before registering: the nickname to register with, once `USER` has come too. */
function preNick<M extends Member>(
  host: IrcHost<M>,
  member: M,
  session: IrcSession,
  nick: string | undefined,
): void {
  const server = host.view.serverName;
  const me = session.nick ?? "*";
  if (nick === undefined || nick === "") {
    host.reply(
      member,
      (lines) => lines.add(server, ERR.NONICKNAMEGIVEN, [me, "No nickname given"]),
    );
    return;
  }
  const problem = ircNickProblem(nick);
  if (problem !== undefined) {
    host.reply(member, (lines) => lines.add(server, ERR.ERRONEUSNICKNAME, [me, nick, problem]));
    return;
  }
  if (host.view.find(nick) !== undefined) {
    host.reply(
      member,
      (lines) => lines.add(server, ERR.NICKNAMEINUSE, [me, nick, "Nickname is already in use"]),
    );
    return;
  }
  session.nick = nick;
  host.register(member);
}

/** `AUTHENTICATE`: SASL `PLAIN`, its base64 in pieces of 400 bytes, checked against accounts. */
function authenticate<M extends Member>(
  host: IrcHost<M>,
  member: M,
  session: IrcSession,
  arg: string | undefined,
): void {
  const server = host.view.serverName;
  const nick = member.nickname ?? session.nick ?? "*";
  const numeric = (code: string, text: string) =>
    host.reply(member, (lines) => lines.add(server, code, [nick, text]));
  if (!session.has("sasl") || !host.accounts) {
    numeric(ERR.SASLFAIL, "SASL authentication failed: ask for the sasl capability first");
    return;
  }
  if (session.saslAccount !== undefined || member.account !== undefined) {
    numeric(ERR.SASLALREADY, "You have already authenticated using SASL");
    return;
  }
  if (arg === undefined) return;
  if (arg === "*") {
    session.sasl = { step: "idle" };
    numeric(ERR.SASLABORTED, "SASL authentication aborted");
    return;
  }
  const state = session.sasl;
  if (state.step === "idle") {
    if (arg.toUpperCase() !== "PLAIN") {
      host.reply(member, (lines) => {
        lines.add(server, RPL.SASLMECHS, [nick, "PLAIN", "are available SASL mechanisms"]);
        lines.add(server, ERR.SASLFAIL, [nick, "SASL authentication failed"]);
      });
      return;
    }
    session.sasl = { step: "plain", data: "" };
    host.reply(member, (lines) => lines.add(undefined, "AUTHENTICATE", ["+"]));
    return;
  }
  if (state.step !== "plain") return;
  if (arg !== "+") state.data += arg;
  if (state.data.length > MAX_SASL_BYTES) {
    session.sasl = { step: "idle" };
    numeric(ERR.SASLTOOLONG, "SASL message too long");
    return;
  }
  if (arg.length === 400) return;
  const fields = plainFields(state.data);
  if (fields === undefined) {
    session.sasl = { step: "idle" };
    numeric(ERR.SASLFAIL, "SASL authentication failed: not a PLAIN message");
    return;
  }
  session.sasl = { step: "checking" };
  // The lines after it (`CAP END`) wait for its replies.
  host.hold(
    member,
    host.checkPassword(member, fields.account, fields.password).then((problem) => {
      session.sasl = { step: "idle" };
      if (member.closing) return;
      if (problem !== undefined) {
        numeric(ERR.SASLFAIL, `SASL authentication failed: ${problem}`);
      } else {
        const account = host.view.find(fields.account)?.nickname ?? fields.account;
        session.saslAccount = { nickname: fields.account, password: fields.password };
        const mask = `${nick}!~${session.user ?? nick}@${IRC_HOST}`;
        host.reply(member, (lines) => {
          lines.add(server, RPL.LOGGEDIN, [
            nick,
            mask,
            account,
            `You are now logged in as ${account}`,
          ]);
          lines.add(server, RPL.SASLSUCCESS, [nick, "SASL authentication successful"]);
        });
      }
      host.register(member);
    }),
  );
}

/** The account and password of a SASL `PLAIN` message (base64 of `authzid\0authcid\0password`). */
export function plainFields(data: string): { account: string; password: string } | undefined {
  const bytes = decodeBase64(data);
  if (bytes === undefined) return undefined;
  const text = new TextDecoder().decode(bytes);
  const parts = text.split("\0");
  if (parts.length !== 3 || parts[1] === "" || parts[2] === "") return undefined;
  if (parts[0] !== "" && parts[0] !== parts[1]) return undefined;
  return { account: parts[1], password: parts[2] };
}

/** Base64 as bytes, or undefined when it is not base64. */
function decodeBase64(data: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(data), (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}
