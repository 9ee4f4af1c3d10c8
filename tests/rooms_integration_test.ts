/**
 * Kept rooms with real processes (issue 23): a private room closed to every way in, a ban that
 * survives a restart (SQLite) and holds at another node of a cluster (Redis), an away member's
 * catch-up after a restart, a timed mute that ends by itself (a decimal number of minutes: 0.05,
 * three seconds), and the terminal client's notices.
 */

import assert from "node:assert/strict";
import { EXTENSION_TYPES } from "../protocol.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { RedisServer } from "../lib/tools/redis_server.ts";
import { line, processTest, ServerProgram, startClient, tempDir } from "../lib/tools/testing.ts";

/** Starts a server that keeps its data in `dir`. */
function serverOn(dir: string): Promise<ServerProgram> {
  return ServerProgram.start(["--data", dir], [`--allow-read=${dir}`, `--allow-write=${dir}`]);
}

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
  return (await client.nextOfType("error")).message as string;
}

processTest(
  "a private room is closed to every way in; a ban and an away member outlast a restart",
  async () => {
    using data = tempDir();
    const first = await serverOn(data.path);
    const alice = await withAccount(first.port, "Alice");
    const bob = await withAccount(first.port, "Bob");
    const carol = await withAccount(first.port, "Carol");
    const guest = await RawClient.registered(first.port, "Zed", EXTENSION_TYPES);
    await alice.sendMessage({ type: "join", room: "#lab" });
    assert.equal((await alice.nextOfType("roominfo")).owner, "Alice");
    await alice.sendMessage({ type: "settings", room: "#lab", setting: "private" });
    assert.equal((await alice.nextOfType("roominfo")).private, true);
    await alice.sendMessage({ type: "topic", room: "#lab", topic: "Homework 3" });
    assert.equal((await alice.nextOfType("topic")).by, "Alice");

    // Every way in, closed: joining, a hand-made room line, its history, its topic, the list.
    await guest.sendMessage({ type: "join", room: "#LAB" });
    assert.equal(await refusal(guest), "#lab is private: ask a member to /invite you");
    await guest.sendMessage({ type: "room", room: "#lab", message: "let me in" });
    assert.match(await refusal(guest), /^Not in room "#lab"/);
    await guest.sendMessage({ type: "history", room: "#lab" });
    assert.match(await refusal(guest), /^Not in room/);
    await guest.sendMessage({ type: "topic", room: "#lab" });
    assert.equal(await refusal(guest), 'No such room "#lab"');
    await guest.sendMessage({ type: "invite", room: "#lab", nickname: "Zed" });
    assert.equal(await refusal(guest), 'No such room "#lab"');
    await guest.sendMessage({ type: "list" });
    assert.deepEqual((await guest.nextOfType("list")).rooms, []);
    // Renaming to a member's name: refused (it is taken, and an account's).
    await guest.sendMessage({ type: "nick", nickname: "Alice" });
    assert.equal(await refusal(guest), "Nickname already in use");

    // An invitation lets Bob in; Carol is banned, under her account.
    await alice.sendMessage({ type: "invite", room: "#lab", nickname: "Bob" });
    assert.equal((await bob.nextOfType("invited")).by, "Alice");
    await bob.sendMessage({ type: "join", room: "#lab" });
    assert.deepEqual((await bob.nextOfType("joined")).members, ["Alice", "Bob"]);
    assert.equal((await bob.nextOfType("topic")).topic, "Homework 3");
    await alice.sendMessage({
      type: "moderate",
      room: "#lab",
      action: "ban",
      nickname: "Carol",
      reason: "spam",
    });
    const banned = await carol.nextOfType("moderated");
    assert.deepEqual([banned.action, banned.by, banned.reason], ["ban", "Alice", "spam"]);
    assert.equal((await bob.nextOfType("moderated")).nickname, "Carol");

    // Bob goes away; what is said meanwhile waits in the room's history.
    await bob.close();
    await first.stdout.waitFor(line("<dt> :: Bob: disconnected."));
    await alice.sendMessage({ type: "room", room: "#lab", message: "while you were away" });
    await alice.sendMessage({ type: "settings", room: "#lab", setting: "show" });
    const info = await alice.nextOfType("roominfo");
    assert.deepEqual(info.members, [
      { nickname: "Alice", role: "owner" },
      { nickname: "Bob", role: "member", away: true },
    ]);
    for (const client of [alice, carol, guest]) await client.close();
    first.kill("SIGTERM");
    assert.equal(await first.exitCode(), 0);
    await first[Symbol.asyncDispose]();

    await using second = await serverOn(data.path);
    const back = await loggedIn(second.port, "Bob");
    const joined = await back.nextOfType("joined");
    assert.equal(joined.room, "#lab");
    const caught = await back.nextOfType("room");
    assert.deepEqual([caught.message, caught.history], ["while you were away", true]);
    assert.equal((await back.nextOfType("history")).room, "#lab");
    const carol2 = await loggedIn(second.port, "Carol");
    await carol2.sendMessage({ type: "join", room: "#lab" });
    assert.equal(await refusal(carol2), "You are banned from #lab: spam");
    // Bob leaves for good: no longer kept.
    await back.sendMessage({ type: "leave", room: "#lab" });
    await back.nextOfType("left");
    await back.close();
    const again = await loggedIn(second.port, "Bob");
    await again.sendMessage({ type: "join", room: "#lab" });
    assert.equal(await refusal(again), "#lab is private: ask a member to /invite you");
    for (const client of [again, carol2]) await client.close();
  },
);

processTest("a timed mute ends by itself, and the terminal client shows the notices", async () => {
  await using server = await ServerProgram.start([]);
  const alice = await withAccount(server.port, "Alice");
  await alice.sendMessage({ type: "join", room: "#lab" });
  await alice.nextOfType("roominfo");
  await using bob = startClient(server.port, "Bob", "002");
  await alice.nextOfType("joined");
  await bob.type("/join #lab");
  await bob.stdout.waitFor(line("<dt> :: * You joined #lab (members: Alice, Bob)"));
  await alice.sendMessage({
    type: "moderate",
    room: "#lab",
    action: "mute",
    nickname: "Bob",
    minutes: 0.05,
  });
  await bob.stdout.waitFor(line("<dt> :: * Bob was muted in #lab by Alice until <any>"));
  await bob.type("still here?");
  await bob.stdout.waitFor(/You are muted in #lab until/);
  await bob.stdout.waitFor(line("<dt> :: * Bob may speak in #lab again: time is up"));
  await bob.type("back");
  const said = await alice.nextOfType("room");
  assert.deepEqual([said.nickname, said.message], ["Bob", "back"]);
  await alice.sendMessage({
    type: "moderate",
    room: "#lab",
    action: "kick",
    nickname: "Bob",
    reason: "spam",
  });
  await bob.stdout.waitFor(line("<dt> :: * Bob was removed from #lab by Alice: spam"));
  await alice.close();
});

processTest("a ban holds at another node of a cluster, and a kick reaches there", async () => {
  using dir = tempDir();
  await using redis = await RedisServer.start({ dir: dir.path });
  await using a = await ServerProgram.startNode(redis.url);
  await using b = await ServerProgram.startNode(redis.url, [], [], 2);
  const alice = await withAccount(a.port, "Alice");
  await alice.sendMessage({ type: "join", room: "#lab" });
  await alice.nextOfType("roominfo");
  const bob = await RawClient.registered(b.port, "Bob", EXTENSION_TYPES);
  await bob.sendMessage({ type: "join", room: "#lab" });
  assert.equal((await bob.nextOfType("roominfo")).room, "#lab");
  while ((await alice.nextOfType("joined")).room !== "#lab");
  await alice.sendMessage({ type: "moderate", room: "#lab", action: "ban", nickname: "Bob" });
  // The notice comes from node a, the leaving from Bob's own node: in either order.
  const seen = new Set<string>();
  while (seen.size < 2) {
    const message = await bob.next();
    if (message.type === "moderated" && message.action === "ban") seen.add("ban");
    if (message.type === "left" && message.room === "#lab") seen.add("left");
  }
  await bob.sendMessage({ type: "join", room: "#lab" });
  assert.equal(await refusal(bob), "You are banned from #lab");
  // Unbanned, back in, kicked from the other node.
  await alice.sendMessage({ type: "moderate", room: "#lab", action: "unban", nickname: "Bob" });
  assert.equal((await bob.nextOfType("moderated")).action, "unban");
  await bob.sendMessage({ type: "join", room: "#lab" });
  await bob.nextOfType("roominfo");
  while ((await alice.nextOfType("joined")).room !== "#lab");
  await alice.sendMessage({ type: "moderate", room: "#lab", action: "kick", nickname: "Bob" });
  assert.equal((await bob.nextOfType("left")).room, "#lab");
  for (const client of [alice, bob]) await client.close();
});
