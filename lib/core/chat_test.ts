import assert from "node:assert/strict";
import { EXTENSION_TYPES } from "../../protocol.ts";
import { ChatCore } from "./chat.ts";
import { FakeMember, RecordingOutbound } from "./fakes.ts";
import type { ChatCommand, ErrorReason } from "./types.ts";

const AT = new Date(2024, 2, 21, 10, 30, 44);

function setUp(connectionsPerAccount?: number, chat?: string) {
  const out = new RecordingOutbound();
  const log: string[] = [];
  const core = new ChatCore<FakeMember>({
    out,
    log: (event) => log.push(event.text),
    now: () => AT,
    connectionsPerAccount,
    chat,
  });
  let port = 50_000;
  const join = (nickname: string, extensions: readonly string[] = EXTENSION_TYPES) => {
    const member = new FakeMember(port++);
    core.handle(member, { kind: "register", nickname, clientID: "001", extensions });
    return member;
  };
  return { out, log, core, join };
}

Deno.test("ChatCore registers a client: welcome, console line, joined notice to the others", () => {
  const { out, log, core, join } = setUp();
  join("Alice");
  const bob = new FakeMember(1);
  core.handle(bob, { kind: "register", nickname: "Bob" }); // a wire without client IDs
  assert.equal(bob.nickname, "Bob");
  assert.equal(bob.extensions.size, 0, "announced nothing: a baseline client");
  assert.deepEqual(log, [
    "2024-03-21 10:30:44 :: Alice: connected.",
    "2024-03-21 10:30:44 :: Bob: connected.",
  ]);
  assert.deepEqual(out.to("Bob"), ["welcome"]);
  assert.deepEqual(out.to("Alice"), ["welcome", "joined"]);
  assert.equal(core.size, 2);
});

Deno.test("ChatCore refuses registrations with a reason a code-speaking wire can use", () => {
  const { out, core, join } = setUp();
  const alice = join("Alice");
  const cases: [ChatCommand, string, ErrorReason][] = [
    [{ kind: "register", nickname: "ALICE" }, "Nickname already in use", "taken"],
    [
      { kind: "register", nickname: "two words" },
      'Nickname "two words" must not contain white space',
      "registration",
    ],
    [
      { kind: "say", text: "hi" },
      'Not registered: send a "nickname" message first',
      "unregistered",
    ],
  ];
  for (const [command, message, reason] of cases) {
    const stranger = new FakeMember(2);
    core.handle(stranger, command);
    assert.deepEqual(out.refusals.pop(), { to: 2, message, reason });
    assert.equal(stranger.nickname, undefined);
  }
  core.handle(alice, { kind: "register", nickname: "Other" });
  assert.deepEqual(out.refusals.pop(), {
    to: "Alice",
    message: 'Already registered as "Alice"',
    reason: "registered",
  });
});

Deno.test("ChatCore gathers a sender's broadcasts and delivers them together at flush", () => {
  const { out, log, core, join } = setUp();
  const alice = join("Alice");
  join("Bob");
  const carol = new FakeMember(3);
  core.handle(carol, { kind: "register", nickname: "Carol" });
  out.deliveries.length = 0;
  log.length = 0;
  core.handle(alice, { kind: "say", text: "héllo", timestamp: "2024-03-21T09:00:00.000Z" });
  core.handle(alice, { kind: "say", text: "again" });
  assert.equal(out.deliveries.length, 0, "nothing goes out before the flush");
  core.flush();
  assert.equal(out.deliveries.length, 1);
  assert.deepEqual(out.deliveries[0].to, ["Bob", "Carol"], "everyone else, in join order");
  assert.deepEqual(out.deliveries[0].messages.map((m) => m.type === "broadcast" && m.message), [
    "héllo",
    "again",
  ]);
  const first = out.deliveries[0].messages[0];
  assert.equal(first.type === "broadcast" && first.timestamp, "2024-03-21T09:00:00.000Z");
  assert.match(
    log[0],
    /^Received: IP:192\.0\.2\.7, Port:\d+, Client-Nickname:Alice, ClientID:001, Date\/Time:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d, Msg-Size:6$/,
  );
  assert.equal(log[1], "Broadcasted: Bob, Carol");
  assert.match(log[2], /Msg-Size:5$/);
  // A client without an ID (CHAT/1.0) shows "-", and its message is stamped now.
  core.handle(carol, { kind: "say", text: "from carol" });
  core.flush();
  assert.match(
    log[4],
    /Client-Nickname:Carol, ClientID:-, Date\/Time:2024-03-21 10:30:44, Msg-Size:10$/,
  );
  const stamped = out.deliveries[1].messages[0];
  assert.equal(stamped.type === "broadcast" && stamped.timestamp, AT.toISOString());
});

Deno.test("ChatCore lists only the recipients that took a broadcast", () => {
  const { out, log, core, join } = setUp();
  const alice = join("Alice");
  const bob = join("Bob");
  join("Carol");
  out.full.add(bob);
  core.handle(alice, { kind: "say", text: "hi" });
  core.flush();
  assert.equal(log.at(-1), "Broadcasted: Carol");
});

Deno.test("ChatCore refuses a private message to a client that cannot receive one", () => {
  const { out, core, join } = setUp();
  const alice = join("Alice");
  join("Bob");
  const carol = new FakeMember(3);
  core.handle(carol, { kind: "register", nickname: "carol" });
  core.handle(alice, { kind: "whisper", to: "Carol", text: "psst" });
  assert.deepEqual(out.refusals.pop(), {
    to: "Alice",
    message: 'User "carol" cannot receive private messages: their client does not support them',
    reason: undefined,
  });
  core.handle(alice, { kind: "whisper", to: "bob", text: "psst" });
  assert.deepEqual(out.to("Bob").at(-1), "private");
  core.handle(alice, { kind: "whisper", to: "nobody", text: "psst" });
  assert.equal(out.refusals.pop()?.message, 'No such user "nobody"');
});

Deno.test("ChatCore.leave() logs the departure and tells the others, except at shutdown", () => {
  const { out, log, core, join } = setUp();
  const alice = join("Alice");
  const bob = join("Bob");
  core.handle(alice, { kind: "join", room: "#lab" });
  core.leave(alice, "connection lost");
  assert.equal(log.at(-1), "2024-03-21 10:30:44 :: Alice: disconnected.");
  const last = out.deliveries.at(-1)!;
  assert.deepEqual(last.to, ["Bob"]);
  assert.deepEqual(last.messages[0], {
    type: "left",
    nickname: "Alice",
    reason: "connection lost",
    timestamp: AT.toISOString(),
  });
  assert.equal(core.size, 1);
  // The nickname is free again, and the room is gone with its last member.
  join("alice");
  core.handle(bob, { kind: "list" });
  const list = out.deliveries.at(-1)!.messages[0];
  assert.deepEqual(list, { type: "list", users: ["Bob", "alice"], rooms: [] });
  const deliveries = out.deliveries.length;
  core.leave(bob, "server shutting down", false);
  assert.equal(out.deliveries.length, deliveries, "nobody is told at shutdown");
  core.leave(new FakeMember(9), "connection lost");
  assert.equal(log.at(-1), "2024-03-21 10:30:44 :: Bob: disconnected.", "strangers leave quietly");
});

Deno.test("ChatCore refuses a message that some wire could not carry", () => {
  const { out, core, join } = setUp();
  const alice = join("Alice");
  join("Bob");
  out.limit = 65536;
  const deliveries = out.deliveries.length;
  core.handle(alice, { kind: "say", text: "long" });
  core.flush();
  assert.equal(out.deliveries.length, deliveries);
  assert.equal(out.refusals.pop()?.message, "Message too long: a frame may take 65536 bytes");
});

/** A chat where Ann is connected twice (logged in to her account), with Bob. */
function twice(connectionsPerAccount = 3, chatId?: string) {
  const chat = setUp(connectionsPerAccount, chatId);
  const login = (port: number) => {
    const member = new FakeMember(port);
    member.account = "ann"; // as the accounts feature sets it once the password is right
    chat.core.handle(member, {
      kind: "register",
      nickname: "Ann",
      clientID: `${port}`,
      extensions: EXTENSION_TYPES,
    });
    return member;
  };
  const bob = chat.join("Bob");
  const ann1 = login(1);
  const ann2 = login(2);
  return { ...chat, bob, ann1, ann2, login };
}

Deno.test("ChatCore takes an account's second connection: welcomed, nobody told, listed once", () => {
  const { out, log, core, bob, ann1, ann2 } = twice();
  assert.equal(ann2.nickname, "Ann");
  assert.deepEqual(out.received(ann2).map((m) => m.type), ["welcome"]);
  assert.deepEqual(out.to("Bob").filter((type) => type === "joined"), ["joined"]);
  assert.equal(core.size, 2);
  assert.equal(core.userOf(ann2), ann1);
  assert.deepEqual(core.connectionsOf(ann1), [ann1, ann2]);
  assert.equal(log.at(-1), "2024-03-21 10:30:44 :: Ann: connected (now from 2 places).");
  core.handle(ann2, { kind: "list" });
  assert.deepEqual(out.received(ann2).at(-1), { type: "list", users: ["Bob", "Ann"], rooms: [] });
  assert.equal(out.received(ann1).some((m) => m.type === "list"), false, "a reply: to the asker");
  assert.equal(out.received(bob).length, 2);
});

Deno.test("ChatCore delivers to every connection of a user, and the sender's lines to its others", () => {
  const { out, log, core, bob, ann1, ann2 } = twice();
  core.handle(bob, { kind: "say", text: "hi all" });
  core.flush();
  assert.deepEqual(out.deliveries.at(-1)!.members, [ann1, ann2], "one delivery, both connections");
  core.handle(ann1, { kind: "say", text: "hi from 1" });
  core.flush();
  assert.deepEqual(out.deliveries.at(-1)!.members, [bob, ann2]);
  assert.equal(log.at(-1), "Broadcasted: Bob", "the user's own connections are not listed");
  core.handle(bob, { kind: "whisper", to: "ann", text: "psst" });
  assert.deepEqual(out.deliveries.at(-1)!.members, [ann1, ann2]);
  core.handle(ann2, { kind: "whisper", to: "bob", text: "back", timestamp: AT.toISOString() });
  assert.deepEqual(out.received(bob).at(-1), {
    type: "private",
    nickname: "Ann",
    message: "back",
    timestamp: AT.toISOString(),
  });
  assert.deepEqual(out.received(ann1).at(-1), {
    type: "private",
    nickname: "Ann",
    to: "Bob",
    message: "back",
    timestamp: AT.toISOString(),
  });
  assert.equal(out.received(ann2).some((m) => m.type === "private" && m.to !== undefined), false);
  core.handle(ann2, { kind: "whisper", to: "Ann", text: "me" });
  assert.equal(out.refusals.at(-1)!.message, "Cannot send a private message to yourself");
});

Deno.test("ChatCore: rooms are the user's; a later connection is in them; notices reach all", () => {
  const { out, core, bob, ann1, ann2, login } = twice();
  core.handle(bob, { kind: "join", room: "#x" });
  core.handle(ann1, { kind: "join", room: "#x" });
  assert.deepEqual(out.received(ann1).at(-1), {
    type: "joined",
    nickname: "Ann",
    room: "#x",
    members: ["Bob", "Ann"],
    timestamp: AT.toISOString(),
  });
  assert.deepEqual(out.received(ann2).at(-1), {
    type: "joined",
    nickname: "Ann",
    room: "#x",
    timestamp: AT.toISOString(),
  });
  assert.equal(out.received(bob).filter((m) => m.type === "joined").length, 3, "Ann once each");
  core.handle(bob, { kind: "room", room: "#x", text: "in x" });
  assert.deepEqual(out.deliveries.at(-1)!.members, [ann1, ann2]);
  core.handle(ann2, { kind: "room", room: "#x", text: "from 2" });
  assert.deepEqual(out.deliveries.at(-1)!.members, [bob, ann1]);
  const ann3 = login(3);
  assert.deepEqual(out.received(ann3).map((m) => m.type), ["welcome", "joined"]);
  assert.equal(core.roomOf(ann3, "#X"), "#x", "for /history #x from any connection");
  assert.deepEqual(core.roomsOf(ann3), ["#x"]);
  core.handle(ann3, { kind: "leave", room: "#x" });
  assert.deepEqual(out.deliveries.at(-2)!.members, [ann1, ann2, ann3]);
  assert.deepEqual(out.deliveries.at(-1)!.members, [bob]);
  assert.deepEqual([...core.membersOf("#x")], [bob]);
});

Deno.test("ChatCore: one connection leaving keeps the user; the last tells the others", () => {
  const { out, log, core, bob, ann1, ann2 } = twice();
  core.handle(ann1, { kind: "join", room: "#x" });
  const before = out.received(bob).length;
  assert.equal(core.leave(ann1, "disconnected"), ann2, "the next connection takes its place");
  assert.equal(out.received(bob).length, before, "nobody is told");
  assert.equal(
    log.at(-1),
    "2024-03-21 10:30:44 :: Ann: disconnected (still connected from 1 place).",
  );
  assert.equal(core.find("ann"), ann2);
  assert.deepEqual([...core.membersOf("#x")], [ann2]);
  assert.deepEqual([...core.members()], [bob, ann2], "in its place");
  assert.equal(core.leave(ann2, "disconnected"), undefined);
  assert.deepEqual(out.received(bob).at(-1), {
    type: "left",
    nickname: "Ann",
    reason: "disconnected",
    timestamp: AT.toISOString(),
  });
  assert.equal(core.size, 1);
});

Deno.test("ChatCore refuses a rename from several places, past the cap, and a guest's second", () => {
  const { out, core, ann2, login } = twice(3);
  core.handle(ann2, { kind: "nick", nickname: "Anna" });
  assert.equal(
    out.refusals.at(-1)!.message,
    "Cannot change the nickname while Ann is connected from 2 places: leave the others first",
  );
  login(3);
  const fourth = login(4);
  assert.equal(fourth.nickname, undefined);
  assert.deepEqual(out.refusals.at(-1), {
    to: 4,
    message: "Ann is connected from 3 places already, the most an account may be: " +
      "leave one of them first",
    reason: "taken",
  });
  const guest = new FakeMember(9);
  core.handle(guest, { kind: "register", nickname: "bob", extensions: EXTENSION_TYPES });
  assert.deepEqual(out.refusals.at(-1), {
    to: 9,
    message: "Nickname already in use",
    reason: "taken",
  });
});

Deno.test("ChatCore with one connection per account (the default) refuses a second as taken", () => {
  const { out, core, login } = twice(1);
  assert.equal(core.size, 2);
  assert.deepEqual(out.refusals.at(-1), {
    to: 2,
    message: "Nickname already in use",
    reason: "taken",
  });
  login(3);
  assert.equal(out.refusals.length, 2);
});

Deno.test("ChatCore names its chat in the welcome of every connection, the second one's too", () => {
  const { out, ann1, ann2 } = twice(3, "CnSAAVFxBrMqHlThJ8dghg");
  for (const connection of [ann1, ann2]) {
    const welcome = out.received(connection).find((m) => m.type === "welcome");
    assert.equal(welcome?.type === "welcome" && welcome.chat, "CnSAAVFxBrMqHlThJ8dghg");
  }
});
