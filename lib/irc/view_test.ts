import assert from "node:assert/strict";
import { newRecord } from "../rooms/room_record.ts";
import { banMask, maskNickname, modeChange, modesOf } from "./view.ts";

Deno.test("a room's settings read as channel modes, and their changes as a MODE", () => {
  assert.equal(modesOf(undefined), "+n");
  const record = newRecord("#lab", { key: "olga", nickname: "Olga" });
  assert.equal(modesOf(record), "+nt");
  assert.equal(modesOf({ ...record, private: true, moderated: true, topicBy: "members" }), "+imn");
  assert.equal(modeChange("+nt", "+nt"), "");
  assert.equal(modeChange("+nt", "+imnt"), "+im");
  assert.equal(modeChange("+imnt", "+n"), "-imt");
  assert.equal(modeChange("+int", "+mn"), "-it+m");
});

Deno.test("a ban mask names one user: an account, or a guest's nickname", () => {
  assert.equal(banMask("alice", true), "$a:alice");
  assert.equal(banMask("bob", false), "bob!*@*");
  assert.equal(maskNickname("$a:alice"), "alice");
  assert.equal(maskNickname("bob!*@*"), "bob");
  assert.equal(maskNickname("bob"), "bob");
  assert.equal(maskNickname("m:bob!*@*"), "bob");
  assert.equal(maskNickname("*!*@host"), undefined);
  assert.equal(maskNickname("b?b!*@*"), undefined);
  assert.equal(maskNickname("$a:"), undefined);
});
