import assert from "node:assert/strict";
import { EXTENSION_TYPES, type ServerMessage } from "../../protocol.ts";
import { ChatCore } from "../core/chat.ts";
import { FakeMember, RecordingOutbound } from "../core/fakes.ts";
import { MemoryStore } from "../store/memory.ts";
import { Accounts } from "./accounts.ts";

const BOUNDS = {
  offlineMax: 2,
  offlineMaxAgeMs: 60_000,
  historyMax: 50,
  historyMaxAgeMs: 60_000,
};

/** A chat core with the accounts feature on a memory store, and a clock the test moves. */
async function setUp(chatId?: string) {
  const out = new RecordingOutbound();
  const log: string[] = [];
  let time = Date.UTC(2024, 2, 21, 10, 30);
  const now = () => new Date(time);
  const store = new MemoryStore(BOUNDS);
  const accounts = new Accounts<FakeMember>({
    store,
    out,
    log: (event) => log.push(event.text),
    now,
    historyMax: BOUNDS.historyMax,
    replyBytes: 256 * 1024,
    chat: chatId,
  });
  await accounts.load();
  const core = new ChatCore<FakeMember>({
    out,
    log: (event) => log.push(event.text),
    now,
    accounts,
    connectionsPerAccount: 10,
  });
  accounts.attach(core);
  let port = 40_000;
  /** A connection that registers as `nickname`, announcing `extensions`. */
  const connect = (nickname: string, extensions: readonly string[] = EXTENSION_TYPES) => {
    const member = new FakeMember(port++);
    core.handle(member, { kind: "register", nickname, clientID: "1", extensions });
    return member;
  };
  /** The last message `member` got, once the store has answered. */
  const last = async (member: FakeMember): Promise<ServerMessage | undefined> => {
    await until(() => out.received(member).length > 0 || out.refusals.length > 0);
    return out.received(member).at(-1);
  };
  const tick = (ms: number) => time += ms;
  return { out, log, core, accounts, connect, last, tick, store };
}

/** Waits (a bounded while) until `condition` holds. */
async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("Timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Registers `member`'s nickname as an account with `password`, and waits until it is done. */
async function register(
  chat: Awaited<ReturnType<typeof setUp>>,
  member: FakeMember,
  password: string,
) {
  chat.accounts.handle(member, { kind: "account", action: "register", password });
  await until(() => chat.out.received(member).some((m) => m.type === "account"));
}

Deno.test("Accounts asks a client that can log in for the password, and refuses one that cannot", async () => {
  const chat = await setUp();
  const alice = chat.connect("Alice");
  await register(chat, alice, "correct horse");
  assert.equal(alice.account, "alice");
  chat.core.leave(alice, "disconnected");

  const baseline = chat.connect("ALICE", []);
  assert.equal(baseline.nickname, undefined);
  assert.deepEqual(chat.out.refusals.pop(), {
    to: baseline.port,
    message: 'Nickname "ALICE" is registered: log in with its password',
    reason: "account",
  });

  const again = chat.connect("alice");
  assert.deepEqual(chat.out.received(again), [{ type: "login", nickname: "Alice" }]);
  chat.accounts.handle(again, { kind: "login", password: "wrong horse" });
  await until(() => chat.out.refusals.length > 0);
  assert.deepEqual(chat.out.refusals.pop(), {
    to: again.port,
    message: "Wrong password for Alice",
    reason: "taken",
  });
  assert.match(chat.log.at(-1)!, /:: failed login as Alice from IP:192\.0\.2\.7, Port:\d+$/);
  assert.doesNotMatch(chat.log.join("\n"), /horse/, "no password is ever logged");
  chat.core.handle(again, { kind: "register", nickname: "alice", extensions: EXTENSION_TYPES });
  chat.accounts.handle(again, { kind: "login", password: "correct horse" });
  await until(() => again.nickname !== undefined);
  assert.equal(again.account, "alice");
  assert.equal(chat.out.received(again).at(-1)?.type, "welcome");
});

Deno.test("Accounts throttles failed logins: the sixth within a minute is refused unchecked", async () => {
  const chat = await setUp();
  const alice = chat.connect("Alice");
  await register(chat, alice, "correct horse");
  chat.core.leave(alice, "disconnected");
  const guesser = new FakeMember(1);
  for (let i = 0; i < 6; i++) {
    chat.core.handle(guesser, { kind: "register", nickname: "Alice", extensions: ["login"] });
    chat.accounts.handle(guesser, { kind: "login", password: `guess ${i}xx` });
    await until(() => chat.out.refusals.length > i);
  }
  assert.equal(chat.out.refusals[4].message, "Wrong password for Alice");
  assert.equal(chat.out.refusals[5].message, "Too many failed logins for Alice: try again in 60 s");
  chat.tick(60_001);
  chat.core.handle(guesser, { kind: "register", nickname: "Alice", extensions: ["login"] });
  chat.accounts.handle(guesser, { kind: "login", password: "correct horse" });
  await until(() => guesser.nickname !== undefined);
});

Deno.test("Accounts keeps a private message for an account away and delivers it, then history, on login", async () => {
  const chat = await setUp();
  const bob = chat.connect("Bob");
  await register(chat, bob, "bob's password");
  chat.core.leave(bob, "disconnected");
  chat.tick(1000);
  const alice = chat.connect("Alice");
  chat.core.handle(alice, { kind: "whisper", to: "bob", text: "are you there?" });
  assert.deepEqual(await chat.last(alice), {
    type: "queued",
    to: "Bob",
    timestamp: "2024-03-21T10:30:01.000Z",
  });
  chat.core.handle(alice, { kind: "say", text: "hello all" });
  chat.core.flush();
  chat.core.handle(alice, { kind: "whisper", to: "bob", text: "second" });
  chat.core.handle(alice, { kind: "whisper", to: "bob", text: "third" });
  await until(() => chat.out.refusals.length > 0);
  assert.deepEqual(chat.out.refusals.pop(), {
    to: "Alice",
    message: "Bob is away with too many messages waiting: yours was not kept",
    reason: undefined,
  });
  chat.core.handle(alice, { kind: "whisper", to: "carol", text: "hi" });
  assert.equal(chat.out.refusals.pop()?.message, 'No such user "carol"');

  const back = chat.connect("Bob");
  chat.accounts.handle(back, { kind: "login", password: "bob's password" });
  await until(() => back.nickname !== undefined);
  const got = chat.out.received(back).slice(1);
  assert.deepEqual(got.map((m) => m.type), [
    "welcome",
    "private",
    "private",
    "broadcast",
    "history",
  ]);
  assert.deepEqual(got[1], {
    type: "private",
    nickname: "Alice",
    message: "are you there?",
    timestamp: "2024-03-21T10:30:01.000Z",
    offline: true,
    id: 1,
  });
  assert.deepEqual(got[3], {
    type: "broadcast",
    nickname: "Alice",
    message: "hello all",
    timestamp: "2024-03-21T10:30:01.000Z",
    history: true,
  });
  assert.deepEqual(got[4], { type: "history", count: 1, earlier: 0 });

  // Only the first is acknowledged: the second comes again at the next login.
  chat.accounts.handle(back, { kind: "ack", id: 1 });
  await new Promise((resolve) => setTimeout(resolve, 1));
  chat.core.leave(back, "connection lost");
  const third = chat.connect("bob");
  chat.accounts.handle(third, { kind: "login", password: "bob's password" });
  await until(() => third.nickname !== undefined);
  const offline = chat.out.received(third).filter((m) => m.type === "private");
  assert.deepEqual(offline.map((m) => m.type === "private" && m.message), ["second"]);
});

Deno.test("Accounts answers /history for everyone and for a room the client is in", async () => {
  const chat = await setUp();
  const alice = chat.connect("Alice");
  const bob = chat.connect("Bob");
  chat.core.handle(alice, { kind: "join", room: "#lab" });
  chat.core.handle(bob, { kind: "join", room: "#Lab" });
  for (const text of ["one", "two", "three"]) chat.core.handle(alice, { kind: "say", text });
  chat.core.handle(alice, { kind: "room", room: "#lab", text: "in the lab" });
  chat.accounts.handle(bob, { kind: "history", count: 2 });
  await until(() => chat.out.received(bob).at(-1)?.type === "history");
  const got = chat.out.received(bob).slice(-3);
  assert.deepEqual(got.map((m) => "message" in m ? m.message : m), [
    "two",
    "three",
    { type: "history", count: 2, earlier: 1 },
  ]);
  chat.accounts.handle(bob, { kind: "history", room: "#LAB" });
  await until(() => chat.out.received(bob).at(-1)?.type === "history");
  assert.deepEqual(chat.out.received(bob).slice(-2), [
    {
      type: "room",
      room: "#lab",
      nickname: "Alice",
      message: "in the lab",
      timestamp: "2024-03-21T10:30:00.000Z",
      history: true,
    },
    { type: "history", room: "#lab", count: 1, earlier: 0 },
  ]);
  chat.core.handle(bob, { kind: "leave", room: "#lab" });
  chat.accounts.handle(bob, { kind: "history", room: "#lab" });
  chat.accounts.handle(bob, { kind: "history", count: 51 });
  assert.deepEqual(chat.out.refusals.map((r) => r.message), [
    'Not in room "#lab": join it for its history',
    "History goes back at most 50 messages: ask for 1 to 50",
  ]);
});

Deno.test("Accounts: renaming away from the account logs out; an account's nickname is not taken by /nick", async () => {
  const chat = await setUp();
  const alice = chat.connect("Alice");
  await register(chat, alice, "correct horse");
  const bob = chat.connect("Bob");
  chat.core.handle(bob, { kind: "nick", nickname: "alice" });
  assert.equal(chat.out.refusals.pop()?.message, "Nickname already in use");
  chat.core.handle(alice, { kind: "nick", nickname: "ALICE" });
  assert.equal(alice.account, "alice", "another case of the same name stays logged in");
  chat.core.handle(alice, { kind: "nick", nickname: "Alicia" });
  assert.equal(alice.account, undefined);
  chat.core.handle(bob, { kind: "nick", nickname: "Alice" });
  assert.equal(
    chat.out.refusals.pop()?.message,
    'Nickname "Alice" is registered: log in with its password',
  );
  chat.accounts.handle(alice, { kind: "account", action: "password", password: "new horse" });
  assert.equal(
    chat.out.refusals.pop()?.message,
    "Alicia is not an account you are logged in to: /register first",
  );
});

Deno.test("Accounts lets one connection hash at most 5 new passwords a minute", async () => {
  const chat = await setUp();
  const alice = chat.connect("Alice");
  await register(chat, alice, "password 0");
  for (let i = 1; i <= 4; i++) {
    chat.accounts.handle(alice, { kind: "account", action: "password", password: `password ${i}` });
    await until(() => chat.out.received(alice).filter((m) => m.type === "account").length > i);
  }
  chat.accounts.handle(alice, { kind: "account", action: "password", password: "password 5" });
  assert.deepEqual(chat.out.refusals.pop(), {
    to: "Alice",
    message: "Too many password changes: try again in 60 s",
    reason: undefined,
  });
  const bob = chat.connect("Bob");
  await register(chat, bob, "bob's password");
});

Deno.test("Accounts: a login to an account connected already is another connection of it", async () => {
  const chat = await setUp();
  const alice = chat.connect("Alice");
  await register(chat, alice, "correct horse");
  const guest = chat.connect("alice", []);
  assert.equal(guest.nickname, undefined, "a client that cannot log in");
  assert.deepEqual(chat.out.refusals.pop()?.reason, "taken");
  const second = chat.connect("ALICE");
  assert.deepEqual(chat.out.received(second), [{ type: "login", nickname: "Alice" }]);
  chat.accounts.handle(second, { kind: "login", password: "wrong horse" });
  await until(() => chat.out.refusals.length > 0);
  assert.equal(chat.out.refusals.pop()?.message, "Wrong password for Alice");
  chat.core.handle(second, { kind: "register", nickname: "alice", extensions: EXTENSION_TYPES });
  chat.accounts.handle(second, { kind: "login", password: "correct horse" });
  await until(() => second.nickname !== undefined);
  assert.equal(second.nickname, "Alice");
  assert.equal(second.account, "alice");
  assert.equal(chat.core.userOf(second), alice);
  assert.equal(chat.core.size, 1);
  assert.equal(chat.out.received(second).at(-1)?.type, "welcome");
});

Deno.test("Accounts sends the chat's id in the login prompt", async () => {
  const chat = await setUp("AAAAAAAAAAAAAAAAAAAAAA");
  const alice = chat.connect("Alice");
  await register(chat, alice, "correct horse");
  chat.core.leave(alice, "disconnected");
  const again = chat.connect("alice");
  assert.deepEqual(chat.out.received(again), [
    { type: "login", nickname: "Alice", chat: "AAAAAAAAAAAAAAAAAAAAAA" },
  ]);
});

Deno.test("Accounts delivers a kept message to each device once, and forgets it when all have it", async () => {
  const chat = await setUp();
  const bob = chat.connect("Bob");
  await register(chat, bob, "bob's password");
  chat.core.leave(bob, "disconnected");
  const [laptop, phone, tablet] = ["L", "P", "T"].map((letter) => letter.repeat(16));
  for (const [id, approved] of [[laptop, true], [phone, true], [tablet, false]] as const) {
    const bundle = JSON.stringify({ v: 1, dh: id, sign: id, sig: id });
    await chat.store.putDevice("bob", { id, name: id, bundle, approved, added: 0 });
  }
  const alice = chat.connect("Alice");
  chat.core.handle(alice, { kind: "whisper", to: "bob", text: "for every device" });
  await until(() => chat.out.received(alice).some((m) => m.type === "queued"));

  /** Logs in as Bob from `device`; the kept messages it gets. */
  const login = async (device?: string) => {
    const member = chat.connect("bob");
    chat.accounts.handle(member, { kind: "login", password: "bob's password", device });
    await until(() => member.nickname !== undefined);
    const kept = chat.out.received(member).filter((m) => m.type === "private");
    return { member, kept: kept.map((m) => m.type === "private" && m.message) };
  };
  const leave = (member: FakeMember) => chat.core.leave(member, "disconnected");
  const ack = async (member: FakeMember) => {
    chat.accounts.handle(member, { kind: "ack", id: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1));
  };

  let session = await login(laptop);
  assert.deepEqual(session.kept, ["for every device"]);
  await ack(session.member);
  leave(session.member);
  assert.deepEqual((session = await login(laptop)).kept, []);
  leave(session.member);
  // Without a device id, all of them; its acknowledgement records nothing.
  assert.deepEqual((session = await login()).kept, ["for every device"]);
  await ack(session.member);
  leave(session.member);
  // The unapproved tablet's acknowledgement is not waited for.
  assert.deepEqual((session = await login(phone)).kept, ["for every device"]);
  await ack(session.member);
  leave(session.member);
  assert.deepEqual(await chat.store.waiting("bob", Date.now() + 1000), []);
  assert.deepEqual((session = await login(tablet)).kept, []);
  leave(session.member);

  const bad = chat.connect("bob");
  chat.accounts.handle(bad, { kind: "login", password: "bob's password", device: "../../etc" });
  await until(() => chat.out.refusals.length > 0);
  assert.equal(chat.out.refusals.pop()?.message, 'Invalid device id "../../etc"');
});
