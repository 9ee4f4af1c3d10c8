import assert from "node:assert/strict";
import { EXTENSION_TYPES } from "../../protocol.ts";
import { ChatCore } from "./chat.ts";
import { FakeMember, RecordingOutbound } from "./fakes.ts";
import type { ChatCommand, ErrorReason } from "./types.ts";

const AT = new Date(2024, 2, 21, 10, 30, 44);

function setUp() {
  const out = new RecordingOutbound();
  const log: string[] = [];
  const core = new ChatCore<FakeMember>({ out, log: (line) => log.push(line), now: () => AT });
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
