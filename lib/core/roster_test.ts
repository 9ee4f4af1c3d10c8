import assert from "node:assert/strict";
import { FakeMember } from "./fakes.ts";
import { Roster } from "./roster.ts";

function member(nickname: string, port: number, remote = false): FakeMember {
  const made = new FakeMember(port);
  made.nickname = nickname;
  if (remote) Object.assign(made, { remote: true });
  return made;
}

Deno.test("Roster keeps members in the order they registered, found by nickname in any case", () => {
  const roster = new Roster<FakeMember>();
  const [ann, bob, cy] = [member("Ann", 1), member("Bob", 2), member("Cy", 3, true)];
  for (const each of [ann, bob, cy]) roster.add(each);
  assert.equal(roster.size, 3);
  assert.equal(roster.find("ANN"), ann);
  assert.deepEqual([...roster.members()], [ann, bob, cy]);
  assert.deepEqual([...roster.others(bob)], [ann, cy]);
  assert.deepEqual([...roster.locals()], [ann, bob]);
});

Deno.test("Roster renames a member in its place, and removes it once", () => {
  const roster = new Roster<FakeMember>();
  const [ann, bob] = [member("Ann", 1), member("Bob", 2)];
  roster.add(ann);
  roster.add(bob);
  roster.rename(ann, "Anna");
  assert.equal(ann.nickname, "Anna");
  assert.equal(roster.find("ann"), undefined);
  assert.equal(roster.find("anna"), ann);
  assert.deepEqual([...roster.members()], [ann, bob]);
  assert.equal(roster.remove(ann), true);
  assert.equal(roster.remove(ann), false);
  assert.equal(roster.find("anna"), undefined);
  assert.equal(roster.has(bob), true);
});

Deno.test("Roster.replace() puts another member in one's place, found by the same nickname", () => {
  const roster = new Roster<FakeMember>();
  const [ann, bob, ann2] = [member("Ann", 1), member("Bob", 2), member("Ann", 3)];
  roster.add(ann);
  roster.add(bob);
  roster.replace(ann, ann2);
  assert.deepEqual([...roster.members()], [ann2, bob]);
  assert.equal(roster.find("ann"), ann2);
  assert.equal(roster.has(ann), false);
});
