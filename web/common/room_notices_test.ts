import assert from "node:assert/strict";
import { roomLines, settingChanges } from "./room_notices.js";
import type { RoomInfoNotice } from "../../protocol.ts";

Deno.test("a moderator's action is told in the same words to every client", () => {
  const told = (action: string, extra: Record<string, string> = {}) =>
    roomLines({ type: "moderated", room: "#lab", action, nickname: "Bob", by: "Alice", ...extra });
  assert.deepEqual(told("kick", { reason: "spam" }), ["Bob was removed from #lab by Alice: spam"]);
  assert.deepEqual(told("ban", { until: "2026-12-03T10:30:00.000Z" }), [
    "Bob was banned from #lab by Alice until 2026-12-03 10:30:00 UTC",
  ]);
  assert.deepEqual(told("mute"), ["Bob was muted in #lab by Alice"]);
  assert.deepEqual(told("op"), ["Bob was made a moderator of #lab by Alice"]);
  assert.deepEqual(told("deop"), ["Bob is no longer a moderator of #lab by Alice"]);
  assert.deepEqual(told("invite"), ["Bob is invited to #lab by Alice"]);
  assert.deepEqual(
    roomLines({
      type: "moderated",
      room: "#lab",
      action: "unmute",
      nickname: "Bob",
      reason: "time is up",
    }),
    ["Bob may speak in #lab again: time is up"],
  );
});

Deno.test("topics, invitations, members and bans in words; control characters escaped on asking", () => {
  assert.deepEqual(roomLines({ type: "topic", room: "#lab", topic: "Homework 3" }), [
    "Topic of #lab: Homework 3",
  ]);
  assert.deepEqual(roomLines({ type: "topic", room: "#lab", topic: "", by: "Alice" }), [
    "Alice cleared the topic of #lab",
  ]);
  assert.deepEqual(roomLines({ type: "invited", room: "#lab", by: "Alice" }), [
    "Alice invited you to #lab: /join #lab",
  ]);
  const info: RoomInfoNotice = {
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
    }, { nickname: "Zed", role: "moderator", muted: true }],
  };
  assert.deepEqual(roomLines(info), [
    "#lab (private, owner Alice, members invite): Alice (owner), Bob (away), Zed (moderator, muted)",
  ]);
  assert.deepEqual(roomLines({ ...info, moderated: true, topicBy: "members", more: 2 }), [
    "#lab (private, owner Alice, members invite, moderated, members set the topic): " +
    "Alice (owner), Bob (away), Zed (moderator, muted) and 2 more",
  ]);
  assert.deepEqual(roomLines({ type: "bans", room: "#lab", bans: [] }), [
    "#lab has no bans or mutes",
  ]);
  assert.deepEqual(
    roomLines({
      type: "bans",
      room: "#lab",
      bans: [{ kind: "ban", nickname: "Zed\u001b", address: "192.0.2.7", by: "Alice" }],
    }, (text) => text.replaceAll("\u001b", "\\x1b")),
    ["Bans and mutes of #lab (1):", "  ban Zed\\x1b (192.0.2.7) by Alice"],
  );
  assert.equal(roomLines({ type: "history", count: 0, earlier: 0 }), undefined);
});

Deno.test("what changed in a room's settings, a line each", () => {
  const before: RoomInfoNotice = {
    type: "roominfo",
    room: "#lab",
    topic: "",
    owner: "Alice",
    private: false,
    invite: "members",
    members: [],
  };
  assert.deepEqual(settingChanges(before, { ...before, topic: "new" }), []);
  assert.deepEqual(
    settingChanges(before, {
      ...before,
      private: true,
      moderated: true,
      invite: "moderators",
      topicBy: "members",
      owner: "Bob",
    }),
    [
      "#lab is now private",
      "#lab is now moderated",
      "moderators may invite to #lab",
      "members may set the topic of #lab",
      "Bob owns #lab now",
    ],
  );
});
