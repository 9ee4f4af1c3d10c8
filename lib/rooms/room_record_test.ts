import assert from "node:assert/strict";
import { holds, newRecord, type Restriction, restrictionOf } from "./room_record.ts";

const NOW = Date.UTC(2026, 0, 1);
const guest = (nickKey: string, address = "192.0.2.7") => ({ nickKey, address, guest: true });

Deno.test("holds(): an account's restriction holds under any nickname, and after renaming away from it", () => {
  const ban: Restriction = { kind: "ban", account: "bob", nickname: "Bob", by: "Alice" };
  assert.equal(
    holds(ban, { account: "bob", nickKey: "robert", address: "", guest: false }, NOW),
    true,
  );
  assert.equal(holds(ban, { formerAccount: "bob", ...guest("robert", "198.51.100.1") }, NOW), true);
  assert.equal(
    holds(ban, { account: "carol", nickKey: "carol", address: "", guest: false }, NOW),
    false,
  );
  assert.equal(holds({ ...ban, until: NOW }, { account: "bob", ...guest("bob") }, NOW), false);
});

Deno.test("holds(): a guest's restriction holds against its nickname, whoever takes it, and its address against guests who are not members", () => {
  const ban: Restriction = {
    kind: "ban",
    nickKey: "zed",
    address: "192.0.2.7",
    nickname: "Zed",
    by: "Alice",
  };
  assert.equal(holds(ban, guest("zed", "198.51.100.1"), NOW), true, "the nickname");
  assert.equal(
    holds(ban, { account: "zed", nickKey: "zed", address: "", guest: false }, NOW),
    true,
  );
  assert.equal(holds(ban, guest("yan"), NOW), true, "the address");
  assert.equal(holds(ban, { account: "yan", ...guest("yan") }, NOW), true, "an account made there");
  assert.equal(holds(ban, guest("yan"), NOW, true), false, "a member is not caught by it");
  const logged = { account: "amy", nickKey: "amy", address: "192.0.2.7", guest: false };
  assert.equal(holds(ban, logged, NOW), false, "an account logged in at connect is not");
  assert.equal(holds({ ...ban, address: "" }, guest("yan", ""), NOW), false, "no address, none");
});

Deno.test("restrictionOf(): a guest's address spares the room's members", () => {
  const record = newRecord("#lab", { key: "alice", nickname: "Alice" });
  record.members.bob = { nickname: "Bob", role: "member" };
  record.restrictions.push({
    kind: "mute",
    nickKey: "zed",
    address: "192.0.2.7",
    nickname: "Zed",
    by: "Alice",
  });
  const bob = { account: "bob", nickKey: "bob", address: "192.0.2.7", guest: true };
  assert.equal(restrictionOf(record, "mute", bob, NOW), undefined);
  const cat = { account: "cat", nickKey: "cat", address: "192.0.2.7", guest: true };
  assert.equal(restrictionOf(record, "mute", cat, NOW)?.nickname, "Zed");
});
