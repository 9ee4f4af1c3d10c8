/**
 * IRC in a cluster, with real processes: a real `redis-server`, two ChatServer nodes each with an
 * IRC port, IRC clients on both and a JSON client on one. IRC users see, and are seen by, the users
 * of the other node as if all were on one server.
 */

import assert from "node:assert/strict";
import { EXTENSION_TYPES } from "../protocol.ts";
import { IrcClient, type IrcLine } from "../lib/tools/irc_client.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { RedisServer } from "../lib/tools/redis_server.ts";
import { chatLine, line, processTest, ServerProgram, tempDir } from "../lib/tools/testing.ts";

/** A node of the cluster at `url` with an IRC port, once it has said it joined. */
function node(url: string): Promise<ServerProgram> {
  return ServerProgram.startNode(url, ["--irc-port", "0"]);
}

/** Redis and two nodes, `a` and `b`, in a folder of their own. */
async function cluster() {
  const dir = tempDir();
  const redis = await RedisServer.start({ dir: dir.path });
  const a = await node(redis.url);
  const b = await node(redis.url);
  return {
    a,
    b,
    async [Symbol.asyncDispose]() {
      for (const each of [b, a, redis]) await each[Symbol.asyncDispose]();
      dir[Symbol.dispose]();
    },
  };
}

/** Waits for the `NAMES` reply of `channel` and returns its nicknames, sorted. */
async function namesOf(client: IrcClient, channel: string): Promise<string[]> {
  const names: string[] = [];
  while (true) {
    const reply = await client.waitFor((each: IrcLine) =>
      (each.command === "353" && each.params[2] === channel) ||
      (each.command === "366" && each.params[1] === channel)
    );
    if (reply.command === "366") return names.sort();
    names.push(...reply.params.at(-1)!.split(" ").filter((name) => name !== ""));
  }
}

/** The lines `client` reads up to the first that `last` matches, that one included. */
async function linesUntil(client: IrcClient, last: RegExp): Promise<string[]> {
  const lines: string[] = [];
  for (let each = await client.next();; each = await client.next()) {
    lines.push(each.raw);
    if (last.test(each.raw)) return lines;
  }
}

/** Asks for `NAMES channel` until `wanted` are all listed (another node's news takes a moment). */
async function namesUntil(client: IrcClient, channel: string, wanted: string[]) {
  let names: string[] = [];
  for (let tries = 0; tries < 100; tries++) {
    await client.send(`NAMES ${channel}`);
    names = await namesOf(client, channel);
    if (wanted.every((name) => names.includes(name))) return names;
  }
  assert.fail(`NAMES ${channel} never listed ${wanted.join(", ")}: ${names.join(" ")}`);
}

processTest(
  "IRC users of one node and JSON and IRC users of another share &chat, whispers, rooms, " +
    "NICK, QUIT and NAMES",
  async () => {
    await using nodes = await cluster();
    const { a, b } = nodes;
    await using ivy = await IrcClient.registered(a.ircPort, "Ivy");
    await using jay = await RawClient.registered(b.port, "Jay", [...EXTENSION_TYPES]);
    await ivy.waitFor(/^:Jay!Jay@chat JOIN &chat$/);
    await using kit = await IrcClient.registered(b.ircPort, "Kit");
    await ivy.waitFor(/^:Kit!\S+ JOIN &chat$/);

    // NAMES &chat lists the users of both nodes, on both nodes.
    assert.deepEqual(await namesUntil(ivy, "&chat", ["Ivy", "Jay", "Kit"]), ["Ivy", "Jay", "Kit"]);
    assert.deepEqual(await namesUntil(kit, "&chat", ["Ivy", "Jay", "Kit"]), ["Ivy", "Jay", "Kit"]);

    // The everyone-chat, both ways.
    await jay.send(chatLine("hello from b"));
    await ivy.waitFor(/^:Jay!Jay@chat PRIVMSG &chat :hello from b$/);
    await kit.send("PRIVMSG &chat :kit on b");
    await ivy.waitFor(/^:Kit!\S+ PRIVMSG &chat :kit on b$/);
    await ivy.send("PRIVMSG &chat :hello from a");
    const said = await jay.nextOfType("broadcast");
    assert.deepEqual([said.nickname, said.message], ["Kit", "kit on b"]);
    const heard = await jay.nextOfType("broadcast");
    assert.deepEqual([heard.nickname, heard.message], ["Ivy", "hello from a"]);
    await kit.waitFor(/^:Ivy!\S+ PRIVMSG &chat :hello from a$/);

    // Whispers, both ways, with JSON and with IRC.
    await jay.sendMessage({ type: "private", to: "Ivy", message: "psst" });
    await ivy.waitFor(/^:Jay!Jay@chat PRIVMSG Ivy :psst$/);
    await ivy.send("PRIVMSG Jay :psst back");
    assert.equal((await jay.nextOfType("private")).message, "psst back");
    await ivy.send("PRIVMSG Kit :irc to irc");
    await kit.waitFor(/^:Ivy!\S+ PRIVMSG Kit :irc to irc$/);
    await kit.send("PRIVMSG Ivy :and back");
    await ivy.waitFor(/^:Kit!\S+ PRIVMSG Ivy :and back$/);
    // A nickname held at the other node is refused once the nodes have answered, as IRC says.
    await ivy.send("NICK JAY");
    const taken = await ivy.waitFor((each) => each.command === "433");
    assert.deepEqual(taken.params.slice(0, 2), ["Ivy", "JAY"]);

    // A room: JOIN, PRIVMSG, PART across nodes, and its NAMES.
    await jay.sendMessage({ type: "join", room: "#lab" });
    await jay.nextOfType("joined");
    // Jay, a guest, made it: he moderates it, at the other node too.
    await namesUntil(ivy, "#lab", ["@Jay"]);
    await ivy.send("JOIN #lab");
    await ivy.waitFor(/^:Ivy!~ivy@irc JOIN #lab$/);
    assert.deepEqual(await namesOf(ivy, "#lab"), ["@Jay", "Ivy"]);
    const came = await jay.nextOfType("joined");
    assert.deepEqual([came.nickname, came.room], ["Ivy", "#lab"]);
    await kit.send("JOIN #lab");
    await ivy.waitFor(/^:Kit!\S+ JOIN #lab$/);
    assert.deepEqual(await namesOf(kit, "#lab"), ["@Jay", "Ivy", "Kit"]);
    await ivy.send("PRIVMSG #lab :in the lab");
    const roomLine = await jay.nextOfType("room");
    assert.deepEqual([roomLine.nickname, roomLine.message], ["Ivy", "in the lab"]);
    await kit.waitFor(/^:Ivy!\S+ PRIVMSG #lab :in the lab$/);
    await jay.sendMessage({ type: "room", room: "#lab", message: "me too" });
    await ivy.waitFor(/^:Jay!Jay@chat PRIVMSG #lab :me too$/);
    await kit.send("PART #lab :lunch");
    await ivy.waitFor(/^:Kit!\S+ PART #lab :lunch$/);
    let left = await jay.nextOfType("left");
    assert.deepEqual([left.nickname, left.room, left.reason], ["Kit", "#lab", "lunch"]);
    await ivy.send("PART #lab :bye");
    left = await jay.nextOfType("left");
    assert.deepEqual([left.nickname, left.room, left.reason], ["Ivy", "#lab", "bye"]);

    // A user of the other node renamed and leaving, as IRC lines.
    await jay.sendMessage({ type: "nick", nickname: "Jay2" });
    await ivy.waitFor(/^:Jay!Jay@chat NICK :?Jay2$/);
    await kit.send("NICK Kit2");
    await ivy.waitFor(/^:Kit!\S+ NICK :?Kit2$/);
    await kit.send("QUIT :gone fishing");
    await ivy.waitFor(/^:Kit2!\S+ QUIT :Quit: gone fishing$/);
    await jay.sendMessage({ type: "disconnect" });
    await ivy.waitFor(/^:Jay2!Jay2@chat QUIT :/);
    assert.deepEqual(await namesUntil(ivy, "&chat", []), ["Ivy"]);
    await a.stdout.waitFor(line("<dt> :: Jay2: disconnected."));
  },
);

processTest(
  "an IRC operator of an account's room kicks and bans users of the other node, who see it",
  async () => {
    await using nodes = await cluster();
    const { a, b } = nodes;
    {
      await using owner = await RawClient.registered(a.port, "Olga", [...EXTENSION_TYPES]);
      await owner.sendMessage({ type: "account", action: "register", password: "olga's secret" });
      await owner.nextOfType("account");
    }
    await a.stdout.waitFor(line("<dt> :: Olga: disconnected."));
    await using olga = await IrcClient.connect(a.ircPort);
    await olga.send("PASS :olga's secret", "NICK Olga", "USER olga 0 * :Olga");
    await olga.waitFor((each) => each.command === "366");
    await olga.send("JOIN #lab");
    await olga.waitFor(/^:\S+ MODE #lab \+o Olga$/);

    await using jay = await RawClient.registered(b.port, "Jay", [...EXTENSION_TYPES]);
    await using kit = await IrcClient.registered(b.ircPort, "Kit");
    await jay.sendMessage({ type: "join", room: "#lab" });
    await jay.nextOfType("roominfo");
    await olga.waitFor(/^:Jay!Jay@chat JOIN #lab$/);
    await kit.send("JOIN #lab");
    await kit.waitFor(/^:Kit!~kit@irc JOIN #lab$/);
    // Olga is the room's operator on the other node too.
    assert.deepEqual(await namesOf(kit, "#lab"), ["@Olga", "Jay", "Kit"]);
    await olga.waitFor(/^:Kit!\S+ JOIN #lab$/);

    // Olga is logged in to her account, as the other node sees it too.
    await kit.send("WHOIS Olga");
    const account = await kit.waitFor((each) => each.command === "330" || each.command === "318");
    assert.deepEqual(account.params.slice(0, 3), ["Kit", "Olga", "Olga"]);

    // A KICK from node a reaches the JSON user and the IRC user of node b.
    await olga.send("KICK #lab Jay :enough");
    const kicked = await jay.nextOfType("moderated");
    assert.deepEqual([kicked.action, kicked.nickname, kicked.reason], ["kick", "Jay", "enough"]);

    // A ban puts the IRC user of node b out with a KICK, and keeps it out. Nobody sees a PART
    // after a KICK, although the leaving comes from node b later.
    await olga.waitFor(/^:Olga!~olga@irc KICK #lab Jay :enough$/);
    await olga.send("MODE #lab +b Kit!*@*");
    const seenByKit = await linesUntil(kit, /^:Olga!\S+ KICK #lab Kit :Banned$/);
    assert.deepEqual(seenByKit.filter((each) => / (KICK|PART|MODE) #lab/.test(each)), [
      ":Olga!Olga@chat KICK #lab Jay :enough",
      ":Olga!Olga@chat MODE #lab +b Kit!*@*",
      ":Olga!Olga@chat KICK #lab Kit :Banned",
    ]);
    const seenByOlga = await linesUntil(olga, /^:Olga!\S+ KICK #lab Kit :Banned$/);
    assert.deepEqual(seenByOlga.filter((each) => / (KICK|PART|MODE) #lab/.test(each)), [
      ":Olga!~olga@irc MODE #lab +b Kit!*@*",
      ":Olga!~olga@irc KICK #lab Kit :Banned",
    ]);
    await kit.send("JOIN #lab");
    await kit.waitFor((each) => each.command === "474" && each.params[1] === "#lab");
    await olga.send("MODE #lab b");
    const ban = await olga.waitFor((each) => each.command === "367");
    // The mask, who set it and when (seconds since the epoch, within this test's run).
    assert.deepEqual(ban.params.slice(2, 4), ["Kit!*@*", "Olga"]);
    const setAt = Number(ban.params[4]);
    assert.ok(Math.abs(setAt - Date.now() / 1000) < 60, `ban set at ${ban.params[4]}`);
  },
);
