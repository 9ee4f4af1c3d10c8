import assert from "node:assert/strict";
import { parseCommand } from "./commands.ts";
import { roomLines } from "./room_commands.ts";

Deno.test("room commands read as requests, the room left to the one talked in when not named", () => {
  assert.deepEqual(parseCommand("/topic #lab Homework 3"), {
    kind: "roomop",
    room: "#lab",
    message: { type: "topic", topic: "Homework 3" },
  });
  assert.deepEqual(parseCommand("/topic"), {
    kind: "roomop",
    room: undefined,
    message: { type: "topic" },
  });
  assert.deepEqual(parseCommand("/ban Bob #lab 0.5 spam and more"), {
    kind: "roomop",
    room: "#lab",
    message: {
      type: "moderate",
      action: "ban",
      nickname: "Bob",
      minutes: 0.5,
      reason: "spam and more",
    },
  });
  assert.deepEqual(parseCommand("/kick Bob rude"), {
    kind: "roomop",
    room: undefined,
    message: { type: "moderate", action: "kick", nickname: "Bob", reason: "rude" },
  });
  assert.deepEqual(parseCommand("/room #lab invite moderators"), {
    kind: "roomop",
    room: "#lab",
    message: { type: "settings", setting: "invite", value: "moderators" },
  });
  assert.equal(parseCommand("/room lab").kind, "usage");
  assert.equal(parseCommand("/invite").kind, "usage");
});

Deno.test("room messages shown as notices", () => {
  assert.deepEqual(
    roomLines({
      type: "moderated",
      room: "#lab",
      action: "kick",
      nickname: "Bob",
      by: "Alice",
      reason: "spam",
    }),
    ["Bob was removed from #lab by Alice: spam"],
  );
  assert.deepEqual(
    roomLines({
      type: "roominfo",
      room: "#lab",
      topic: "",
      owner: "Alice",
      private: true,
      invite: "members",
      members: [{ nickname: "Alice", role: "owner" }, {
        nickname: "Bob",
        role: "member",
        away: true,
      }],
    }),
    ["#lab (private, owner Alice, members invite): Alice (owner), Bob (away)"],
  );
  assert.equal(roomLines({ type: "history", count: 0, earlier: 0 }), undefined);
});
