import assert from "node:assert/strict";
import { parseRoomCommand, ROOM_COMMAND_NAMES, roomRequest } from "./room_commands.js";

/** `line` read as a room command, as both clients split it. */
function parse(line: string) {
  const [name, ...words] = line.trim().split(/\s+/);
  return parseRoomCommand(name, words, line.trim().slice(name.length).trim());
}

Deno.test("room commands read as requests, the room left to the one talked in when not named", () => {
  assert.deepEqual(parse("/topic #lab Homework 3"), {
    kind: "roomop",
    room: "#lab",
    message: { type: "topic", topic: "Homework 3" },
  });
  assert.deepEqual(parse("/topic"), {
    kind: "roomop",
    room: undefined,
    message: { type: "topic" },
  });
  assert.deepEqual(parse("/ban Bob #lab 0.5 spam and  more"), {
    kind: "roomop",
    room: "#lab",
    message: {
      type: "moderate",
      action: "ban",
      nickname: "Bob",
      minutes: 0.5,
      reason: "spam and  more",
    },
  });
  assert.deepEqual(parse("/KICK Bob rude"), {
    kind: "roomop",
    room: undefined,
    message: { type: "moderate", action: "kick", nickname: "Bob", reason: "rude" },
  });
  assert.deepEqual(parse("/kick Bob 10"), {
    kind: "roomop",
    room: undefined,
    message: { type: "moderate", action: "kick", nickname: "Bob", reason: "10" },
  });
  assert.deepEqual(parse("/mute Bob 10"), {
    kind: "roomop",
    room: undefined,
    message: { type: "moderate", action: "mute", nickname: "Bob", minutes: 10 },
  });
  assert.deepEqual(parse("/op Bob #lab"), {
    kind: "roomop",
    room: "#lab",
    message: { type: "moderate", action: "op", nickname: "Bob" },
  });
  assert.deepEqual(parse("/invite Carol"), {
    kind: "roomop",
    room: undefined,
    message: { type: "invite", nickname: "Carol" },
  });
  assert.deepEqual(parse("/bans #lab"), {
    kind: "roomop",
    room: "#lab",
    message: { type: "bans" },
  });
  assert.deepEqual(parse("/room #lab invite moderators"), {
    kind: "roomop",
    room: "#lab",
    message: { type: "settings", setting: "invite", value: "moderators" },
  });
  assert.deepEqual(parse("/room #lab"), {
    kind: "roomop",
    room: "#lab",
    message: { type: "settings", setting: "show" },
  });
});

Deno.test("a room command that does not read says how to use it", () => {
  assert.deepEqual(parse("/invite"), { kind: "usage", usage: "Usage: /invite <user> [<#room>]" });
  assert.deepEqual(parse("/unmute Bob lab"), {
    kind: "usage",
    usage: "Usage: /unmute <user> [<#room>]",
  });
  assert.deepEqual(parse("/ban"), {
    kind: "usage",
    usage: "Usage: /ban <user> [<#room>] [<minutes>] [<reason>]",
  });
  assert.deepEqual(parse("/bans lab"), { kind: "usage", usage: "Usage: /bans [<#room>]" });
  for (const line of ["/room lab", "/room #lab invite", "/room #lab private now"]) {
    assert.match((parse(line) as { usage: string }).usage, /^Usage: \/room <#room> \[private\|/);
  }
});

Deno.test("a room command's request names its room", () => {
  const command = parse("/mute Bob 5 flood");
  assert.equal(command.kind, "roomop");
  if (command.kind !== "roomop") return;
  assert.deepEqual(roomRequest(command, "#lab"), {
    type: "moderate",
    action: "mute",
    nickname: "Bob",
    minutes: 5,
    reason: "flood",
    room: "#lab",
  });
  for (const name of ROOM_COMMAND_NAMES) assert.notEqual(parse(`${name} Bob`).kind, undefined);
});
