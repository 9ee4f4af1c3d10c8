/**
 * The IRC port under hostile input, with a real ChatServer: masks built to make a matcher
 * backtrack, names that IRC would read as someone else, lists that would make lines too long,
 * more targets or channels than the server says it takes, and parameters that would shift the
 * ones after them. Each is answered as IRC says, and the server keeps answering everyone.
 */

import assert from "node:assert/strict";
import { IrcClient, type IrcLine } from "../lib/tools/irc_client.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { processTest, ServerProgram } from "../lib/tools/testing.ts";

/** What our JSON clients announce. */
const EXTENSIONS = ["private", "room", "joined", "left", "nick", "list", "login", "account"];

const encoder = new TextEncoder();

/** Whether `line` fits IRC's 512 bytes, its tags aside and its CR LF included. */
function fits(line: IrcLine): boolean {
  return encoder.encode(line.raw.replace(/^@\S+ /, "")).length + 2 <= 512;
}

processTest(
  "WHO and LIST with a mask of many *s are answered at once, and the server goes on answering",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0"]);
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy");
    await using _long = await IrcClient.registered(server.ircPort, "a".repeat(31));
    // As a regular expression, this mask against 31 "a"s would keep the server busy for ages.
    const mask = "*".repeat(200) + "b";
    await ivy.send(`WHO ${mask}`);
    const end = await ivy.waitFor((line) => line.command === "315");
    assert.equal(end.params[1], mask);
    await ivy.send(`LIST ${"*".repeat(200)}x,!${"*".repeat(100)}y`);
    await ivy.waitFor((line) => line.command === "323");
    // Everyone is still served.
    await using _jay = await RawClient.registered(server.port, "Jay", EXTENSIONS);
    await ivy.waitFor(/^:Jay!Jay@chat JOIN &chat$/);
  },
);

processTest(
  "a name IRC would read as another user, a list or a channel is refused on every wire",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0"]);
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy");
    // "Ivy!x" would reach IRC as `:Ivy!x!...`: Ivy saying it. "&chat" would take a private
    // reply to the everyone-chat, "Vic,Tim" to two others.
    for (const name of ["Ivy!x", "&chat", "Vic,Tim", "Bo*", "Ivy@home"]) {
      await using json = await RawClient.connect(server.port);
      await json.register(name, "001", EXTENSIONS);
      const refused = await json.next();
      assert.equal(refused.type, "error", name);
      assert.match(String(refused.message), /must not contain any of ,\*\?!@ nor start with/);
    }
    await using jay = await RawClient.registered(server.port, "Jay", EXTENSIONS);
    await jay.sendMessage({ type: "join", room: "#a,b" });
    assert.match(String((await jay.nextOfType("error")).message), /which IRC reads as a list/);
    // Ivy saw only Jay come.
    const came = await ivy.waitFor((line) => line.command === "JOIN");
    assert.equal(came.raw, ":Jay!Jay@chat JOIN &chat");
  },
);

processTest(
  "MONITOR's lists and WHOIS's channels come in lines within 512 bytes however long they are",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0"]);
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy");
    const watched = Array.from({ length: 100 }, (_, i) => `W${String(i).padStart(30, "0")}`);
    for (let i = 0; i < watched.length; i += 14) {
      await ivy.send(`MONITOR + ${watched.slice(i, i + 14).join(",")}`);
    }
    await ivy.send("MONITOR L");
    const listed: string[] = [];
    for (let line = await ivy.next(); line.command !== "733"; line = await ivy.next()) {
      assert.ok(fits(line), line.raw);
      if (line.command === "732") listed.push(...line.params[1].split(","));
    }
    assert.deepEqual(listed, watched);
    await ivy.send("MONITOR S");
    let offline = 0;
    while (offline < watched.length) {
      const line = await ivy.waitFor((each) => each.command === "731");
      assert.ok(fits(line), line.raw);
      offline += line.params[1].split(",").length;
    }

    // A JSON user in many rooms of long names.
    await using jay = await RawClient.registered(server.port, "Jay", EXTENSIONS);
    const rooms = Array.from({ length: 30 }, (_, i) => `#${String(i).padStart(31, "r")}`);
    for (const room of rooms) {
      await jay.sendMessage({ type: "join", room });
      await jay.nextOfType("joined");
    }
    await ivy.send("WHOIS Jay");
    const channels: string[] = [];
    for (let line = await ivy.next(); line.command !== "318"; line = await ivy.next()) {
      assert.ok(fits(line), line.raw);
      if (line.command === "319") channels.push(...line.params[2].split(" "));
    }
    assert.deepEqual(channels.map((each) => each.replace(/^@/, "")).sort(), rooms.sort());
  },
);

processTest(
  "targets beyond TARGMAX get 407 and are not carried out, channels beyond CHANLIMIT 405",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0"]);
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy");
    await using jay = await RawClient.registered(server.port, "Jay", EXTENSIONS);
    // One line to Jay six times would be six whispers: PRIVMSG takes four.
    await ivy.send("PRIVMSG Jay,Jay,Jay,Jay,Jay,Jay :hi");
    const refused = await ivy.waitFor((line) => line.command === "407");
    assert.equal(refused.params[1], "Jay");
    await ivy.send("PRIVMSG Jay :last");
    const heard: unknown[] = [];
    for (let said = await jay.nextOfType("private");; said = await jay.nextOfType("private")) {
      heard.push(said.message);
      if (said.message === "last") break;
    }
    assert.deepEqual(heard, ["hi", "hi", "hi", "hi", "last"]);

    // A hundred channels besides &chat, ten a line; the next is refused.
    for (let line = 0; line < 10; line++) {
      const rooms = Array.from({ length: 10 }, (_, i) => `#r${line * 10 + i}`);
      await ivy.send(`JOIN ${rooms.join(",")}`);
    }
    await ivy.send("JOIN #r100,#r5");
    const full = await ivy.waitFor((line) => line.command === "405");
    assert.equal(full.params[1], "#r100");
    // Rejoining one it is in is not refused.
    await ivy.send("PING done");
    const answers: IrcLine[] = [];
    for (let line = await ivy.next(); line.command !== "PONG"; line = await ivy.next()) {
      answers.push(line);
    }
    assert.ok(!answers.some((line) => line.command === "405"), answers.map((l) => l.raw).join());
  },
);

processTest(
  "what a client sends that cannot be a parameter is echoed so that the others stay in place",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0"]);
    await using ivy = await IrcClient.connect(server.ircPort);
    // A lone CR inside a line is no line break.
    await ivy.send("NICK a\rUSER");
    const bad = await ivy.waitFor((line) => line.command === "432");
    assert.deepEqual(bad.params.slice(0, 2), ["*", "a_USER"]);
    await ivy.send("NICK Ivy", "USER ivy 0 * :Ivy");
    await ivy.waitFor((line) => line.command === "001");
    await ivy.send("WHOIS ::x");
    const none = await ivy.waitFor((line) => line.command === "401");
    assert.deepEqual(none.params, ["Ivy", "*", "No such nick/channel"]);
  },
);

processTest(
  "CHATHISTORY of a private room the client is not in is a FAIL, and shows nothing of it",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0"]);
    await using olga = await RawClient.withAccount(
      server.port,
      "Olga",
      "correct horse",
      EXTENSIONS,
    );
    await olga.sendMessage({ type: "join", room: "#secret" });
    await olga.nextOfType("joined");
    await olga.sendMessage({ type: "settings", room: "#secret", setting: "private" });
    await olga.sendMessage({ type: "room", room: "#secret", message: "the plan" });
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy", ["batch", "server-time"]);
    await ivy.send("CHATHISTORY LATEST #secret * 10", "PING done");
    const lines: IrcLine[] = [];
    for (let line = await ivy.next(); line.command !== "PONG"; line = await ivy.next()) {
      lines.push(line);
    }
    assert.deepEqual(
      lines.filter((line) => line.command !== "JOIN").map((line) => line.params.slice(0, 3)),
      [["CHATHISTORY", "INVALID_TARGET", "#secret"]],
    );
    assert.ok(!lines.some((line) => line.raw.includes("the plan")));
  },
);

processTest(
  "a reason longer than a line from another wire reaches IRC cut within 512 bytes",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0", "--operator", "olga"]);
    await using olga = await RawClient.withAccount(
      server.port,
      "Olga",
      "correct horse",
      EXTENSIONS,
    );
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy");
    await using kit = await IrcClient.registered(server.ircPort, "Kit");
    await ivy.waitFor(/^:Kit!\S+ JOIN &chat$/);
    // The JSON wire takes frames of 64 KiB: a reason of 5,000 characters is one.
    const reason = "spam ".repeat(1000);
    await olga.sendMessage({ type: "operator", action: "kill", target: "Kit", reason });
    const quit = await ivy.waitFor((line) => line.command === "QUIT");
    assert.ok(fits(quit), `${quit.raw.length} bytes`);
    assert.match(quit.params[0], /spam spam/);
    const last = await kit.closedByServer();
    const error = last.find((line) => line.startsWith("ERROR "));
    assert.ok(error !== undefined && encoder.encode(error).length + 2 <= 512, error);
  },
);
