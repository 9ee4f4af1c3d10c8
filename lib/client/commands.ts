/**
 * The terminal client's commands: what a typed line asks for, and the lines `/help` shows. The
 * commands and their help are `web/common/commands.js`, the list the web page shares.
 *
 * @module
 */

import type { OperatorRequest } from "../../protocol.ts";
import { COMMANDS as SHARED_COMMANDS, SLASH_LINE } from "../../web/common/commands.js";
import { operatorRequest } from "../../web/common/operator_commands.js";
import {
  parseRoomCommand,
  ROOM_COMMAND_NAMES,
  type RoomCommand,
} from "../../web/common/room_commands.js";

/** What a typed line asks for. */
export type Command =
  /** A chat line, to the current room or to everyone. */
  | { kind: "say"; text: string }
  | { kind: "whisper"; to: string; text: string }
  | { kind: "nick"; nickname: string }
  | { kind: "join"; room: string }
  /** Leave `room`, or the current room when it is undefined. */
  | { kind: "leave"; room?: string }
  /** Talk to everyone again, not to a room. */
  | { kind: "all" }
  | { kind: "list" }
  | { kind: "rooms" }
  /** Claim the current nickname as an account (the password is asked next). */
  | { kind: "register" }
  /** Change the account's password (asked next). */
  | { kind: "password" }
  | { kind: "unregister" }
  /** The last `count` messages to everyone, or to `room`. */
  | { kind: "history"; room?: string; count?: number }
  /** Offer the file at `path` to `to`. */
  | { kind: "send"; to: string; path: string }
  /** Answer, or stop, transfer `n` (the latest by default). */
  | { kind: "accept" | "reject" | "cancel"; n?: number }
  | { kind: "transfers" }
  /** Show one's own fingerprint, or `nickname`'s. */
  | { kind: "fingerprint"; nickname?: string }
  /** Trust the new key `nickname` showed. */
  | { kind: "trust"; nickname: string }
  /** List the account's devices. */
  | { kind: "devices" }
  /** Approve, or remove, device `number` of `/devices`. */
  | { kind: "approve" | "revoke"; number: number }
  /** A server operator's command (`/kill`, `/serverban`, `/serverunban`, `/wall`), to send. */
  | { kind: "operator"; message: OperatorRequest }
  | { kind: "help" }
  | { kind: "quit" }
  /** A known command used wrongly: how to use it. */
  | { kind: "usage"; usage: string }
  | { kind: "unknown"; name: string }
  /** A kept room's command (`web/common/room_commands.js`), to send. */
  | RoomCommand;

/** A command as `/help` lists it. */
export interface CommandInfo {
  /** The name to type, with its "/". */
  name: string;
  /** Other names for it. */
  aliases: readonly string[];
  /** Its arguments, as `/help` shows them. */
  args: string;
  /** What it does. */
  help: string;
}

/** Every command of the terminal client, in the order `/help` lists them (from the shared list). */
export const COMMANDS: readonly CommandInfo[] = SHARED_COMMANDS.filter((c) =>
  (c.clients as readonly string[]).includes("terminal")
);

/** The lines `/help` prints. */
export function helpLines(): string[] {
  return [
    "Commands:",
    ...COMMANDS.map(commandLine),
    helpLine(SLASH_LINE.usage, SLASH_LINE.help),
    "Anything else is a chat line: to the room you are talking in, or to everyone.",
  ];
}

/**
 * The lines `/help` prints on a CHAT/1.0 server, which carries lines to everyone and nothing
 * else: how to leave, and how to send a line starting with "/".
 */
export function chat1HelpLines(): string[] {
  return [
    "On a CHAT/1.0 server every line goes to everyone:",
    ...COMMANDS.filter((c) => c.name === "/exit").map(commandLine),
    helpLine(SLASH_LINE.usage, SLASH_LINE.help),
    "Private messages, rooms, /list, /nick, accounts, history and files are not available there.",
  ];
}

/** A command's line of `/help`: its names and arguments, then what it does. */
function commandLine(c: CommandInfo): string {
  return helpLine(`${[c.name, ...c.aliases].join(", ")} ${c.args}`, c.help);
}

/** One line of `/help`: how to type it, then what it does, in a column. */
function helpLine(usage: string, help: string): string {
  return `  ${usage.trimEnd().padEnd(36)} ${help}`;
}

/** Every command name and alias, for completion. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.flatMap((c) => [c.name, ...c.aliases])
  .filter((name) => name.startsWith("/"));

/** Reads what a typed line asks for. */
export function parseCommand(line: string): Command {
  const trimmed = line.trim();
  if (trimmed === "disconnect" || trimmed === "q!") return { kind: "quit" };
  if (line.startsWith("//")) return { kind: "say", text: line.slice(1) };
  if (!trimmed.startsWith("/")) return { kind: "say", text: line };
  const [name, ...words] = trimmed.split(/\s+/);
  const rest = trimmed.slice(name.length).trim();
  const usage = (usage: string): Command => ({ kind: "usage", usage: `Usage: ${usage}` });
  switch (name.toLowerCase()) {
    case "/help":
      return { kind: "help" };
    case "/list":
      return { kind: "list" };
    case "/rooms":
      return { kind: "rooms" };
    case "/all":
      return { kind: "all" };
    case "/register":
    case "/password":
    case "/unregister": {
      const kind = name.slice(1).toLowerCase() as "register" | "password" | "unregister";
      if (words.length === 0) return { kind };
      return usage(
        kind === "unregister" ? "/unregister" : `${name} (then type the password on its own line)`,
      );
    }
    case "/send": {
      const to = words[0];
      const path = to === undefined ? "" : rest.slice(to.length).trim();
      return to === undefined || path === ""
        ? usage("/send <user> <path>")
        : { kind: "send", to, path };
    }
    case "/accept":
    case "/reject":
    case "/cancel": {
      const kind = name.slice(1).toLowerCase() as "accept" | "reject" | "cancel";
      if (words.length === 0) return { kind };
      return words.length === 1 && /^\d{1,9}$/.test(words[0])
        ? { kind, n: Number(words[0]) }
        : usage(`/${kind} [<n>]`);
    }
    case "/transfers":
      return { kind: "transfers" };
    case "/fingerprint":
      if (words.length === 0) return { kind: "fingerprint" };
      return words.length === 1
        ? { kind: "fingerprint", nickname: words[0] }
        : usage("/fingerprint [<user>]");
    case "/trust":
      return words.length === 1 ? { kind: "trust", nickname: words[0] } : usage("/trust <user>");
    case "/devices":
      return words.length === 0 ? { kind: "devices" } : usage("/devices");
    case "/approve":
    case "/revoke": {
      const kind = name.slice(1).toLowerCase() as "approve" | "revoke";
      return words.length === 1 && /^\d{1,2}$/.test(words[0]) && Number(words[0]) > 0
        ? { kind, number: Number(words[0]) }
        : usage(`/${kind} <n>`);
    }
    case "/history":
      return parseHistory(words) ?? usage("/history [<#room>] [<n>]");
    case "/kill":
    case "/serverban":
    case "/serverunban":
    case "/wall": {
      const request = operatorRequest(name, rest);
      return "usage" in request
        ? { kind: "usage", usage: request.usage }
        : { kind: "operator", message: request.message };
    }
    case "/exit":
    case "/quit":
      return { kind: "quit" };
    case "/whisper":
    case "/msg":
    case "/w": {
      const to = words[0];
      const text = to === undefined ? "" : rest.slice(to.length).trim();
      return to === undefined || text === ""
        ? usage(`${name} <user> <message>`)
        : { kind: "whisper", to, text };
    }
    case "/nick":
      return words.length === 1 ? { kind: "nick", nickname: words[0] } : usage("/nick <nickname>");
    case "/join":
      return words.length === 1 ? { kind: "join", room: asRoom(words[0]) } : usage("/join <#room>");
    case "/leave":
      if (words.length === 0) return { kind: "leave" };
      return words.length === 1
        ? { kind: "leave", room: asRoom(words[0]) }
        : usage("/leave [<#room>]");
    default:
      if ((ROOM_COMMAND_NAMES as readonly string[]).includes(name.toLowerCase())) {
        return parseRoomCommand(name, words, rest);
      }
      return { kind: "unknown", name };
  }
}

/** The arguments of `/history`: a room (with "#") and a count, each optional, in either order. */
function parseHistory(words: string[]): Command | undefined {
  const command: { kind: "history"; room?: string; count?: number } = { kind: "history" };
  for (const word of words) {
    if (/^\d{1,7}$/.test(word) && command.count === undefined) command.count = Number(word);
    else if (word.startsWith("#") && command.room === undefined) command.room = word;
    else return undefined;
  }
  return command;
}

/** A room name with its "#", added when the user left it out. */
function asRoom(word: string): string {
  return word.startsWith("#") ? word : `#${word}`;
}

/**
 * Completions for a partly typed line: a command at its start, else a room (after `#`) or a
 * nickname; the matches, sorted, and the word they complete.
 */
export function completeLine(
  line: string,
  users: readonly string[],
  rooms: readonly string[],
): [string[], string] {
  if (line.startsWith("/") && !line.includes(" ")) {
    return [COMMAND_NAMES.filter((name) => name.startsWith(line.toLowerCase())), line];
  }
  const word = line.slice(line.lastIndexOf(" ") + 1);
  const pool = word.startsWith("#") ? rooms : users;
  const prefix = word.toLowerCase();
  const matches = pool.filter((name) => name.toLowerCase().startsWith(prefix));
  return [matches.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())), word];
}
