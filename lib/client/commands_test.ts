import assert from "node:assert/strict";
import { chat1HelpLines, COMMAND_NAMES, COMMANDS, helpLines, parseCommand } from "./commands.ts";

Deno.test("parseCommand() takes a plain line as a chat line, as typed", () => {
  assert.deepEqual(parseCommand("hello there "), { kind: "say", text: "hello there " });
  assert.deepEqual(parseCommand(""), { kind: "say", text: "" });
  assert.deepEqual(parseCommand("not /a command"), { kind: "say", text: "not /a command" });
});

Deno.test("parseCommand() sends a line starting with // as one starting with /", () => {
  assert.deepEqual(parseCommand("//shrug"), { kind: "say", text: "/shrug" });
  assert.deepEqual(parseCommand("// x"), { kind: "say", text: "/ x" });
});

Deno.test("parseCommand() quits on /exit, /quit, q! and disconnect", () => {
  for (const line of ["/exit", "/quit", "q!", "disconnect", "  disconnect  ", "/EXIT"]) {
    assert.deepEqual(parseCommand(line), { kind: "quit" }, line);
  }
});

Deno.test("parseCommand() reads /whisper and its aliases /msg and /w", () => {
  for (const name of ["/whisper", "/msg", "/w"]) {
    assert.deepEqual(parseCommand(`${name} Bob  see you at  5 `), {
      kind: "whisper",
      to: "Bob",
      text: "see you at  5",
    });
    assert.deepEqual(parseCommand(`${name} Bob`), {
      kind: "usage",
      usage: `Usage: ${name} <user> <message>`,
    });
    assert.deepEqual(parseCommand(name), {
      kind: "usage",
      usage: `Usage: ${name} <user> <message>`,
    });
  }
});

Deno.test("parseCommand() reads /nick, /join and /leave, adding a missing #", () => {
  assert.deepEqual(parseCommand("/nick Zed"), { kind: "nick", nickname: "Zed" });
  assert.deepEqual(parseCommand("/nick"), { kind: "usage", usage: "Usage: /nick <nickname>" });
  assert.deepEqual(parseCommand("/nick two words"), {
    kind: "usage",
    usage: "Usage: /nick <nickname>",
  });
  assert.deepEqual(parseCommand("/join #lab"), { kind: "join", room: "#lab" });
  assert.deepEqual(parseCommand("/join lab"), { kind: "join", room: "#lab" });
  assert.deepEqual(parseCommand("/join"), { kind: "usage", usage: "Usage: /join <#room>" });
  assert.deepEqual(parseCommand("/leave"), { kind: "leave" });
  assert.deepEqual(parseCommand("/leave lab"), { kind: "leave", room: "#lab" });
});

Deno.test("parseCommand() reads the commands without arguments, in any case", () => {
  assert.deepEqual(parseCommand("/help"), { kind: "help" });
  assert.deepEqual(parseCommand("/LIST"), { kind: "list" });
  assert.deepEqual(parseCommand("/rooms"), { kind: "rooms" });
  assert.deepEqual(parseCommand("/all"), { kind: "all" });
});

Deno.test("parseCommand() names an unknown command", () => {
  assert.deepEqual(parseCommand("/dance now"), { kind: "unknown", name: "/dance" });
  assert.deepEqual(parseCommand("/"), { kind: "unknown", name: "/" });
});

Deno.test("helpLines() lists every command with a description, and the names complete", () => {
  const help = helpLines().join("\n");
  for (
    const name of [
      "/help",
      "/list",
      "/whisper, /msg, /w",
      "/nick",
      "/join",
      "/leave",
      "/rooms",
      "/all",
      "/history",
      "/register",
      "/password",
      "/unregister",
      "/exit, /quit, q!, disconnect",
    ]
  ) {
    assert.ok(help.includes(name), name);
  }
  assert.ok(COMMAND_NAMES.includes("/w") && COMMAND_NAMES.includes("/quit"));
  assert.ok(!COMMAND_NAMES.includes("q!"), "only slash names complete");
});

Deno.test("parseCommand() reads the account commands and /history in any order", () => {
  assert.deepEqual(parseCommand("/register"), { kind: "register" });
  assert.deepEqual(parseCommand("/password"), { kind: "password" });
  assert.deepEqual(parseCommand("/unregister"), { kind: "unregister" });
  assert.deepEqual(parseCommand("/register secret123"), {
    kind: "usage",
    usage: "Usage: /register (then type the password on its own line)",
  });
  assert.deepEqual(parseCommand("/history"), { kind: "history" });
  assert.deepEqual(parseCommand("/history 50"), { kind: "history", count: 50 });
  assert.deepEqual(parseCommand("/history #lab"), { kind: "history", room: "#lab" });
  assert.deepEqual(parseCommand("/history 5 #lab"), { kind: "history", room: "#lab", count: 5 });
  assert.deepEqual(parseCommand("/history lab"), {
    kind: "usage",
    usage: "Usage: /history [<#room>] [<n>]",
  });
});

Deno.test("parseCommand() reads the file transfer commands", () => {
  assert.deepEqual(parseCommand("/send Bob my photos/cat.jpg"), {
    kind: "send",
    to: "Bob",
    path: "my photos/cat.jpg",
  });
  assert.deepEqual(parseCommand("/send Bob"), {
    kind: "usage",
    usage: "Usage: /send <user> <path>",
  });
  assert.deepEqual(parseCommand("/accept"), { kind: "accept" });
  assert.deepEqual(parseCommand("/accept 3"), { kind: "accept", n: 3 });
  assert.deepEqual(parseCommand("/reject 2"), { kind: "reject", n: 2 });
  assert.deepEqual(parseCommand("/cancel"), { kind: "cancel" });
  assert.deepEqual(parseCommand("/cancel x"), { kind: "usage", usage: "Usage: /cancel [<n>]" });
  assert.deepEqual(parseCommand("/transfers"), { kind: "transfers" });
});

Deno.test("parseCommand() knows every command and alias that /help lists", () => {
  for (const name of COMMANDS.flatMap((c) => [c.name, ...c.aliases])) {
    assert.notEqual(parseCommand(name).kind, "unknown", name);
  }
});

Deno.test("chat1HelpLines() shows what a CHAT/1.0 server carries: lines to everyone and leaving", () => {
  assert.deepEqual(chat1HelpLines(), [
    "On a CHAT/1.0 server every line goes to everyone:",
    "  /exit, /quit, q!, disconnect         leave the chat and show the summary",
    "  //text                               send a line that starts with /",
    "Private messages, rooms, /list, /nick, accounts, history and files are not available there.",
  ]);
});

Deno.test("parseCommand() reads the kept rooms' commands with the reader the page shares", () => {
  assert.deepEqual(parseCommand("/kick Bob #lab rude"), {
    kind: "roomop",
    room: "#lab",
    message: { type: "moderate", action: "kick", nickname: "Bob", reason: "rude" },
  });
  assert.deepEqual(parseCommand("/TOPIC"), {
    kind: "roomop",
    room: undefined,
    message: { type: "topic" },
  });
  assert.deepEqual(parseCommand("/room lab"), {
    kind: "usage",
    usage: "Usage: /room <#room> [private|public|moderated|unmoderated|close|" +
      "invite <members|moderators>|topic <members|moderators>|owner <account>]",
  });
});
