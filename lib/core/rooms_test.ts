import assert from "node:assert/strict";
import { Rooms } from "./rooms.ts";

Deno.test("Rooms.join() creates a room, keeps its first spelling, and matches any case", () => {
  const rooms = new Rooms<string>();
  assert.deepEqual(rooms.join("#Lab", "alice").already, false);
  const { room, already } = rooms.join("#lab", "bob");
  assert.equal(already, false);
  assert.equal(room.name, "#Lab");
  assert.deepEqual([...room.members], ["alice", "bob"]);
  assert.equal(rooms.join("#LAB", "bob").already, true);
  assert.equal(rooms.get("#lAb"), room);
});

Deno.test("Rooms.leave() removes a member, and an empty room disappears", () => {
  const rooms = new Rooms<string>();
  rooms.join("#a", "alice");
  rooms.join("#a", "bob");
  assert.equal(rooms.leave("#a", "carol"), undefined, "not a member");
  assert.equal(rooms.leave("#nowhere", "alice"), undefined, "no such room");
  assert.deepEqual([...rooms.leave("#A", "alice")!.members], ["bob"]);
  rooms.leave("#a", "bob");
  assert.equal(rooms.get("#a"), undefined);
  assert.deepEqual(rooms.list(), []);
});

Deno.test("Rooms.leaveAll() takes a member out of every room, keeping others' memberships", () => {
  const rooms = new Rooms<string>();
  rooms.join("#a", "alice");
  rooms.join("#b", "alice");
  rooms.join("#b", "bob");
  rooms.join("#c", "bob");
  assert.deepEqual(rooms.leaveAll("alice").map((r) => r.name).sort(), ["#a", "#b"]);
  assert.deepEqual(rooms.list().map((r) => [r.name, [...r.members]]), [["#b", ["bob"]], [
    "#c",
    ["bob"],
  ]]);
  assert.deepEqual(rooms.roomsOf("alice"), []);
  assert.deepEqual(rooms.roomsOf("bob").map((r) => r.name), ["#b", "#c"]);
});

Deno.test("Rooms.replace() puts another member in one's place in each of its rooms", () => {
  const rooms = new Rooms<string>();
  rooms.join("#a", "ann");
  rooms.join("#a", "bob");
  rooms.join("#b", "ann");
  rooms.replace("ann", "ann2");
  assert.deepEqual([...rooms.get("#a")!.members], ["ann2", "bob"]);
  assert.deepEqual(rooms.roomsOf("ann2").map((room) => room.name), ["#a", "#b"]);
  assert.deepEqual(rooms.roomsOf("ann"), []);
});
