import assert from "node:assert/strict";
import { newRecord } from "./room_record.ts";
import { bansReply, roomInfo } from "./room_replies.ts";

const NOW = Date.UTC(2026, 0, 1);

Deno.test("roomInfo() lists those present, then the members away; an owner that left is named, not listed", () => {
  const record = newRecord("#lab", { key: "alice", nickname: "Alice" });
  record.members.alice.left = true;
  record.members.bob = { nickname: "Bob", role: "moderator" };
  record.members.carol = { nickname: "Carol", role: "member" };
  record.restrictions.push({ kind: "mute", account: "carol", nickname: "Carol", by: "Bob" });
  const present = [{
    nickname: "Bob",
    who: { account: "bob", nickKey: "bob", address: "192.0.2.7", guest: false },
  }, { nickname: "Zed", who: { nickKey: "zed", address: "192.0.2.7", guest: true } }];
  const info = roomInfo(record, present, NOW);
  assert.equal(info.owner, "Alice");
  assert.deepEqual(info.members, [
    { nickname: "Bob", role: "moderator" },
    { nickname: "Zed", role: "member" },
    { nickname: "Carol", role: "member", away: true, muted: true },
  ]);
});

Deno.test("bansReply() gives the bans and mutes in force, with their addresses, times, reasons and ends", () => {
  const record = newRecord("#lab", { key: "alice", nickname: "Alice" });
  record.restrictions.push(
    { kind: "ban", nickKey: "zed", address: "192.0.2.7", nickname: "Zed", by: "Alice" },
    {
      kind: "mute",
      account: "bob",
      nickname: "Bob",
      by: "Alice",
      at: NOW - 60_000,
      reason: "spam",
      until: NOW + 1,
    },
    { kind: "mute", account: "cat", nickname: "Cat", by: "Alice", until: NOW },
  );
  assert.deepEqual(bansReply(record, NOW).bans, [
    { kind: "ban", nickname: "Zed", address: "192.0.2.7", by: "Alice" },
    {
      kind: "mute",
      nickname: "Bob",
      by: "Alice",
      at: new Date(NOW - 60_000).toISOString(),
      reason: "spam",
      until: new Date(NOW + 1).toISOString(),
    },
  ]);
});
