import assert from "node:assert/strict";
import { Roster } from "./roster.ts";

Deno.test("Roster's prompt shows the nickname, escaped, and the room lines go to", () => {
  const roster = new Roster("Al\x07ice");
  assert.equal(roster.prompt(), "Al\\x07ice> ");
  roster.target = "#lab";
  assert.equal(roster.prompt(), "Al\\x07ice #lab> ");
  assert.ok(roster.talksIn("#LAB"), "rooms compare in any case");
});

Deno.test("Roster follows who is connected, and renames this user only when it is them", () => {
  const roster = new Roster("Alice");
  roster.listed(["Alice", "Bob"], ["#lab"]);
  roster.connected("Eve");
  roster.disconnected("BOB");
  assert.deepEqual(roster.nicknames(), ["Alice", "Eve"]);
  assert.equal(roster.renamed("Eve", "Eva"), false);
  assert.equal(roster.renamed("ALICE", "Alicia"), true);
  assert.equal(roster.nickname, "Alicia");
  assert.deepEqual(roster.nicknames(), ["Eva", "Alicia"]);
});

Deno.test("Roster names the rooms this user is in first, then those listed, each once", () => {
  const roster = new Roster("Alice");
  roster.listed([], ["#lab", "#ops"]);
  roster.entered("#Ops");
  assert.equal(roster.joined("#OPS"), "#Ops");
  assert.deepEqual(roster.roomNames(), ["#Ops", "#lab", "#ops"]);
  roster.exited("#ops");
  assert.equal(roster.joined("#Ops"), undefined);
  assert.deepEqual(roster.myRooms(), []);
});
