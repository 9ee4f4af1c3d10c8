import assert from "node:assert/strict";
import { COMMANDS, SLASH_LINE } from "./commands.js";
import { operatorRequest } from "./operator_commands.js";
import { helpLines } from "../../lib/client/commands.ts";

/** The commands `client` has, in the order its `/help` lists them. */
function commandsOf(client: string) {
  return COMMANDS.filter((c) => (c.clients as readonly string[]).includes(client));
}

Deno.test("every command has a name with its slash, help, and the clients that have it", () => {
  for (const command of COMMANDS) {
    assert.match(command.name, /^\/[a-z]+$/, command.name);
    assert.ok(command.help.length > 0, `${command.name} has help`);
    assert.ok(command.clients.length > 0, `${command.name} names its clients`);
    for (const client of command.clients) assert.ok(["terminal", "web"].includes(client), client);
  }
  assert.deepEqual(SLASH_LINE, { usage: "//text", help: "send a line that starts with /" });
});

Deno.test("no client has a name or an alias twice", () => {
  for (const client of ["terminal", "web"]) {
    const names = commandsOf(client).flatMap((c) => [c.name, ...c.aliases]);
    assert.deepEqual(names.filter((name, i) => names.indexOf(name) !== i), [], client);
  }
});

Deno.test("each client has its own list: the same commands, typed and helped as it takes them", () => {
  const names = (client: string) => commandsOf(client).map((c) => c.name);
  const expected = [
    "/help",
    "/list",
    "/whisper",
    "/nick",
    "/join",
    "/leave",
    "/rooms",
    "/all",
    "/history",
    "/register",
    "/send",
    "/accept",
    "/reject",
    "/cancel",
    "/transfers",
    "/fingerprint",
    "/trust",
    "/devices",
    "/approve",
    "/revoke",
    "/password",
    "/unregister",
    "/kill",
    "/serverban",
    "/serverunban",
    "/wall",
    "/exit",
  ];
  const rooms = [
    "/topic",
    "/invite",
    "/room",
    "/op",
    "/deop",
    "/kick",
    "/ban",
    "/unban",
    "/mute",
    "/unmute",
    "/bans",
  ];
  const both = [...expected.slice(0, 8), ...rooms, ...expected.slice(8)];
  assert.deepEqual(names("terminal"), both);
  assert.deepEqual(names("web"), both);
  const web = (name: string) => commandsOf("web").find((c) => c.name === name)!;
  const terminal = (name: string) => commandsOf("terminal").find((c) => c.name === name)!;
  // A file is a path in the terminal and picked in the page; only the terminal numbers transfers.
  assert.equal(terminal("/send").args, "<user> <path>");
  assert.equal(web("/send").args, "<user>");
  assert.equal(terminal("/accept").args, "[<n>]");
  assert.equal(web("/accept").args, "");
  // Only the terminal client also ends on words without a slash.
  assert.deepEqual(terminal("/exit").aliases, ["/quit", "q!", "disconnect"]);
  assert.deepEqual(web("/exit").aliases, ["/quit"]);
});

Deno.test("the terminal client's /help lines are the same as before the list was shared", () => {
  assert.deepEqual(helpLines(), [
    "Commands:",
    "  /help                                list the commands",
    "  /list                                who is connected, and the rooms",
    "  /whisper, /msg, /w <user> <message>  send a private message to one user",
    "  /nick <nickname>                     change your nickname",
    "  /join <#room>                        join a room (made if new); your lines then go there",
    "  /leave [<#room>]                     leave a room (the one you are talking in by default)",
    "  /rooms                               the rooms, and which you are in",
    "  /all                                 talk to everyone again instead of a room",
    "  /topic [<#room>] [<text>]            show or set a room's topic",
    "  /invite <user> [<#room>]             let a user into a private room",
    "  /room <#room> [<setting>]            a room's settings: private, public, invite, owner, close (docs/rooms.md)",
    "  /op <user> [<#room>]                 make a member a moderator (owner only)",
    "  /deop <user> [<#room>]               unmake a moderator (owner only)",
    "  /kick <user> [<#room>] [<why>]       put a user out of a room",
    "  /ban <user> [#room] [min] [why]      keep a user out of a room",
    "  /unban <user> [<#room>]              lift a ban",
    "  /mute <user> [#room] [min] [why]     let a user read a room, not speak",
    "  /unmute <user> [<#room>]             lift a mute",
    "  /bans [<#room>]                      a room's bans and mutes",
    "  /history [<#room>] [<n>]             the last n messages (20) to everyone, or to a room you are in",
    "  /register                            make your nickname an account; the password is asked next",
    "  /send <user> <path>                  offer a file to a connected user",
    "  /accept [<n>]                        accept a file offered (the latest by default)",
    "  /reject [<n>]                        turn down a file offered",
    "  /cancel [<n>]                        stop a transfer, from either side",
    "  /transfers                           the offers and transfers, with their numbers",
    "  /fingerprint [<user>]                your key's fingerprint, or a user's, to compare in person",
    "  /trust <user>                        trust a user's new key, once checked",
    "  /devices                             your account's devices: each with its keys, approved or not",
    "  /approve <n>                         approve device n of /devices (a new device of yours), from an approved one",
    "  /revoke <n>                          remove device n of /devices: nothing is sealed to it any more",
    "  /password                            change your account's password",
    "  /unregister                          give up your nickname's account",
    "  /kill <user> [<reason>]              server operators: disconnect a user, with the reason",
    "  /serverban <user or address> [<minutes>] [<reason>] server operators: ban from the whole server (until lifted without minutes)",
    "  /serverunban <user or address>       server operators: lift a server ban",
    "  /wall <text>                         server operators: an announcement to everyone",
    "  /exit, /quit, q!, disconnect         leave the chat and show the summary",
    "  //text                               send a line that starts with /",
    "Anything else is a chat line: to the room you are talking in, or to everyone.",
  ]);
});

Deno.test("operatorRequest() reads the operator commands' words, or says how to use them", () => {
  assert.deepEqual(operatorRequest("/kill", "Bob  spamming the chat"), {
    message: { type: "operator", action: "kill", target: "Bob", reason: "spamming the chat" },
  });
  assert.deepEqual(operatorRequest("/KILL", "Bob"), {
    message: { type: "operator", action: "kill", target: "Bob" },
  });
  assert.deepEqual(operatorRequest("/serverban", "Bob 0.5 flood"), {
    message: { type: "operator", action: "serverban", target: "Bob", seconds: 30, reason: "flood" },
  });
  assert.deepEqual(operatorRequest("/serverban", "192.0.2.7 for good"), {
    message: { type: "operator", action: "serverban", target: "192.0.2.7", reason: "for good" },
  });
  assert.deepEqual(operatorRequest("/serverunban", "Bob"), {
    message: { type: "operator", action: "serverunban", target: "Bob" },
  });
  assert.deepEqual(operatorRequest("/wall", " Restart  at noon "), {
    message: { type: "operator", action: "wall", message: "Restart  at noon" },
  });
  assert.deepEqual(operatorRequest("/kill", ""), { usage: "Usage: /kill <user> [<reason>]" });
  assert.deepEqual(operatorRequest("/wall", "  "), { usage: "Usage: /wall <text>" });
  assert.deepEqual(operatorRequest("/serverunban", "a b"), {
    usage: "Usage: /serverunban <user or address>",
  });
  assert.deepEqual(operatorRequest("/serverban", "Bob 0.001"), {
    usage: "A ban lasts from 1 second (0.017) to 5256000 minutes",
  });
});
