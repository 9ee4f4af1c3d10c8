import assert from "node:assert/strict";
import { EXTENSION_TYPES, type ServerMessage } from "../../protocol.ts";
import { ChatCore } from "../core/chat.ts";
import { FakeMember, RecordingOutbound } from "../core/fakes.ts";
import type { OperatorCommand } from "../core/types.ts";
import { MemoryStore } from "../store/memory.ts";
import { SUITE_BOUNDS } from "../store/store_suite.ts";
import { type OperatorNews, Operators } from "./operators.ts";

const AT = new Date(2024, 2, 21, 10, 30, 44);

function setUp(options: { now?: () => Date; store?: MemoryStore } = {}) {
  const out = new RecordingOutbound();
  const log: string[] = [];
  const now = options.now ?? (() => AT);
  const core = new ChatCore<FakeMember>({
    out,
    log: (event) => log.push(event.text),
    now,
    connectionsPerAccount: 3,
    isOperator: (user) => operators.operates(user),
  });
  const disconnected: { who: string; reason: string; lastWord: ServerMessage }[] = [];
  const published: OperatorNews[] = [];
  const operators: Operators<FakeMember> = new Operators<FakeMember>({
    operators: ["Alice"],
    out,
    log: (event) => log.push(event.text),
    now,
    store: options.store,
    chat: core,
    disconnect: (member, reason, lastWord) => {
      disconnected.push({ who: member.nickname!, reason, lastWord });
      core.leave(member, reason);
    },
    publish: (news) => published.push(news),
    isAccount: (nickname) => nickname.toLowerCase() === "alice",
    checkPassword: (_, nickname, password) =>
      Promise.resolve(
        password === "alice's secret" ? undefined : `Wrong password for ${nickname}`,
      ),
  });
  let port = 50_000;
  const join = (
    nickname: string,
    account?: string,
    extensions: readonly string[] = EXTENSION_TYPES,
  ) => {
    const member = new FakeMember(port++);
    member.account = account;
    core.handle(member, { kind: "register", nickname, clientID: "001", extensions });
    return member;
  };
  const op = (member: FakeMember, command: Omit<OperatorCommand, "kind">) =>
    operators.handle(member, { kind: "operator", ...command });
  return { out, log, core, operators, join, op, disconnected, published };
}

Deno.test("Operators: only a logged-in operator account may act; the others are told what is missing", () => {
  const { out, join, op, operators } = setUp();
  const guest = join("Mallory");
  const account = join("Bob", "bob");
  for (const action of ["kill", "serverban", "serverunban", "wall"] as const) {
    op(guest, { action, target: "Bob", text: "hi" });
    op(account, { action, target: "Mallory", text: "hi" });
  }
  assert.deepEqual(out.refusals.map((r) => r.message), [
    "Only a server operator can /kill",
    "Only a server operator can /kill",
    "Only a server operator can /serverban",
    "Only a server operator can /serverban",
    "Only a server operator can /serverunban",
    "Only a server operator can /serverunban",
    "Only a server operator can /wall",
    "Only a server operator can /wall",
  ]);
  assert.equal(operators.isOperator("alice"), true);
  assert.equal(operators.isOperator("bob"), false);
});

Deno.test("Operators: OPER with an operator account's password makes a connection an operator while it lasts", async () => {
  const { out, log, core, join, op, operators } = setUp();
  const ivy = join("Ivy");
  const jay = join("Jay");
  log.length = 0;
  assert.deepEqual(await operators.oper(ivy, "Bob", "anything"), {
    ok: false,
    problem: "not an operator",
    message: "No operator account by that name",
  });
  assert.deepEqual(await operators.oper(ivy, "Alice", "wrong"), {
    ok: false,
    problem: "password",
    message: "Wrong password for Alice",
  });
  assert.equal(operators.operates(ivy), false);
  op(ivy, { action: "wall", text: "not yet" });
  assert.equal(out.refusals.at(-1)?.message, "Only a server operator can /wall");
  assert.deepEqual(await operators.oper(ivy, "ALICE", "alice's secret"), { ok: true });
  assert.deepEqual(log, [
    "2024-03-21 10:30:44 :: Ivy: OPER as Bob refused.",
    "2024-03-21 10:30:44 :: Ivy (operator): OPER as alice.",
  ]);
  // One answer for everyone who asks: the commands, /list, and the same user renamed.
  assert.equal(operators.operates(ivy), true);
  assert.equal(operators.operates(jay), false);
  op(ivy, { action: "wall", text: "hello" });
  assert.equal(out.received(jay).at(-1)?.type, "announcement");
  core.handle(ivy, { kind: "nick", nickname: "Ivy2" });
  core.handle(jay, { kind: "list" });
  const list = out.received(jay).at(-1);
  assert.deepEqual(list?.type === "list" && list.operators, ["Ivy2"]);
  assert.equal(operators.operates(ivy), true);
  // Another connection that never OPERed is not one.
  assert.equal(operators.operates(join("Kim")), false);
});

Deno.test("Operators: /kill disconnects every connection of a user, told why; the console says so", () => {
  const { out, log, join, op, disconnected } = setUp();
  const alice = join("Alice", "alice");
  join("Bob", "bob");
  join("Bob", "bob"); // Bob's second connection
  const carol = join("Carol");
  log.length = 0;
  op(alice, { action: "kill", target: "bob", reason: "spamming" });
  assert.deepEqual(disconnected.map((d) => d.who), ["Bob", "Bob"]);
  assert.deepEqual(disconnected[0].lastWord, {
    type: "error",
    message: "You were disconnected by an operator (Alice): spamming",
  });
  assert.equal(disconnected[0].reason, "removed by an operator (Alice): spamming");
  assert.deepEqual(out.received(carol).at(-1), {
    type: "left",
    nickname: "Bob",
    reason: "removed by an operator (Alice): spamming",
    timestamp: AT.toISOString(),
  });
  assert.equal(log[0], "2024-03-21 10:30:44 :: Alice (operator): killed Bob: spamming");
  const reply = out.received(alice).find((m) => m.type === "operator");
  assert.equal(reply?.type === "operator" && reply.message, "Bob was disconnected: spamming");
  op(alice, { action: "kill", target: "Nobody" });
  op(alice, { action: "kill", target: "Alice" });
  op(alice, { action: "kill" });
  assert.deepEqual(out.refusals.map((r) => r.message), [
    'No such user "Nobody"',
    "Cannot /kill yourself: /exit leaves",
    "Usage: /kill <user> [<reason>]",
  ]);
});

Deno.test("Operators: /serverban keeps the ban, removes the user, refuses it at registration until it ends", async () => {
  let now = AT.getTime();
  const store = new MemoryStore(SUITE_BOUNDS);
  const { join, op, operators, disconnected, published, log } = setUp({
    now: () => new Date(now),
    store,
  });
  const alice = join("Alice", "alice");
  join("Bob");
  op(alice, { action: "serverban", target: "Bob", seconds: 90, reason: "spam" });
  assert.deepEqual(disconnected.map((d) => [d.who, d.reason]), [
    ["Bob", "banned by an operator (Alice): spam"],
  ]);
  assert.match(
    operators.registrationProblem("bob", "198.51.100.1")!,
    /^Banned from this server by an operator \(Alice\) until .*: spam$/,
  );
  assert.equal(operators.registrationProblem("Carol", "198.51.100.1"), undefined);
  assert.deepEqual(published.map((news) => news.kind), ["ban"]);
  await Promise.resolve();
  assert.equal((await store.serverBans()).length, 1);
  // A second server on the same store knows the ban.
  const again = setUp({ now: () => new Date(now), store });
  await again.operators.load();
  assert.notEqual(again.operators.registrationProblem("Bob", ""), undefined);
  now += 90_000;
  operators.expire();
  assert.equal(operators.registrationProblem("Bob", ""), undefined);
  assert.match(log.at(-1)!, /server ban on Bob ended\.$/);
  assert.deepEqual(await store.serverBans(), []);
  again.operators.stop();
  operators.stop();
});

Deno.test("Operators: an address ban refuses connections, spares operators; /serverunban lifts it", () => {
  const { out, join, op, operators, disconnected } = setUp();
  const alice = join("Alice", "alice");
  join("Bob"); // every fake member comes from 192.0.2.7
  op(alice, { action: "serverban", target: "192.0.2.7" });
  assert.deepEqual(disconnected.map((d) => d.who), ["Bob"]);
  assert.equal(
    operators.addressProblem("::ffff:192.0.2.7"),
    "Banned from this server by an operator (Alice) until lifted",
  );
  op(alice, { action: "serverunban", target: "192.0.2.7" });
  assert.equal(operators.addressProblem("192.0.2.7"), undefined);
  op(alice, { action: "serverunban", target: "192.0.2.7" });
  op(alice, { action: "serverban", target: "Alice" });
  op(alice, { action: "serverban", target: "a b" });
  op(alice, { action: "serverban", target: "Bob", seconds: 0 });
  assert.deepEqual(out.refusals.map((r) => r.message), [
    'No server ban on "192.0.2.7"',
    "Cannot ban yourself",
    'Cannot ban "a b": it is neither a nickname nor an address',
    "A ban lasts from 1 second to 5256000 minutes; none for until lifted",
  ]);
  operators.stop();
});

Deno.test("Operators: /wall is an announcement to those who announce it, a broadcast from *server* to the others", () => {
  const { out, log, join, op, operators } = setUp();
  const alice = join("Alice", "alice");
  const bob = join("Bob");
  const spec = join("Spec", undefined, []);
  op(alice, { action: "wall", text: "Restart at noon" });
  assert.deepEqual(out.received(bob).at(-1), {
    type: "announcement",
    nickname: "Alice",
    message: "Restart at noon",
    timestamp: AT.toISOString(),
  });
  assert.deepEqual(out.received(alice).at(-1), out.received(bob).at(-1));
  assert.deepEqual(out.received(spec).at(-1), {
    type: "broadcast",
    nickname: "*server*",
    message: "Announcement from Alice: Restart at noon",
    timestamp: AT.toISOString(),
  });
  assert.equal(log.at(-1), "2024-03-21 10:30:44 :: Alice (operator): announced: Restart at noon");
  op(alice, { action: "wall", text: "  " });
  assert.deepEqual(out.refusals.map((r) => r.message), ["Usage: /wall <text>"]);
  operators.stop();
});

Deno.test("Operators: /list names the operators connected; news from another node is enforced here", () => {
  const { out, join, core, operators, disconnected } = setUp();
  const alice = join("Alice", "alice");
  const bob = join("Bob");
  core.handle(bob, { kind: "list" });
  const list = out.received(bob).at(-1);
  assert.deepEqual(list?.type === "list" && list.operators, ["Alice"]);
  operators.heard({ kind: "kill", nickname: "Bob", by: "Dave", reason: "flood" });
  assert.deepEqual(disconnected.map((d) => [d.who, d.reason]), [
    ["Bob", "removed by an operator (Dave): flood"],
  ]);
  join("Carol");
  operators.heard({ kind: "ban", ban: { key: "user:carol", target: "Carol", by: "Dave", at: 0 } });
  assert.equal(disconnected.at(-1)?.who, "Carol");
  operators.heard({ kind: "unban", key: "user:carol" });
  assert.equal(operators.registrationProblem("Carol", ""), undefined);
  assert.equal(alice.closing, false);
  operators.stop();
});

Deno.test("Operators: at start, an operator account not made yet is named on the console", async () => {
  const store = new MemoryStore(SUITE_BOUNDS);
  const first = setUp({ store });
  await first.operators.load();
  assert.deepEqual(first.log, [
    'Operator "Alice" is no account yet: whoever registers that nickname first is an operator, ' +
    "so register it now",
  ]);
  first.operators.stop();
  const account = { nickname: "Alice", passwordHash: "x", created: 0, lastSeen: 0 };
  await store.createAccount("alice", account);
  const second = setUp({ store });
  await second.operators.load();
  assert.deepEqual(second.log, []);
  second.operators.stop();
});
