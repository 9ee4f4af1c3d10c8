/**
 * The chat commands and their help, in a plain module shared by the terminal client (which
 * imports this file) and the web page (which the server serves it to): one list, so that both
 * offer the same commands under the same names and `/help` describes them alike. Each command
 * names the clients that have it; where the two differ (a file is a path in the terminal and is
 * picked in the page), each has an entry of its own.
 *
 * @module
 */

/** The clients that have a command: the terminal client and the web page. */
const BOTH = /** @type {const} */ (["terminal", "web"]);

/** Every command, in the order `/help` lists them. */
export const COMMANDS = /** @type {const} */ ([
  { name: "/help", aliases: [], args: "", help: "list the commands", clients: BOTH },
  {
    name: "/list",
    aliases: [],
    args: "",
    help: "who is connected, and the rooms",
    clients: BOTH,
  },
  {
    name: "/whisper",
    aliases: ["/msg", "/w"],
    args: "<user> <message>",
    help: "send a private message to one user",
    clients: BOTH,
  },
  { name: "/nick", aliases: [], args: "<nickname>", help: "change your nickname", clients: BOTH },
  {
    name: "/join",
    aliases: [],
    args: "<#room>",
    help: "join a room (made if new); your lines then go there",
    clients: BOTH,
  },
  {
    name: "/leave",
    aliases: [],
    args: "[<#room>]",
    help: "leave a room (the one you are talking in by default)",
    clients: BOTH,
  },
  {
    name: "/rooms",
    aliases: [],
    args: "",
    help: "the rooms, and which you are in",
    clients: BOTH,
  },
  {
    name: "/all",
    aliases: [],
    args: "",
    help: "talk to everyone again instead of a room",
    clients: BOTH,
  },
  {
    name: "/topic",
    aliases: [],
    args: "[<#room>] [<text>]",
    help: "show or set a room's topic",
    // The page has no room moderation yet (issue 23, point 7): terminal only for now.
    clients: ["terminal"],
  },
  {
    name: "/invite",
    aliases: [],
    args: "<user> [<#room>]",
    help: "let a user into a private room",
    // The page has no room moderation yet (issue 23, point 7): terminal only for now.
    clients: ["terminal"],
  },
  {
    name: "/room",
    aliases: [],
    args: "<#room> [<setting>]",
    help: "a room's settings: private, public, invite, owner, close (docs/rooms.md)",
    // The page has no room moderation yet (issue 23, point 7): terminal only for now.
    clients: ["terminal"],
  },
  {
    name: "/op",
    aliases: [],
    args: "<user> [<#room>]",
    help: "make a member a moderator (owner only)",
    // The page has no room moderation yet (issue 23, point 7): terminal only for now.
    clients: ["terminal"],
  },
  {
    name: "/deop",
    aliases: [],
    args: "<user> [<#room>]",
    help: "unmake a moderator (owner only)",
    // The page has no room moderation yet (issue 23, point 7): terminal only for now.
    clients: ["terminal"],
  },
  {
    name: "/kick",
    aliases: [],
    args: "<user> [<#room>] [<why>]",
    help: "put a user out of a room",
    // The page has no room moderation yet (issue 23, point 7): terminal only for now.
    clients: ["terminal"],
  },
  {
    name: "/ban",
    aliases: [],
    args: "<user> [#room] [min] [why]",
    help: "keep a user out of a room",
    // The page has no room moderation yet (issue 23, point 7): terminal only for now.
    clients: ["terminal"],
  },
  {
    name: "/unban",
    aliases: [],
    args: "<user> [<#room>]",
    help: "lift a ban",
    // The page has no room moderation yet (issue 23, point 7): terminal only for now.
    clients: ["terminal"],
  },
  {
    name: "/mute",
    aliases: [],
    args: "<user> [#room] [min] [why]",
    help: "let a user read a room, not speak",
    // The page has no room moderation yet (issue 23, point 7): terminal only for now.
    clients: ["terminal"],
  },
  {
    name: "/unmute",
    aliases: [],
    args: "<user> [<#room>]",
    help: "lift a mute",
    // The page has no room moderation yet (issue 23, point 7): terminal only for now.
    clients: ["terminal"],
  },
  {
    name: "/bans",
    aliases: [],
    args: "[<#room>]",
    help: "a room's bans and mutes",
    // The page has no room moderation yet (issue 23, point 7): terminal only for now.
    clients: ["terminal"],
  },
  {
    name: "/history",
    aliases: [],
    args: "[<#room>] [<n>]",
    help: "the last n messages (20) to everyone, or to a room you are in",
    clients: BOTH,
  },
  {
    name: "/register",
    aliases: [],
    args: "",
    help: "make your nickname an account; the password is asked next",
    clients: BOTH,
  },
  {
    name: "/send",
    aliases: [],
    args: "<user> <path>",
    help: "offer a file to a connected user",
    clients: ["terminal"],
  },
  {
    name: "/send",
    aliases: [],
    args: "<user>",
    help: "offer a file to a connected user; you pick it next",
    clients: ["web"],
  },
  {
    name: "/accept",
    aliases: [],
    args: "[<n>]",
    help: "accept a file offered (the latest by default)",
    clients: ["terminal"],
  },
  {
    name: "/accept",
    aliases: [],
    args: "",
    help: "accept the latest file offered",
    clients: ["web"],
  },
  {
    name: "/reject",
    aliases: [],
    args: "[<n>]",
    help: "turn down a file offered",
    clients: ["terminal"],
  },
  {
    name: "/reject",
    aliases: [],
    args: "",
    help: "turn down the latest file offered",
    clients: ["web"],
  },
  {
    name: "/cancel",
    aliases: [],
    args: "[<n>]",
    help: "stop a transfer, from either side",
    clients: ["terminal"],
  },
  {
    name: "/cancel",
    aliases: [],
    args: "",
    help: "stop the latest transfer, from either side",
    clients: ["web"],
  },
  {
    name: "/transfers",
    aliases: [],
    args: "",
    help: "the offers and transfers, with their numbers",
    clients: ["terminal"],
  },
  {
    name: "/transfers",
    aliases: [],
    args: "",
    help: "the offers and transfers, and how far each has come",
    clients: ["web"],
  },
  {
    name: "/fingerprint",
    aliases: [],
    args: "[<user>]",
    help: "your key's fingerprint, or a user's, to compare in person",
    clients: BOTH,
  },
  {
    name: "/trust",
    aliases: [],
    args: "<user>",
    help: "trust a user's new key, once checked",
    clients: BOTH,
  },
  {
    name: "/devices",
    aliases: [],
    args: "",
    help: "your account's devices: each with its keys, approved or not",
    clients: BOTH,
  },
  {
    name: "/approve",
    aliases: [],
    args: "<n>",
    help: "approve device n of /devices (a new device of yours), from an approved one",
    clients: BOTH,
  },
  {
    name: "/revoke",
    aliases: [],
    args: "<n>",
    help: "remove device n of /devices: nothing is sealed to it any more",
    clients: BOTH,
  },
  {
    name: "/password",
    aliases: [],
    args: "",
    help: "change your account's password",
    clients: BOTH,
  },
  {
    name: "/unregister",
    aliases: [],
    args: "",
    help: "give up your nickname's account",
    clients: BOTH,
  },
  {
    name: "/kill",
    aliases: [],
    args: "<user> [<reason>]",
    help: "server operators: disconnect a user, with the reason",
    clients: BOTH,
  },
  {
    name: "/serverban",
    aliases: [],
    args: "<user or address> [<minutes>] [<reason>]",
    help: "server operators: ban from the whole server (until lifted without minutes)",
    clients: BOTH,
  },
  {
    name: "/serverunban",
    aliases: [],
    args: "<user or address>",
    help: "server operators: lift a server ban",
    clients: BOTH,
  },
  {
    name: "/wall",
    aliases: [],
    args: "<text>",
    help: "server operators: an announcement to everyone",
    clients: BOTH,
  },
  {
    name: "/exit",
    aliases: ["/quit", "q!", "disconnect"],
    args: "",
    help: "leave the chat and show the summary",
    clients: ["terminal"],
  },
  { name: "/exit", aliases: ["/quit"], args: "", help: "leave the chat", clients: ["web"] },
]);

/** How to send a chat line that starts with "/", as `/help` shows it last. */
export const SLASH_LINE = /** @type {const} */ ({
  usage: "//text",
  help: "send a line that starts with /",
});
