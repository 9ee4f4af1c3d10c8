import assert from "node:assert/strict";
import { memberState, RoomState } from "./room_state.js";
import type { RoomInfoNotice } from "../protocol.ts";

/** `#lab`, owned by Alice, with Bob a moderator, Carol a member and Dave away. */
function lab(): RoomState {
  const room = new RoomState("#lab", ["Alice", "Bob", "Carol"]);
  room.described(
    {
      type: "roominfo",
      room: "#lab",
      topic: "Homework 3",
      owner: "Alice",
      private: false,
      invite: "members",
      members: [
        { nickname: "Alice", role: "owner" },
        { nickname: "Bob", role: "moderator" },
        { nickname: "Carol", role: "member", muted: true },
        { nickname: "Dave", role: "member", away: true },
      ],
    } satisfies RoomInfoNotice,
  );
  return room;
}

Deno.test("a room's members with their roles, away and muted, in words", () => {
  const room = lab();
  assert.equal(room.topic, "Homework 3");
  assert.deepEqual(room.members.map(memberState), [
    "owner",
    "moderator",
    "member, muted",
    "member, away",
  ]);
  assert.equal(room.info?.topicBy, "moderators");
  assert.equal(room.info?.moderated, false);
  // A room of guests has no roles.
  assert.deepEqual(new RoomState("#den", ["Zed"]).members.map(memberState), [""]);
});

Deno.test("a room's members follow who joins, leaves, goes away, is renamed and moderated", () => {
  const room = lab();
  room.joined("dave");
  room.joined("Erin");
  room.left("Alice");
  room.left("Carol");
  assert.equal(room.wentAway("Bob"), true);
  assert.equal(room.wentAway("Nobody"), false);
  room.renamed("Erin", "Erika");
  room.moderated({ type: "moderated", room: "#lab", action: "mute", nickname: "erika" });
  room.moderated({ type: "moderated", room: "#lab", action: "op", nickname: "dave" });
  room.moderated({ type: "moderated", room: "#lab", action: "deop", nickname: "Bob" });
  assert.deepEqual(
    room.members.map((member) => `${member.nickname} (${memberState(member)})`),
    ["Alice (owner, away)", "Bob (member, away)", "dave (moderator)", "Erika (member, muted)"],
  );
  // A member banned while away is no longer one; a guest who leaves the chat is gone.
  room.moderated({ type: "moderated", room: "#lab", action: "ban", nickname: "Bob" });
  assert.equal(room.member("Bob"), undefined);
  const guests = new RoomState("#den", ["Zed", "Yan"]);
  guests.wentAway("Zed");
  assert.deepEqual(guests.members, [{ nickname: "Yan" }]);
});

Deno.test("the owner may do everything to others, a moderator to members, a member nothing", () => {
  const room = lab();
  assert.deepEqual(room.actionsOn("Alice", false, "Bob"), ["kick", "ban", "mute", "deop"]);
  assert.deepEqual(room.actionsOn("Alice", false, "Carol"), ["kick", "ban", "unmute", "op"]);
  assert.deepEqual(room.actionsOn("Alice", false, "Dave"), ["ban", "mute", "op"]);
  assert.deepEqual(room.actionsOn("Alice", false, "Alice"), []);
  assert.deepEqual(room.actionsOn("Bob", false, "Carol"), ["kick", "ban", "unmute"]);
  assert.deepEqual(room.actionsOn("Bob", false, "Alice"), []);
  assert.deepEqual(room.actionsOn("Carol", false, "Dave"), []);
  assert.equal(room.mayModerate("Bob", false), true);
  assert.equal(room.mayModerate("Carol", false), false);
  assert.equal(room.maySetTopic("Carol", false), false);
  assert.equal(room.mayOwn("Bob", false), false);
  // A server operator moderates every room, owner's powers included.
  assert.deepEqual(room.actionsOn("Oscar", true, "Bob"), ["kick", "ban", "mute", "deop"]);
  assert.equal(room.mayOwn("Oscar", true), true);
  // Who may set the topic follows the setting; a room without its roominfo has no moderation.
  room.described({ ...room.info!, topicBy: "members", members: [] });
  assert.equal(room.maySetTopic("Carol", false), true);
  const guests = new RoomState("#den", ["Zed", "Yan"]);
  assert.equal(guests.mayModerate("Zed", true), false);
  assert.deepEqual(guests.actionsOn("Zed", true, "Yan"), []);
  // A room of guests (no owner): its moderators make moderators, and act on each other.
  guests.described({
    type: "roominfo",
    room: "#den",
    topic: "",
    private: false,
    invite: "members",
    members: [
      { nickname: "Zed", role: "moderator" },
      { nickname: "Yan", role: "moderator" },
      { nickname: "Xi", role: "member" },
    ],
  });
  assert.deepEqual(guests.actionsOn("Zed", false, "Xi"), ["kick", "ban", "mute", "op"]);
  assert.deepEqual(guests.actionsOn("Zed", false, "Yan"), ["kick", "ban", "mute", "deop"]);
  assert.deepEqual(guests.actionsOn("Xi", false, "Zed"), []);
});
