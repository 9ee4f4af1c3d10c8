/**
 * Kept rooms with real processes, the second part (issue 23): roles (op, deop, handing over,
 * closing), a server operator moderating rooms it does not own, an account's second connection and
 * a kept member coming back told the topic and settings, an invitation waiting for an away account
 * across a restart, the owner's `/leave`, a private room refused at another node of a cluster, and
 * what a hostile user tries: a mute or ban dodged by renaming, by making an account or by another
 * node, lookalike names, control characters, an account given up and taken again, the history of a
 * closed room, hand-made messages over the WebSocket and a server ban at the web port.
 */

import assert from "node:assert/strict";
import { EXTENSION_TYPES } from "../protocol.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { RedisServer } from "../lib/tools/redis_server.ts";
import { WebSocketClient } from "../lib/tools/web_socket_client.ts";
import { line, processTest, ServerProgram, tempDir } from "../lib/tools/testing.ts";

type Message = Record<string, unknown>;

/** A raw JSON client that registers `nickname` and makes it an account. */
function withAccount(port: number, nickname: string): Promise<RawClient> {
  return RawClient.withAccount(port, nickname, `${nickname} pass`, EXTENSION_TYPES);
}

/** A raw JSON client that logs in to account `nickname`. */
function loggedIn(port: number, nickname: string): Promise<RawClient> {
  return RawClient.loggedIn(port, nickname, `${nickname} pass`, EXTENSION_TYPES);
}

/** The next error's text. */
async function refusal(client: RawClient): Promise<string> {
  return (await until(client, "error")).at(-1)!.message as string;
}

/** Joins `room`, a kept room (or one the client's account makes): its `roominfo` follows. */
async function join(client: RawClient, room: string): Promise<Message> {
  await client.sendMessage({ type: "join", room });
  return (await until(client, "roominfo")).at(-1)!;
}

/** Sends a moderator's action on `nickname` in `room`. */
function moderate(
  client: RawClient,
  room: string,
  action: string,
  nickname: string,
  more: Message = {},
): Promise<void> {
  return client.sendMessage({ type: "moderate", room, action, nickname, ...more });
}

/** The messages up to the first of `type` that `matches`: that one last. */
async function until(
  client: RawClient,
  type: string,
  matches: (message: Message) => boolean = () => true,
): Promise<Message[]> {
  const seen: Message[] = [];
  while (true) {
    const message = await client.next().catch((error: Error) => {
      const got = seen.map((each) => JSON.stringify(each)).join("\n");
      throw new Error(`${error.message}: no ${type} came; before it came\n${got}`);
    });
    seen.push(message);
    if (message.type === type && matches(message)) return seen;
  }
}

/** The next `moderated` notice of `action` (on `nickname`), skipping everything before it. */
async function moderated(client: RawClient, action: string, nickname?: string): Promise<Message> {
  const seen = await until(
    client,
    "moderated",
    (message) =>
      message.action === action && (nickname === undefined || message.nickname === nickname),
  );
  return seen.at(-1)!;
}

/**
 * Every message `client` is sent until the reply to a `list` it asks for now: what the server did
 * before this request, as this client was told.
 */
async function settled(client: RawClient): Promise<Message[]> {
  await client.sendMessage({ type: "list" });
  return await until(client, "list");
}

/** The last of `messages` of `type`. */
function lastOf(messages: Message[], type: string): Message {
  const found = messages.findLast((message) => message.type === type);
  if (found === undefined) throw new Error(`No ${type} among ${JSON.stringify(messages)}`);
  return found;
}

/** A member of a `roominfo`, by nickname. */
function memberOf(info: Message, nickname: string): Message | undefined {
  return (info.members as Message[]).find((member) => member.nickname === nickname);
}

/**
 * Waits until `client`'s node shows `room` (it has heard of the kept room) or hides it (it has
 * heard that it is private): nodes learn of a change a Redis round trip after it is made. Each try
 * asks for the room's topic; at most 100 tries.
 */
async function shownAt(client: RawClient, room: string, shown: boolean): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    await client.sendMessage({ type: "topic", room });
    // The answer: the topic, or a refusal that names the room (a "Slow down" is no answer).
    const answers = (answer: Message) =>
      answer.type === "topic" ||
      (answer.type === "error" &&
        String(answer.message).toLowerCase().includes(room.toLowerCase()));
    let answer = await client.next();
    while (!answers(answer)) answer = await client.next();
    if ((answer.type === "topic") === shown) return;
  }
  throw new Error(`${room} was never ${shown ? "shown" : "hidden"}`);
}

/** Starts a server that keeps its data in `dir`. */
function serverOn(dir: string, args: string[] = []): Promise<ServerProgram> {
  return ServerProgram.start(
    ["--data", dir, ...args],
    [`--allow-read=${dir}`, `--allow-write=${dir}`],
  );
}

processTest(
  "the owner makes and unmakes moderators, hands the room over and closes it; a moderator cannot act on the owner or on another moderator",
  async () => {
    await using server = await ServerProgram.start([]);
    const alice = await withAccount(server.port, "Alice");
    const bob = await withAccount(server.port, "Bob");
    const carol = await withAccount(server.port, "Carol");
    const dave = await RawClient.registered(server.port, "Dave", EXTENSION_TYPES);
    const clients = [alice, bob, carol, dave];
    try {
      assert.equal((await join(alice, "#lab")).owner, "Alice");
      for (const client of [bob, carol, dave]) await join(client, "#lab");

      await moderate(carol, "#lab", "op", "Bob");
      assert.equal(await refusal(carol), "Only the owner of #lab can op");
      await moderate(alice, "#lab", "op", "Bob");
      const opped = await moderated(bob, "op");
      assert.deepEqual([opped.action, opped.nickname, opped.by], ["op", "Bob", "Alice"]);
      assert.equal(memberOf(await carol.nextOfType("roominfo"), "Bob")?.role, "moderator");
      await moderate(alice, "#lab", "op", "Dave");
      assert.equal(await refusal(alice), "Dave is a guest: only accounts can be moderators");

      // A moderator moderates members, not the owner, nor another moderator.
      await moderate(bob, "#lab", "kick", "Alice");
      assert.equal(await refusal(bob), "Alice owns #lab: nobody can kick them");
      await moderate(alice, "#lab", "op", "Carol");
      await moderated(alice, "op", "Carol");
      for (const action of ["ban", "mute", "kick"]) {
        await moderate(bob, "#lab", action, "Carol");
        assert.equal(await refusal(bob), `Only the owner of #lab can ${action} a moderator`);
      }
      await moderate(bob, "#lab", "deop", "Carol");
      assert.equal(await refusal(bob), "Only the owner of #lab can deop");
      await bob.sendMessage({ type: "settings", room: "#lab", setting: "owner", value: "Bob" });
      assert.equal(await refusal(bob), "Only the owner of #lab can change owner");
      await moderate(bob, "#lab", "mute", "Dave", { reason: "spam" });
      await moderated(dave, "mute");
      await dave.sendMessage({ type: "room", room: "#lab", message: "hello?" });
      assert.equal(await refusal(dave), "You are muted in #lab: spam");

      // The owner's mute holds against a moderator too.
      await moderate(alice, "#lab", "mute", "Carol");
      await moderated(carol, "mute", "Carol");
      await carol.sendMessage({ type: "room", room: "#lab", message: "and me?" });
      assert.equal(await refusal(carol), "You are muted in #lab");
      await moderate(alice, "#lab", "deop", "Carol");
      await moderated(alice, "deop", "Carol");
      assert.equal(memberOf(lastOf(await settled(dave), "roominfo"), "Carol")?.role, "member");

      // Handing over: Bob owns the room, Alice moderates it.
      await alice.sendMessage({ type: "settings", room: "#lab", setting: "owner", value: "dave" });
      assert.equal(
        await refusal(alice),
        "Name an account that is a member of #lab to hand it over",
      );
      await alice.sendMessage({ type: "settings", room: "#lab", setting: "owner", value: "bob" });
      const handed = (await until(carol, "roominfo", (info) => info.owner !== "Alice")).at(-1)!;
      assert.equal(handed.owner, "Bob");
      assert.equal(memberOf(handed, "Alice")?.role, "moderator");
      await alice.sendMessage({ type: "settings", room: "#lab", setting: "close" });
      assert.equal(await refusal(alice), "Only the owner of #lab can change close");
      await bob.sendMessage({ type: "moderate", room: "#lab", action: "kick", nickname: "Alice" });
      assert.equal((await alice.nextOfType("left")).room, "#lab");

      // Closing: everyone in it is told and put out, the room is gone.
      await bob.sendMessage({ type: "room", room: "#lab", message: "our secret plan" });
      await carol.nextOfType("room");
      await bob.sendMessage({ type: "settings", room: "#lab", setting: "close" });
      for (const [client, name] of [[carol, "Carol"], [dave, "Dave"]] as const) {
        const closed = await moderated(client, "close");
        assert.deepEqual([closed.action, closed.nickname, closed.by], ["close", "#lab", "Bob"]);
        await until(client, "left", (left) => left.nickname === name && left.room === "#lab");
      }
      await server.stdout.waitFor(line("<dt> :: Bob: closed #lab."));
      await alice.sendMessage({ type: "list" });
      assert.deepEqual((await alice.nextOfType("list")).rooms, []);
      // A room made later under that name shows nothing of the closed one's history.
      assert.equal((await join(carol, "#lab")).owner, "Carol");
      await carol.sendMessage({ type: "history", room: "#lab" });
      const history = await until(carol, "history");
      assert.deepEqual(history.filter((message) => message.history === true), []);
    } finally {
      for (const client of clients) await client.close();
    }
  },
);

processTest(
  "a server operator moderates a room it does not own, private and without being in it, but not its owner",
  async () => {
    await using server = await ServerProgram.start(["--operator", "oscar"]);
    // Until it is made, the operator's account is anyone's to take: the console says so.
    await server.stdout.waitFor(
      'Operator "oscar" is no account yet: whoever registers that nickname first is an ' +
        "operator, so register it now",
    );
    const alice = await withAccount(server.port, "Alice");
    const bob = await withAccount(server.port, "Bob");
    const oscar = await withAccount(server.port, "Oscar");
    try {
      await join(alice, "#lab");
      await alice.sendMessage({ type: "settings", room: "#lab", setting: "private" });
      await alice.nextOfType("roominfo");
      await alice.sendMessage({ type: "invite", room: "#lab", nickname: "Bob" });
      await until(bob, "invited");
      await join(bob, "#lab");
      await oscar.sendMessage({ type: "list" });
      const rooms = (await oscar.nextOfType("list")).rooms as Message[];
      assert.deepEqual(rooms.map((room) => room.room), ["#lab"]);

      await oscar.sendMessage({ type: "topic", room: "#lab", topic: "Closed for exams" });
      const topic = await bob.nextOfType("topic");
      assert.deepEqual([topic.topic, topic.by], ["Closed for exams", "Oscar"]);
      await moderate(oscar, "#lab", "kick", "Alice");
      assert.equal(await refusal(oscar), "Alice owns #lab: nobody can kick them");
      await moderate(oscar, "#lab", "ban", "Bob", { reason: "spam" });
      const banned = await moderated(alice, "ban");
      assert.deepEqual([banned.nickname, banned.by], ["Bob", "Oscar"]);
      assert.equal((await bob.nextOfType("left")).room, "#lab");
      await server.stdout.waitFor(line("<dt> :: Oscar (operator): ban Bob in #lab: spam."));
      await bob.sendMessage({ type: "join", room: "#lab" });
      assert.equal(await refusal(bob), "You are banned from #lab: spam");
      // The operator comes in uninvited, and sees the bans.
      assert.equal((await join(oscar, "#lab")).private, true);
      await oscar.sendMessage({ type: "bans", room: "#lab" });
      const bans = (await oscar.nextOfType("bans")).bans as Message[];
      assert.deepEqual(bans.map((ban) => [ban.kind, ban.nickname, ban.by]), [[
        "ban",
        "Bob",
        "Oscar",
      ]]);
    } finally {
      for (const client of [alice, bob, oscar]) await client.close();
    }
  },
);

processTest(
  "a second connection and a member coming back get the topic and settings; an invitation waits for an away account across a restart; the owner's /leave",
  async () => {
    using data = tempDir();
    const first = await serverOn(data.path);
    const alice = await withAccount(first.port, "Alice");
    const bob = await withAccount(first.port, "Bob");
    const carol = await withAccount(first.port, "Carol");
    await join(alice, "#lab");
    await alice.sendMessage({ type: "topic", room: "#lab", topic: "Homework 3" });
    await alice.nextOfType("topic");
    await alice.sendMessage({ type: "settings", room: "#lab", setting: "private" });
    await alice.nextOfType("roominfo");
    await alice.sendMessage({ type: "invite", room: "#lab", nickname: "Bob" });
    await until(bob, "invited");
    await bob.sendMessage({ type: "join", room: "#lab" });
    assert.equal((await bob.nextOfType("topic")).topic, "Homework 3");
    await bob.nextOfType("roominfo");

    // Bob's second connection is told what his first was.
    const bob2 = await loggedIn(first.port, "Bob");
    const told = await until(bob2, "roominfo");
    assert.deepEqual(
      told.filter((message) => message.room === "#lab").map((message) => message.type),
      ["joined", "topic", "roominfo"],
    );
    assert.equal(told.find((message) => message.type === "topic")!.topic, "Homework 3");

    // An invitation to Carol, who is away, waits for her.
    await carol.close();
    await first.stdout.waitFor(line("<dt> :: Carol: disconnected."));
    await alice.sendMessage({ type: "invite", room: "#lab", nickname: "carol" });
    assert.equal((await moderated(alice, "invite", "Carol")).by, "Alice", "the name as made");
    // A guest may not take an away member's name.
    const guest = await RawClient.registered(first.port, "Zed", EXTENSION_TYPES);
    await guest.sendMessage({ type: "nick", nickname: "Carol" });
    assert.equal(await refusal(guest), 'Nickname "Carol" is registered: log in with its password');
    await guest.sendMessage({ type: "join", room: "#lab" });
    assert.equal(await refusal(guest), "#lab is private: ask a member to /invite you");

    // The owner leaves: still its owner, no longer in it, and not put back at login.
    await alice.sendMessage({ type: "leave", room: "#lab" });
    const left = await until(bob, "left", (message) => message.room === "#lab");
    assert.equal(left.at(-1)!.nickname, "Alice");
    await alice.sendMessage({ type: "settings", room: "#lab", setting: "show" });
    const info = await alice.nextOfType("roominfo");
    assert.equal(info.owner, "Alice");
    assert.deepEqual(info.members, [{ nickname: "Bob", role: "member" }]);
    for (const client of [alice, bob, bob2, guest]) await client.close();
    first.kill("SIGTERM");
    assert.equal(await first.exitCode(), 0);
    await first[Symbol.asyncDispose]();

    await using second = await serverOn(data.path);
    const carol2 = await loggedIn(second.port, "Carol");
    assert.equal((await carol2.nextOfType("invited")).by, "Alice");
    assert.equal((await join(carol2, "#lab")).topic, "Homework 3");
    const alice2 = await loggedIn(second.port, "Alice");
    await alice2.sendMessage({ type: "list" });
    const list = await until(alice2, "list");
    assert.equal(list.filter((message) => message.type === "joined").length, 0);
    assert.deepEqual((list.at(-1)!.rooms as Message[]).map((room) => room.room), ["#lab"]);
    assert.equal((await join(alice2, "#lab")).owner, "Alice", "the owner comes back at will");
    // Bob, a kept member, is put back with the topic and settings.
    const bob3 = await loggedIn(second.port, "Bob");
    const back = await until(bob3, "roominfo");
    assert.deepEqual(
      back.filter((message) => message.room === "#lab").map((message) => message.type),
      ["joined", "topic", "roominfo"],
    );
    for (const client of [carol2, alice2, bob3]) await client.close();
  },
);

processTest(
  "renaming, making an account or reconnecting as a guest dodges no mute or ban; lookalike names and control characters are refused",
  async () => {
    await using server = await ServerProgram.start([]);
    const alice = await withAccount(server.port, "Alice");
    const bob = await withAccount(server.port, "Bob");
    const clients = [alice, bob];
    try {
      await join(alice, "#lab");
      await join(bob, "#lab");
      // Bob, muted, renames away from his account: still muted.
      await moderate(alice, "#lab", "mute", "Bob");
      await moderated(bob, "mute");
      await bob.sendMessage({ type: "nick", nickname: "Robert" });
      await bob.nextOfType("nick");
      await bob.sendMessage({ type: "room", room: "#lab", message: "free at last" });
      assert.equal(await refusal(bob), "You are muted in #lab");
      // Banned under his account's name, he is put out under the new one, and stays out.
      await moderate(alice, "#lab", "ban", "Bob", { reason: "spam" });
      assert.deepEqual(
        [(await bob.nextOfType("left")).room, (await alice.nextOfType("left")).nickname],
        ["#lab", "Robert"],
      );
      await bob.sendMessage({ type: "join", room: "#lab" });
      assert.equal(await refusal(bob), "You are banned from #lab: spam");
      await bob.close();
      const again = await RawClient.registered(server.port, "Bobby", EXTENSION_TYPES);
      clients.push(again);
      await again.sendMessage({ type: "join", room: "#lab" });
      assert.equal(await refusal(again), "You are banned from #lab: spam");

      // A guest banned makes its nickname an account: still banned.
      await join(alice, "#den");
      const zed = await RawClient.registered(server.port, "Zed", EXTENSION_TYPES);
      clients.push(zed);
      await join(zed, "#den");
      await moderate(alice, "#den", "ban", "Zed");
      await until(zed, "left", (message) => message.room === "#den");
      await zed.sendMessage({ type: "account", action: "register", password: "Zed's pass" });
      await zed.nextOfType("account");
      await zed.sendMessage({ type: "join", room: "#den" });
      assert.equal(await refusal(zed), "You are banned from #den");
      // Its address holds against a guest of another name.
      const yan = await RawClient.registered(server.port, "Yan", EXTENSION_TYPES);
      clients.push(yan);
      await yan.sendMessage({ type: "join", room: "#den" });
      assert.equal(await refusal(yan), "You are banned from #den");

      // Lookalikes: an invisible character in a nickname or a room name.
      const fake = await RawClient.connect(server.port);
      clients.push(fake);
      await fake.register("Alice\u200b", "009", EXTENSION_TYPES);
      assert.equal(
        await refusal(fake),
        'Nickname "Alice\u200b" must not contain invisible characters (U+200B)',
      );
      await alice.sendMessage({ type: "join", room: "#l\u2060ab" });
      assert.match(await refusal(alice), /must not contain invisible characters \(U\+2060\)$/);
      // Control characters, and too much, in a topic or a reason.
      await alice.sendMessage({ type: "topic", room: "#lab", topic: "line\n12:00 :: Bob: hi" });
      assert.equal(await refusal(alice), "A topic must not contain control characters");
      await alice.sendMessage({ type: "topic", room: "#lab", topic: "x".repeat(301) });
      assert.equal(await refusal(alice), "A topic may have at most 300 characters");
      await moderate(alice, "#lab", "unban", "Bob");
      await moderated(alice, "unban");
      await moderate(alice, "#den", "kick", "Alice", { reason: "\u001b[2J" });
      assert.equal(await refusal(alice), "A reason must not contain control characters");
      await moderate(alice, "#den", "mute", "Zed", { minutes: 1e12 });
      assert.equal(await refusal(alice), "Give minutes from more than 0 to 527040");
      await alice.sendMessage({ type: "settings", room: "#lab", setting: "show" });
      assert.deepEqual((await alice.nextOfType("roominfo")).members, [
        { nickname: "Alice", role: "owner" },
      ]);
    } finally {
      for (const client of clients) await client.close();
    }
  },
);

processTest(
  "an account given up takes nothing along: a new account of that name is no member; the owner may not give it up",
  async () => {
    await using server = await ServerProgram.start([]);
    const alice = await withAccount(server.port, "Alice");
    const bob = await withAccount(server.port, "Bob");
    const clients = [alice, bob];
    try {
      await join(alice, "#lab");
      await alice.sendMessage({ type: "settings", room: "#lab", setting: "private" });
      await alice.nextOfType("roominfo");
      await alice.sendMessage({ type: "invite", room: "#lab", nickname: "Bob" });
      await until(bob, "invited");
      await join(bob, "#lab");
      await bob.sendMessage({ type: "room", room: "#lab", message: "for members only" });
      await alice.nextOfType("room");
      await moderate(alice, "#lab", "op", "Bob");
      await bob.nextOfType("roominfo");
      await alice.sendMessage({ type: "account", action: "unregister" });
      assert.equal(
        await refusal(alice),
        "You own #lab: hand it over (/room #lab owner <account>) or close it first",
      );
      await bob.sendMessage({ type: "account", action: "unregister" });
      await bob.nextOfType("account");
      await bob.close();
      await server.stdout.waitFor(line("<dt> :: Bob: disconnected."));
      // Someone else makes "Bob" an account: no member, no moderator, no history of #lab.
      const mallory = await withAccount(server.port, "Bob");
      clients.push(mallory);
      await mallory.close();
      await server.stdout.waitFor(line("<dt> :: Bob: disconnected."));
      const back = await loggedIn(server.port, "Bob");
      clients.push(back);
      await back.sendMessage({ type: "join", room: "#lab" });
      const seen = await until(back, "error");
      assert.equal(seen.at(-1)!.message, "#lab is private: ask a member to /invite you");
      assert.deepEqual(seen.filter((message) => message.room === "#lab"), []);
      await alice.sendMessage({ type: "settings", room: "#lab", setting: "show" });
      assert.deepEqual((await alice.nextOfType("roominfo")).members, [
        { nickname: "Alice", role: "owner" },
      ]);
    } finally {
      for (const client of clients) await client.close();
    }
  },
);

processTest(
  "over the WebSocket or CHAT/1.0, hand-made messages reach no private room, and a server ban is refused at the web port",
  async () => {
    await using server = await ServerProgram.start(
      ["--web-port", "0", "--operator", "alice"],
      ["--allow-read=web"],
    );
    const { line: started } = await server.stdout.waitFor(/^Web client at http:\/\//);
    const url = `ws://127.0.0.1:${/:(\d+)\/$/.exec(started)![1]}/ws`;
    const alice = await withAccount(server.port, "Alice");
    const web = new WebSocketClient(url);
    const clients = [alice];
    try {
      await join(alice, "#lab");
      await alice.sendMessage({ type: "settings", room: "#lab", setting: "private" });
      await alice.nextOfType("roominfo");
      await web.opened();
      web.send({ type: "nickname", nickname: "Wendy", clientID: "7", extensions: EXTENSION_TYPES });
      await web.nextOfType("welcome");
      for (
        const [message, answer] of [
          [{ type: "room", room: "#lab", message: "let me in" }, /^Not in room "#lab"/],
          [{ type: "join", room: "#LAB" }, /^#lab is private: ask a member to \/invite you$/],
          [{ type: "history", room: "#lab" }, /^Not in room "#lab"/],
          [{ type: "settings", room: "#lab", setting: "public" }, /^No such room "#lab"$/],
          [{ type: "moderate", room: "#lab", action: "op", nickname: "Wendy" }, /^No such room/],
        ] as const
      ) {
        web.send(message);
        assert.match(String((await web.nextOfType("error")).message), answer);
      }
      // A CHAT/1.0 line that looks like a room message is a line to everyone.
      const carl = await RawClient.connect(server.port);
      clients.push(carl);
      await carl.send("REGISTER carl CHAT/1.0\n");
      assert.equal(await carl.nextLine(), "200 Registration successful");
      await carl.send('{"type":"room","room":"#lab","message":"let me in"}\n');
      const said = (await until(alice, "broadcast")).at(-1)!;
      assert.deepEqual([said.nickname, said.message], [
        "carl",
        '{"type":"room","room":"#lab","message":"let me in"}',
      ]);
      await alice.sendMessage({
        type: "operator",
        action: "serverban",
        target: "127.0.0.1",
        seconds: 600,
      });
      assert.match(String((await web.nextOfType("error")).message), /^Banned from this server/);
      await web.closed();
      const refused = new WebSocketClient(url);
      await refused.opened();
      refused.send({ type: "nickname", nickname: "Walt", clientID: "8" });
      assert.match(
        String((await refused.nextOfType("error")).message),
        line("Banned from this server by an operator (Alice) until <dt> UTC"),
      );
      await refused.closed();
      await server.stdout.waitFor(/ :: refused 127\.0\.0\.1:\d+: Banned from this server/);
    } finally {
      await web.close();
      for (const client of clients) await client.close();
    }
  },
);

processTest(
  "across nodes: a private room refused at another node, an account there invited, made moderator, muted under a new name and banned, a guest there invited, a timed mute's end told once",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using a = await ServerProgram.startNode(redis.url);
    await using b = await ServerProgram.startNode(redis.url, [], [], 2);
    const alice = await withAccount(a.port, "Alice");
    const bob = await withAccount(b.port, "Bob");
    const zed = await RawClient.registered(b.port, "Zed", EXTENSION_TYPES);
    const clients = [alice, bob, zed];
    try {
      await join(alice, "#lab");
      await shownAt(zed, "#lab", true);
      await alice.sendMessage({ type: "settings", room: "#lab", setting: "private" });
      await until(alice, "roominfo");
      await shownAt(zed, "#lab", false);
      await bob.sendMessage({ type: "join", room: "#lab" });
      assert.equal(await refusal(bob), "#lab is private: ask a member to /invite you");

      // Bob, an account at the other node, is invited, joins, and is made a moderator.
      await alice.sendMessage({ type: "invite", room: "#lab", nickname: "Bob" });
      assert.equal((await until(bob, "invited")).at(-1)!.by, "Alice");
      await join(bob, "#lab");
      await until(alice, "joined", (message) => message.nickname === "Bob");
      await moderate(alice, "#lab", "op", "Bob");
      await moderated(bob, "op");
      assert.equal(memberOf((await until(bob, "roominfo")).at(-1)!, "Bob")?.role, "moderator");
      await moderate(alice, "#lab", "deop", "Bob");
      await until(bob, "roominfo");

      // Zed, a guest at the other node, is invited too.
      await alice.sendMessage({ type: "invite", room: "#lab", nickname: "Zed" });
      assert.equal((await until(zed, "invited")).at(-1)!.by, "Alice");
      await join(zed, "#lab");

      // A timed mute: its end is told once to each, at whichever node.
      await moderate(alice, "#lab", "mute", "Zed", { minutes: 0.03 });
      await moderated(zed, "mute");
      const ended = (message: Message) => message.action === "unmute";
      assert.equal((await until(bob, "moderated", ended)).at(-1)!.reason, "time is up");
      await until(zed, "moderated", ended);
      await until(alice, "moderated", ended);
      await alice.sendMessage({ type: "room", room: "#lab", message: "marker" });
      for (const client of [bob, zed]) {
        const seen = await until(client, "room", (message) => message.message === "marker");
        assert.deepEqual(seen.filter(ended), [], "no second notice");
      }

      // Bob, muted from the other node, renames away from his account: still muted.
      await moderate(alice, "#lab", "mute", "Bob");
      await until(bob, "moderated", (message) => message.nickname === "Bob");
      await bob.sendMessage({ type: "nick", nickname: "Robert" });
      await until(bob, "nick");
      await bob.sendMessage({ type: "room", room: "#lab", message: "free?" });
      assert.equal(await refusal(bob), "You are muted in #lab");
      // Banned by his account's name at the other node: put out, and kept out.
      await moderate(alice, "#lab", "ban", "Bob");
      assert.equal((await until(bob, "left")).at(-1)!.room, "#lab");
      await bob.sendMessage({ type: "join", room: "#lab" });
      assert.equal(await refusal(bob), "You are banned from #lab");
    } finally {
      for (const client of clients) await client.close();
    }
  },
);

/**
 * Asks for `room`'s `roominfo` at `client`'s node until `wanted` holds of it (another node's news
 * takes a Redis round trip); at most 100 tries. Whatever else comes meanwhile is skipped.
 */
async function infoUntil(
  client: RawClient,
  room: string,
  wanted: (info: Message) => boolean,
): Promise<Message> {
  let info: Message | undefined;
  for (let tries = 0; tries < 100; tries++) {
    await client.sendMessage({ type: "settings", room, setting: "show" });
    // Before the node has heard of the room, it refuses: "No such room".
    let answer = await client.next();
    while (answer.type !== "error" && (answer.type !== "roominfo" || answer.room !== room)) {
      answer = await client.next();
    }
    if (answer.type === "roominfo" && wanted(info = answer)) return info;
  }
  throw new Error(`${room} never became as wanted: ${JSON.stringify(info)}`);
}

/** The roles of those in a `roominfo`, as `Nick:role`. */
function rolesOf(info: Message): string[] {
  return (info.members as Message[]).map((member) => `${member.nickname}:${member.role}`);
}

processTest(
  "a room of guests across nodes: its maker moderates it (topic, mute, op), the other node sees the same roles, a guest moderator kicks there and keeps its role across a rename; nobody owns it; emptied, it is gone",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using a = await ServerProgram.startNode(redis.url);
    await using b = await ServerProgram.startNode(redis.url, [], [], 2);
    const gus = await RawClient.registered(a.port, "Gus", EXTENSION_TYPES);
    const hal = await RawClient.registered(b.port, "Hal", EXTENSION_TYPES);
    const ida = await RawClient.registered(b.port, "Ida", EXTENSION_TYPES);
    const clients = [gus, hal, ida];
    try {
      assert.deepEqual(rolesOf(await join(gus, "#g")), ["Gus:moderator"]);
      // The other node knows the room, and who moderates it, before its guests join.
      await infoUntil(hal, "#g", (info) => rolesOf(info).includes("Gus:moderator"));
      assert.deepEqual(rolesOf(await join(hal, "#g")), ["Gus:moderator", "Hal:member"]);
      await join(ida, "#g");
      // Gus's node tells those in the room it knows of: it waits to know of both.
      await infoUntil(
        gus,
        "#g",
        (info) => rolesOf(info).join() === "Gus:moderator,Hal:member,Ida:member",
      );

      // The maker sets the topic, mutes and ops, across nodes.
      await gus.sendMessage({ type: "topic", room: "#g", topic: "guests only" });
      const topic = (await until(hal, "topic")).at(-1)!;
      assert.deepEqual([topic.topic, topic.by], ["guests only", "Gus"]);
      await moderate(gus, "#g", "mute", "Ida", { reason: "noise" });
      await moderated(ida, "mute", "Ida");
      await infoUntil(ida, "#g", (info) => memberOf(info, "Ida")?.muted === true);
      await ida.sendMessage({ type: "room", room: "#g", message: "let me speak" });
      assert.equal(await refusal(ida), "You are muted in #g: noise");
      await hal.sendMessage({ type: "moderate", room: "#g", action: "kick", nickname: "Ida" });
      assert.equal(await refusal(hal), "Only the owner or a moderator of #g can kick");
      await moderate(gus, "#g", "op", "Hal");
      await moderated(hal, "op", "Hal");
      await infoUntil(hal, "#g", (info) => memberOf(info, "Hal")?.role === "moderator");

      // Hal, a guest moderator at the other node, renames and still moderates: he kicks Ida.
      await hal.sendMessage({ type: "nick", nickname: "Hank" });
      await until(hal, "nick");
      await infoUntil(gus, "#g", (info) => memberOf(info, "Hank")?.role === "moderator");
      await moderate(hal, "#g", "kick", "Ida", { reason: "enough" });
      const kicked = await moderated(gus, "kick", "Ida");
      assert.deepEqual([kicked.by, kicked.reason], ["Hank", "enough"]);
      assert.equal((await until(ida, "left")).at(-1)!.room, "#g");

      // Nobody owns it.
      await gus.sendMessage({ type: "settings", room: "#g", setting: "close" });
      assert.equal(await refusal(gus), "#g is a room of guests: it has no owner");

      // Gus leaves the chat: his role goes with him; when Hank leaves too, the room is gone.
      await gus.close();
      await infoUntil(hal, "#g", (info) => rolesOf(info).join() === "Hank:moderator");
      await hal.sendMessage({ type: "leave", room: "#g" });
      await until(hal, "left");
      await ida.sendMessage({ type: "topic", room: "#g" });
      assert.equal(await refusal(ida), 'No such room "#g"');
      await a.stdout.waitFor(line("<dt> :: Gus: disconnected."));
    } finally {
      for (const client of clients) await client.close();
    }
  },
);
