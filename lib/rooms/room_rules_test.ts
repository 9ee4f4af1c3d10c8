import assert from "node:assert/strict";
import { EXTENSION_TYPES, type RoomInfoNotice, type ServerMessage } from "../../protocol.ts";
import { ChatCore } from "../core/chat.ts";
import { FakeMember, RecordingOutbound } from "../core/fakes.ts";
import type { ChatCommand, RoomsCommand } from "../core/types.ts";
import { MemoryStore } from "../store/memory.ts";
import { RoomRules } from "./room_rules.ts";

const BOUNDS = { offlineMax: 10, offlineMaxAgeMs: 1e9, historyMax: 10, historyMaxAgeMs: 1e9 };

function setUp(store = new MemoryStore(BOUNDS)) {
  let clock = Date.UTC(2026, 0, 1);
  const now = () => new Date(clock);
  const out = new RecordingOutbound();
  const core = new ChatCore<FakeMember>({ out, log: () => {}, now, connectionsPerAccount: 10 });
  const published: { key: string; data?: string; out?: string; invite?: string }[] = [];
  const rooms = new RoomRules<FakeMember>({
    out,
    store,
    log: () => {},
    now,
    accountName: (nickname) => nickname.toLowerCase() === "dave" ? "Dave" : undefined,
    publish: (key, data, out, invite) => published.push({ key, data, out, invite }),
  });
  rooms.attach(core);
  core.attachRooms(rooms);
  let port = 1;
  const join = (nickname: string, account?: string) => {
    const member = new FakeMember(port++);
    member.account = account;
    core.handle(member, { kind: "register", nickname, clientID: "1", extensions: EXTENSION_TYPES });
    return member;
  };
  const say = (member: FakeMember, command: ChatCommand | RoomsCommand) => {
    if (
      ["topic", "invite", "moderate", "settings", "bans"].includes(command.kind)
    ) rooms.handle(member, command as RoomsCommand);
    else core.handle(member, command as ChatCommand);
  };
  const refusals = (nickname: string) =>
    out.refusals.filter((r) => r.to === nickname).map((r) => r.message);
  const last = (member: FakeMember, type: string): ServerMessage | undefined =>
    out.received(member).filter((m) => m.type === type).at(-1);
  return {
    out,
    core,
    rooms,
    store,
    join,
    say,
    refusals,
    last,
    published,
    tick: (ms: number) => clock += ms,
  };
}

Deno.test("RoomRules: an account's room is owned, kept while away, and private rooms need an invitation", () => {
  const { core, join, say, refusals, last } = setUp();
  const alice = join("Alice", "alice");
  const bob = join("Bob", "bob");
  say(alice, { kind: "join", room: "#lab" });
  say(alice, { kind: "settings", room: "#lab", setting: "private" });
  say(bob, { kind: "join", room: "#lab" });
  assert.deepEqual(refusals("Bob"), ["#lab is private: ask a member to /invite you"]);
  say(bob, { kind: "list" });
  assert.deepEqual((last(bob, "list") as { rooms: unknown[] }).rooms, []);
  say(bob, { kind: "topic", room: "#lab" });
  assert.equal(refusals("Bob")[1], 'No such room "#lab"');
  say(alice, { kind: "invite", room: "#lab", nickname: "Bob" });
  assert.equal(last(bob, "invited")?.type, "invited");
  say(bob, { kind: "join", room: "#lab" });
  assert.equal(core.roomOf(bob, "#lab"), "#lab");
  // Bob leaves the chat: still a kept member, shown away.
  core.leave(bob, "disconnected");
  say(alice, { kind: "settings", room: "#lab", setting: "show" });
  const info = last(alice, "roominfo") as RoomInfoNotice;
  assert.equal(info.owner, "Alice");
  assert.deepEqual([info.private, info.topicBy, "moderated" in info], [true, "moderators", false]);
  assert.deepEqual(info.members, [
    { nickname: "Alice", role: "owner" },
    { nickname: "Bob", role: "member", away: true },
  ]);
  // The room is told its settings as they change: moderated, and who may set the topic.
  say(alice, { kind: "settings", room: "#lab", setting: "moderated" });
  say(alice, { kind: "settings", room: "#lab", setting: "topic", value: "members" });
  const changed = last(alice, "roominfo") as RoomInfoNotice;
  assert.deepEqual([changed.moderated, changed.topicBy], [true, "members"]);
  say(alice, { kind: "settings", room: "#lab", setting: "unmoderated" });
  say(alice, { kind: "settings", room: "#lab", setting: "topic", value: "moderators" });
  assert.equal("moderated" in last(alice, "roominfo")!, false);
  // Back, he is in the room again without asking.
  const bob2 = join("Bob", "bob");
  assert.equal(core.roomOf(bob2, "#lab"), "#lab");
  // An account that is away is invited, and told at login; a guest that is away is nobody.
  say(alice, { kind: "invite", room: "#lab", nickname: "Dave" });
  say(alice, { kind: "invite", room: "#lab", nickname: "Nobody" });
  assert.equal(refusals("Alice").at(-1), 'No such user "Nobody"');
  const dave = join("Dave", "dave");
  assert.equal((last(dave, "invited") as { by: string }).by, "Alice");
  say(dave, { kind: "join", room: "#lab" });
  assert.equal(core.roomOf(dave, "#lab"), "#lab");
  // A guest's invitation is its connection's: another guest taking the name later gets nothing.
  const zed = join("Zed");
  say(alice, { kind: "invite", room: "#lab", nickname: "Zed" });
  core.leave(zed, "disconnected");
  const other = join("Zed");
  say(other, { kind: "join", room: "#lab" });
  assert.equal(refusals("Zed").at(-1), "#lab is private: ask a member to /invite you");
  // Alice leaving the chat keeps the owned room, listed with its topic.
  say(alice, { kind: "topic", room: "#lab", topic: "Homework 3" });
  assert.equal((last(bob2, "topic") as { by: string }).by, "Alice");
  say(bob2, { kind: "topic", room: "#lab", topic: "mine" });
  assert.equal(refusals("Bob").at(-1), "Only the owner or a moderator of #lab can set its topic");
});

Deno.test("RoomRules: kick, ban under another nickname, guest bans by address, timed mutes", () => {
  const { core, join, say, refusals, last, tick, rooms } = setUp();
  const alice = join("Alice", "alice");
  const bob = join("Bob", "bob");
  const guest = join("Zed");
  say(alice, { kind: "join", room: "#lab" });
  say(bob, { kind: "join", room: "#lab" });
  say(guest, { kind: "join", room: "#lab" });
  say(bob, { kind: "moderate", room: "#lab", action: "kick", nickname: "Zed" });
  assert.equal(refusals("Bob").at(-1), "Only the owner or a moderator of #lab can kick");
  say(alice, { kind: "moderate", room: "#lab", action: "kick", nickname: "Zed", reason: "spam" });
  assert.deepEqual(last(bob, "moderated"), {
    type: "moderated",
    room: "#lab",
    action: "kick",
    nickname: "Zed",
    by: "Alice",
    reason: "spam",
    timestamp: "2026-01-01T00:00:00.000Z",
  });
  assert.equal(core.roomOf(guest, "#lab"), undefined);
  say(alice, { kind: "moderate", room: "#lab", action: "ban", nickname: "Zed" });
  say(guest, { kind: "join", room: "#lab" });
  assert.equal(refusals("Zed").at(-1), "You are banned from #lab");
  say(guest, { kind: "nick", nickname: "Yan" });
  say(guest, { kind: "join", room: "#lab" });
  assert.equal(refusals("Yan").at(-1), "You are banned from #lab", "the address holds too");
  // An account's ban holds under any nickname.
  say(alice, { kind: "moderate", room: "#lab", action: "ban", nickname: "Bob", minutes: 5 });
  assert.equal(core.roomOf(bob, "#lab"), undefined);
  say(bob, { kind: "nick", nickname: "Robert" });
  say(bob, { kind: "join", room: "#lab" });
  assert.match(
    refusals("Robert").at(-1)!,
    /^You are banned from #lab until 2026-01-01 00:05:00 UTC$/,
  );
  tick(5 * 60_000);
  say(bob, { kind: "join", room: "#lab" });
  assert.equal(core.roomOf(bob, "#lab"), "#lab", "the timed ban ended");
  // A mute: may read, may not speak.
  say(alice, { kind: "moderate", room: "#lab", action: "mute", nickname: "Robert", minutes: 1 });
  say(bob, { kind: "room", room: "#lab", text: "hello" });
  assert.match(refusals("Robert").at(-1)!, /^You are muted in #lab until/);
  say(alice, { kind: "bans", room: "#lab" });
  const bans = (last(alice, "bans") as { bans: { kind: string; nickname: string }[] }).bans;
  assert.deepEqual(bans.map((b) => `${b.kind} ${b.nickname}`), ["ban Zed", "mute Robert"]);
  say(alice, { kind: "moderate", room: "#lab", action: "unmute", nickname: "Robert" });
  say(bob, { kind: "room", room: "#lab", text: "hello" });
  assert.equal(refusals("Robert").length, 2);
  // Only the owner makes moderators.
  say(alice, { kind: "moderate", room: "#lab", action: "op", nickname: "Robert" });
  say(bob, { kind: "moderate", room: "#lab", action: "deop", nickname: "Alice" });
  assert.equal(refusals("Robert").at(-1), "Only the owner of #lab can deop");
  rooms.close();
});

Deno.test("RoomRules: rooms are kept in the store and read back; close removes one", async () => {
  const { join, say, store, core, last } = setUp();
  const alice = join("Alice", "alice");
  const bob = join("Bob", "bob");
  say(alice, { kind: "join", room: "#lab" });
  say(bob, { kind: "join", room: "#lab" });
  const carol = join("Carol", "carol");
  say(alice, { kind: "moderate", room: "#lab", action: "ban", nickname: "Carol" });
  await Promise.resolve();
  const again = setUp(store);
  await again.rooms.load();
  const carol2 = again.join("Carol", "carol");
  again.say(carol2, { kind: "join", room: "#lab" });
  assert.deepEqual(again.refusals("Carol"), ["You are banned from #lab"]);
  assert.equal(carol.nickname, "Carol");
  say(alice, { kind: "settings", room: "#lab", setting: "close" });
  assert.equal(core.roomOf(bob, "#lab"), undefined);
  assert.equal((last(bob, "moderated") as { action: string }).action, "close");
  assert.deepEqual(await store.rooms(), []);
});

Deno.test("RoomRules: the owner's mute holds against a moderator; a muted member may not set the topic; no control characters", () => {
  const { join, say, refusals, rooms } = setUp();
  const alice = join("Alice", "alice");
  const bob = join("Bob", "bob");
  say(alice, { kind: "join", room: "#lab" });
  say(bob, { kind: "join", room: "#lab" });
  say(alice, { kind: "settings", room: "#lab", setting: "topic", value: "members" });
  say(alice, { kind: "moderate", room: "#lab", action: "op", nickname: "Bob" });
  say(alice, { kind: "moderate", room: "#lab", action: "mute", nickname: "Bob", reason: "calm" });
  say(bob, { kind: "room", room: "#lab", text: "but I moderate" });
  say(bob, { kind: "topic", room: "#lab", topic: "louder" });
  assert.deepEqual(refusals("Bob"), ["You are muted in #lab: calm", "You are muted in #lab: calm"]);
  say(alice, { kind: "topic", room: "#lab", topic: "a\u202eb" });
  say(alice, { kind: "moderate", room: "#lab", action: "kick", nickname: "Bob", reason: "x\ny" });
  assert.deepEqual(refusals("Alice"), [
    "A topic must not contain control characters",
    "A reason must not contain control characters",
  ]);
  rooms.close();
});

Deno.test("RoomRules: the owner's /leave keeps it owner, out of the room and not put back; a second connection is told the topic", () => {
  const { core, join, say, last, out } = setUp();
  const alice = join("Alice", "alice");
  const bob = join("Bob", "bob");
  say(alice, { kind: "join", room: "#lab" });
  say(alice, { kind: "topic", room: "#lab", topic: "Homework 3" });
  say(bob, { kind: "join", room: "#lab" });
  const bob2 = join("Bob", "bob");
  const told = out.received(bob2).filter((m) => "room" in m && m.room === "#lab");
  assert.deepEqual(told.map((m) => m.type), ["joined", "topic", "roominfo"]);
  say(alice, { kind: "leave", room: "#lab" });
  say(alice, { kind: "settings", room: "#lab", setting: "show" });
  const info = last(alice, "roominfo") as { owner: string; members: unknown[] };
  assert.equal(info.owner, "Alice");
  assert.deepEqual(info.members, [{ nickname: "Bob", role: "member" }]);
  core.leave(alice, "disconnected");
  const back = join("Alice", "alice");
  assert.equal(core.roomOf(back, "#lab"), undefined, "not put back");
  say(back, { kind: "topic", room: "#lab", topic: "still mine" });
  assert.equal((last(bob, "topic") as { topic: string }).topic, "still mine");
  say(back, { kind: "join", room: "#lab" });
  assert.equal(core.roomOf(back, "#lab"), "#lab");
});

Deno.test("RoomRules: an account given up leaves its rooms; the owner must hand over first", () => {
  const { join, say, rooms, last } = setUp();
  const alice = join("Alice", "alice");
  const bob = join("Bob", "bob");
  say(alice, { kind: "join", room: "#lab" });
  say(bob, { kind: "join", room: "#lab" });
  say(alice, { kind: "moderate", room: "#lab", action: "op", nickname: "Bob" });
  assert.equal(
    rooms.unregisterProblem("alice"),
    "You own #lab: hand it over (/room #lab owner <account>) or close it first",
  );
  assert.equal(rooms.unregisterProblem("bob"), undefined);
  rooms.accountGone("bob");
  bob.account = undefined;
  say(alice, { kind: "settings", room: "#lab", setting: "show" });
  assert.deepEqual((last(alice, "roominfo") as { members: unknown[] }).members, [
    { nickname: "Alice", role: "owner" },
    { nickname: "Bob", role: "member" },
  ]);
});

Deno.test("RoomRules: what another node says: a timed mute it ended is told here once, a guest here invited, an address filled in", () => {
  const { join, say, rooms, core, out, published, tick } = setUp();
  const alice = join("Alice", "alice");
  const zed = join("Zed");
  say(alice, { kind: "join", room: "#lab" });
  say(alice, { kind: "settings", room: "#lab", setting: "private" });
  const record = () => JSON.parse(published.at(-1)!.data!);
  // Another node invites Zed, a guest of this node.
  rooms.hear("#lab", JSON.stringify(record()), undefined, "Zed");
  say(zed, { kind: "join", room: "#lab" });
  assert.equal(core.roomOf(zed, "#lab"), "#lab");
  // It mutes Zed, without knowing his address: this node fills it in, and tells the others.
  const muted = record();
  muted.restrictions.push({
    kind: "mute",
    nickKey: "zed",
    nickname: "Zed",
    by: "Carol",
    until: Date.UTC(2026, 0, 1) + 60_000,
  });
  rooms.hear("#lab", JSON.stringify(muted));
  assert.equal(record().restrictions[0].address, "192.0.2.7");
  // Its time is up; the other node says so first: told here once, and not again by this node.
  tick(60_000);
  rooms.hear("#lab", JSON.stringify({ ...muted, restrictions: [] }));
  const ended = () =>
    out.received(zed).filter((m) => m.type === "moderated" && m.action === "unmute").length;
  assert.equal(ended(), 1);
  rooms.hear("#lab", JSON.stringify({ ...muted, restrictions: [] }));
  assert.equal(ended(), 1);
  rooms.close();
});

Deno.test("RoomRules: a join writes the room's record only when it changes it: a guest's join writes nothing", () => {
  const { join, say, published } = setUp();
  const alice = join("Alice", "alice");
  say(alice, { kind: "join", room: "#lab" });
  assert.equal(published.length, 1);
  const guest = join("Zed");
  say(guest, { kind: "join", room: "#lab" });
  say(guest, { kind: "leave", room: "#lab" });
  assert.equal(published.length, 1);
  const bob = join("Bob", "bob");
  say(bob, { kind: "join", room: "#lab" });
  assert.equal(published.length, 2);
  assert.deepEqual(Object.keys(JSON.parse(published.at(-1)!.data!).members), ["alice", "bob"]);
});

Deno.test("RoomRules: a room of guests: its maker moderates it, ops another guest who keeps it across a rename and loses it on leaving; nothing is stored; emptied, it is forgotten", async () => {
  const { core, join, say, refusals, last, store, rooms, published } = setUp();
  const gus = join("Gus");
  const hal = join("Hal");
  const ida = join("Ida");
  for (const each of [gus, hal, ida]) say(each, { kind: "join", room: "#g" });
  const roles = () => {
    say(gus, { kind: "settings", room: "#g", setting: "show" });
    const info = last(gus, "roominfo") as RoomInfoNotice;
    return info.members.map((member) => `${member.nickname}:${member.role}`);
  };
  assert.deepEqual(roles(), ["Gus:moderator", "Hal:member", "Ida:member"]);
  say(gus, { kind: "topic", room: "#g", topic: "guests only" });
  assert.equal((last(ida, "topic") as { topic: string }).topic, "guests only");
  say(gus, { kind: "settings", room: "#g", setting: "moderated" });
  say(ida, { kind: "room", room: "#g", text: "hello?" });
  assert.equal(refusals("Ida").at(-1), "#g is moderated: only its owner and moderators may speak");
  say(hal, { kind: "moderate", room: "#g", action: "op", nickname: "Ida" });
  assert.equal(refusals("Hal").at(-1), "Only the owner or a moderator of #g can op");
  say(gus, { kind: "moderate", room: "#g", action: "op", nickname: "Hal" });
  assert.deepEqual(roles(), ["Gus:moderator", "Hal:moderator", "Ida:member"]);
  // Hal renames: still a moderator, and he moderates.
  say(hal, { kind: "nick", nickname: "Hank" });
  assert.deepEqual(roles(), ["Gus:moderator", "Hank:moderator", "Ida:member"]);
  say(hal, { kind: "moderate", room: "#g", action: "mute", nickname: "Ida" });
  assert.equal((last(ida, "moderated") as { by: string }).by, "Hank");
  // Nobody owns it.
  say(gus, { kind: "settings", room: "#g", setting: "owner", value: "Hank" });
  say(gus, { kind: "settings", room: "#g", setting: "close" });
  assert.deepEqual(refusals("Gus"), [
    "#g is a room of guests: it has no owner",
    "#g is a room of guests: it has no owner",
  ]);
  // Leaving loses the role: back, Hank is a member.
  say(hal, { kind: "leave", room: "#g" });
  say(hal, { kind: "join", room: "#g" });
  assert.deepEqual(roles(), ["Gus:moderator", "Ida:member", "Hank:member"]);
  say(hal, { kind: "moderate", room: "#g", action: "kick", nickname: "Ida" });
  assert.equal(refusals("Hank").at(-1), "Only the owner or a moderator of #g can kick");
  say(gus, { kind: "moderate", room: "#g", action: "kick", nickname: "Ida", reason: "noise" });
  assert.equal(core.roomOf(ida, "#g"), undefined);
  // The other nodes hear of the roles; the store keeps nothing of it.
  assert.deepEqual(JSON.parse(published.at(-1)!.data!).guestModerators, { gus: "Gus" });
  await Promise.resolve();
  assert.deepEqual(await store.rooms(), []);
  // Emptied, it is forgotten: made again, it has nothing of before, and its new maker moderates.
  core.leave(gus, "disconnected");
  say(hal, { kind: "leave", room: "#g" });
  assert.equal(rooms.record("#g"), undefined);
  assert.deepEqual(published.at(-1), {
    key: "#g",
    data: undefined,
    out: undefined,
    invite: undefined,
  });
  say(ida, { kind: "join", room: "#g" });
  const record = rooms.record("#g")!;
  assert.deepEqual([record.topic, record.moderated, record.restrictions], ["", false, []]);
  assert.deepEqual(record.guestModerators, { ida: "Ida" });
});

Deno.test("RoomRules: in an account's room a guest is a member only; an account in a room of guests is stored with it, without the guests' roles", async () => {
  const { join, say, refusals, store, rooms, core } = setUp();
  const alice = join("Alice", "alice");
  const zed = join("Zed");
  say(alice, { kind: "join", room: "#lab" });
  say(zed, { kind: "join", room: "#lab" });
  say(alice, { kind: "moderate", room: "#lab", action: "op", nickname: "Zed" });
  assert.equal(refusals("Alice").at(-1), "Zed is a guest: only accounts can be moderators");
  assert.equal(rooms.record("#lab")!.guestModerators, undefined);
  // Zed makes #g; Bob, an account, joins it and is kept: the record is stored, Zed's role not.
  const bob = join("Bob", "bob");
  say(zed, { kind: "join", room: "#g" });
  say(bob, { kind: "join", room: "#g" });
  say(zed, { kind: "topic", room: "#g", topic: "kept" });
  await Promise.resolve();
  const stored = JSON.parse((await store.rooms()).find((each) => each.key === "#g")!.data);
  assert.equal(stored.guestModerators, undefined);
  assert.deepEqual([stored.topic, Object.keys(stored.members)], ["kept", ["bob"]]);
  // Zed leaves: the room lasts, kept for Bob.
  core.leave(zed, "disconnected");
  assert.equal(rooms.record("#g")?.topic, "kept");
  // After a restart nobody moderates it until someone makes it again.
  const again = setUp(store);
  await again.rooms.load();
  assert.equal(again.rooms.record("#g")!.guestModerators, undefined);
  // Bob leaves: it keeps nobody, and nobody is in it: forgotten, in the store too.
  say(bob, { kind: "leave", room: "#g" });
  assert.equal(rooms.record("#g"), undefined);
  await Promise.resolve();
  assert.equal((await store.rooms()).some((each) => each.key === "#g"), false);
});

Deno.test("RoomRules: a nickname nobody holds may be banned ahead, and whoever takes it is kept out; not kicked or muted", () => {
  const { join, say, refusals, core } = setUp();
  const alice = join("Alice", "alice");
  say(alice, { kind: "join", room: "#lab" });
  say(alice, { kind: "moderate", room: "#lab", action: "kick", nickname: "Zed" });
  assert.equal(refusals("Alice").at(-1), 'No such user "Zed"');
  say(alice, { kind: "moderate", room: "#lab", action: "mute", nickname: "Zed" });
  assert.equal(refusals("Alice").at(-1), 'No such user "Zed"');
  say(alice, { kind: "moderate", room: "#lab", action: "ban", nickname: "Zed", reason: "spam" });
  assert.equal(refusals("Alice").length, 2);
  const zed = join("ZED");
  say(zed, { kind: "join", room: "#lab" });
  assert.equal(refusals("ZED").at(-1), "You are banned from #lab: spam");
  assert.equal(core.roomOf(zed, "#lab"), undefined);
  say(alice, { kind: "moderate", room: "#lab", action: "unban", nickname: "Zed" });
  say(zed, { kind: "join", room: "#lab" });
  assert.equal(core.roomOf(zed, "#lab"), "#lab");
});
