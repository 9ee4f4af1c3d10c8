/**
 * End-to-end tests of the IRC listener: a real ChatServer with `--irc-port`, IRC connections
 * written line by line as IRC clients do, and JSON clients in the same chat, over 127.0.0.1.
 */

import assert from "node:assert/strict";
import { IrcClient } from "../lib/tools/irc_client.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { chatLine, line, processTest, ServerProgram } from "../lib/tools/testing.ts";

/** What our JSON clients announce. */
const EXTENSIONS = ["private", "room", "joined", "left", "nick", "list", "login", "account"];

/** SASL PLAIN's message for `account` and `password`, in base64. */
function plain(account: string, password: string): string {
  return btoa(`\0${account}\0${password}`);
}

processTest(
  "IRC and JSON users share one chat: the everyone-chat as &chat, whispers and rooms both ways",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0"]);
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy");
    await server.stdout.waitFor(line("<dt> :: Ivy: connected."));
    await using jay = await RawClient.registered(server.port, "Jay", EXTENSIONS);
    await ivy.waitFor(/^:Jay!Jay@chat JOIN &chat$/);
    // Clients ask for the everyone-chat's bans on joining: none; it cannot be moderated.
    await ivy.send("MODE &chat b");
    await ivy.waitFor((each) => each.command === "368" && each.params[1] === "&chat");
    await ivy.send("MODE &chat +m");
    await ivy.waitFor((each) => each.command === "482" && each.params[1] === "&chat");

    // The everyone-chat, both ways.
    await jay.send(chatLine("hello IRC"));
    await ivy.waitFor(/^:Jay!Jay@chat PRIVMSG &chat :hello IRC$/);
    await ivy.send("PRIVMSG &chat :hello JSON");
    const said = await jay.nextOfType("broadcast");
    assert.equal(said.nickname, "Ivy");
    assert.equal(said.message, "hello JSON");

    // Whispers, both ways.
    await jay.sendMessage({ type: "private", to: "Ivy", message: "psst" });
    await ivy.waitFor(/^:Jay!Jay@chat PRIVMSG Ivy :psst$/);
    await ivy.send("PRIVMSG Jay :psst back");
    assert.equal((await jay.nextOfType("private")).message, "psst back");
    await ivy.send("PRIVMSG Nobody :hello?");
    await ivy.waitFor((each) => each.command === "401" && each.params[1] === "Nobody");

    // A room: each sees the other come, speak and go.
    await jay.sendMessage({ type: "join", room: "#lab" });
    await jay.nextOfType("joined");
    await ivy.send("JOIN #lab");
    await ivy.waitFor(/^:Ivy!~ivy@irc JOIN #lab$/);
    const names = await ivy.waitFor((each) => each.command === "353");
    // Jay, a guest, made it: he moderates it.
    assert.deepEqual(names.params.at(-1)!.split(" ").sort(), ["@Jay", "Ivy"]);
    const came = await jay.nextOfType("joined");
    assert.deepEqual([came.nickname, came.room], ["Ivy", "#lab"]);
    await ivy.send("PRIVMSG #lab :in the lab");
    const roomLine = await jay.nextOfType("room");
    assert.deepEqual([roomLine.nickname, roomLine.message], ["Ivy", "in the lab"]);
    await jay.sendMessage({ type: "room", room: "#lab", message: "me too" });
    await ivy.waitFor(/^:Jay!Jay@chat PRIVMSG #lab :me too$/);
    await jay.sendMessage({ type: "leave", room: "#lab" });
    await jay.nextOfType("left");
    await ivy.waitFor(/^:Jay!Jay@chat PART #lab$/);
    await jay.sendMessage({ type: "join", room: "#lab" });
    await ivy.waitFor(/^:Jay!Jay@chat JOIN #lab$/);
    await ivy.send("PART #lab :lunch");
    const left = await jay.nextOfType("left");
    assert.deepEqual([left.nickname, left.room, left.reason], ["Ivy", "#lab", "lunch"]);

    // A new nickname, then leaving with a reason.
    await ivy.send("NICK Ivy2");
    const renamed = await jay.nextOfType("nick");
    assert.deepEqual([renamed.old, renamed.nickname], ["Ivy", "Ivy2"]);
    await ivy.send("QUIT :see you");
    const gone = await jay.nextOfType("left");
    assert.deepEqual([gone.nickname, gone.reason], ["Ivy2", "Quit: see you"]);
    assert.match((await ivy.closedByServer()).at(-1)!, /^ERROR :/);
    await server.stdout.waitFor(line("<dt> :: Ivy2: disconnected."));
  },
);

processTest(
  "CHATHISTORY answers in a chathistory batch, an empty one when nothing was said, and a " +
    "labelled CHATHISTORY gets its label on that batch",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0"]);
    await using jay = await RawClient.registered(server.port, "Jay", EXTENSIONS);
    await jay.send(chatLine("first") + chatLine("second"));
    await jay.sendMessage({ type: "join", room: "#quiet" });
    await jay.nextOfType("joined");
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy", [
      "batch",
      "message-tags",
      "server-time",
      "labeled-response",
      "draft/chathistory",
    ]);
    /** The batch that answers the command labelled `label`: its opening line and its lines. */
    const answer = async (label: string) => {
      const opened = await ivy.waitFor((each) => each.tags.label === label);
      const id = opened.params[0]?.slice(1);
      const inside: string[] = [];
      while (true) {
        const each = await ivy.next();
        if (each.command === "BATCH" && each.params[0] === `-${id}`) break;
        assert.equal(each.tags.batch, id, `${each.raw} is in the batch`);
        inside.push(`${each.command} ${each.params.join(" ")}`);
      }
      return { opened: [opened.command, ...opened.params.slice(1)], inside };
    };
    await ivy.send("@label=h1 CHATHISTORY LATEST &chat * 10");
    assert.deepEqual(await answer("h1"), {
      opened: ["BATCH", "chathistory", "&chat"],
      inside: ["PRIVMSG &chat first", "PRIVMSG &chat second"],
    });
    await ivy.send("JOIN #quiet");
    await ivy.waitFor(/^:Ivy!~ivy@irc JOIN #quiet$/);
    await ivy.send("@label=h2 CHATHISTORY LATEST #quiet * 10");
    assert.deepEqual(await answer("h2"), {
      opened: ["BATCH", "chathistory", "#quiet"],
      inside: [],
    });
    // Without a label, the same batch; a refusal is a FAIL with the label it was asked with.
    await ivy.send("CHATHISTORY LATEST #quiet * 10");
    const unlabelled = await ivy.waitFor((each) => each.command === "BATCH");
    assert.deepEqual(unlabelled.params.slice(1), ["chathistory", "#quiet"]);
    await ivy.send("@label=h3 CHATHISTORY LATEST #nowhere * 10");
    const refused = await ivy.waitFor((each) => each.tags.label === "h3");
    assert.deepEqual(refused.params.slice(0, 3), ["CHATHISTORY", "INVALID_TARGET", "#nowhere"]);
  },
);

processTest(
  "SASL PLAIN logs an IRC client in: what was kept for it and the history it missed arrive " +
    "with server-time",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0"]);
    // Alice makes her nickname an account, and leaves.
    {
      await using alice = await RawClient.registered(server.port, "alice", EXTENSIONS);
      await alice.sendMessage({ type: "account", action: "register", password: "correct horse" });
      await alice.nextOfType("account");
    }
    await server.stdout.waitFor(line("<dt> :: alice: disconnected."));
    await using bob = await RawClient.registered(server.port, "bob", EXTENSIONS);
    await bob.sendMessage({ type: "private", to: "alice", message: "kept for you" });
    await bob.nextOfType("queued");
    await bob.send(chatLine("said while you were away"));
    await server.stdout.waitFor(/^Broadcasted: /);

    // Without logging in, the account's nickname is refused.
    await using guest = await IrcClient.connect(server.ircPort);
    await guest.send("NICK alice", "USER alice 0 * :Not Alice");
    await guest.waitFor((each) => each.command === "433" && /log in/.test(each.params.at(-1)!));

    // A wrong password is refused by SASL; the right one logs in.
    await using irc = await IrcClient.connect(server.ircPort);
    await irc.send("CAP LS 302", "CAP REQ :sasl server-time", "NICK alice", "USER al 0 * :A");
    await irc.waitFor(/ CAP \* LS :.*\bsasl=PLAIN\b/);
    await irc.waitFor(/ CAP \S+ ACK :sasl server-time$/);
    await irc.send("AUTHENTICATE PLAIN");
    await irc.waitFor(/^AUTHENTICATE \+$/);
    await irc.send(`AUTHENTICATE ${plain("alice", "wrong horse")}`);
    await irc.waitFor((each) => each.command === "904");
    await irc.send("AUTHENTICATE PLAIN", `AUTHENTICATE ${plain("alice", "correct horse")}`);
    await irc.waitFor((each) => each.command === "900" && each.params[2] === "alice");
    await irc.waitFor((each) => each.command === "903");
    await irc.send("CAP END");
    await irc.waitFor((each) => each.command === "001" && each.params[0] === "alice");
    const kept = await irc.waitFor((each) => each.command === "PRIVMSG");
    assert.deepEqual(kept.params, ["alice", "kept for you"]);
    assert.equal(kept.source, "bob!bob@chat");
    assert.match(kept.tags.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const missed = await irc.waitFor((each) => each.command === "PRIVMSG");
    assert.deepEqual(missed.params, ["&chat", "said while you were away"]);
    assert.ok(missed.tags.time !== undefined);
    await server.stdout.waitFor(line("<dt> :: alice: connected."));

    // The kept message was acknowledged: the next login does not bring it again.
    await irc.send("QUIT");
    await irc.closedByServer();
    await using again = await IrcClient.connect(server.ircPort);
    await again.send("PASS :correct horse", "NICK alice", "USER al 0 * :A");
    await again.waitFor((each) => each.command === "001");
    await again.send("PING :done");
    const before = [];
    for (let each = await again.next(); each.command !== "PONG"; each = await again.next()) {
      before.push(each);
    }
    assert.ok(!before.some((each) => each.params.includes("kept for you")));
  },
);

processTest(
  "bad input gets IRC's numerics and the connection goes on: a long line, an unknown " +
    "command, invalid UTF-8, a command before registering",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0"]);
    await using early = await IrcClient.connect(server.ircPort);
    await early.send("JOIN #lab");
    await early.waitFor((each) => each.command === "451");
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy");
    await ivy.send(`PRIVMSG &chat :${"x".repeat(600)}`);
    await ivy.waitFor((each) => each.command === "417");
    await ivy.send(`@${"a=b;".repeat(1100)} PRIVMSG &chat :tags too long`);
    await ivy.waitFor((each) => each.command === "417");
    await ivy.send("FROBNICATE now");
    const unknown = await ivy.waitFor((each) => each.command === "421");
    assert.deepEqual(unknown.params.slice(0, 2), ["Ivy", "FROBNICATE"]);
    await ivy.raw.send(
      new Uint8Array([...new TextEncoder().encode("PRIVMSG &chat :"), 0xff, 13, 10]),
    );
    await ivy.waitFor(/^:\S+ FAIL PRIVMSG INVALID_UTF8 /);
    await ivy.send("PING :still here");
    await ivy.waitFor(/ PONG \S+ :still here$/);
    // A line cannot speak for someone else: the source it gives is ignored.
    await using jay = await RawClient.registered(server.port, "Jay", EXTENSIONS);
    await ivy.send(":Jay!Jay@chat PRIVMSG &chat :it was me");
    const said = await jay.nextOfType("broadcast");
    assert.equal(said.nickname, "Ivy");
  },
);

processTest("a connection that does not register in time gets ERROR and is closed", async () => {
  await using server = await ServerProgram.start([
    "--irc-port",
    "0",
    "--register-timeout",
    "0.5",
  ]);
  await using idle = await IrcClient.connect(server.ircPort);
  await idle.send("NICK Slow");
  const lines = await idle.closedByServer();
  assert.match(lines.at(-1)!, /^ERROR :Registration timeout: not registered within 0.5 s$/);
});

processTest(
  "a silent IRC client is sent PING, and cut off with ERROR when it does not answer",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0", "--irc-ping", "0.5"]);
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy");
    const ping = await ivy.waitFor((each) => each.command === "PING");
    await ivy.send(`PONG :${ping.params[0]}`);
    await ivy.waitFor((each) => each.command === "PING");
    const lines = await ivy.closedByServer();
    assert.match(lines.at(-1)!, /^ERROR :Ping timeout: \d+ seconds$/);
    await server.stdout.waitFor(line("<dt> :: Ivy: disconnected."));
  },
);

processTest("an IRC client that floods is slowed down, then cut off with ERROR", async () => {
  await using server = await ServerProgram.start([
    "--irc-port",
    "0",
    "--burst",
    "2",
    "--max-rate",
    "50",
    "--flood-timeout",
    "1",
  ]);
  await using flooder = await IrcClient.registered(server.ircPort, "Flooder");
  await using jay = await RawClient.registered(server.port, "Jay", EXTENSIONS);
  const lines = Array.from({ length: 200 }, (_, i) => `PRIVMSG &chat :f${i}`);
  const sending = flooder.send(...lines).catch(() => {});
  await flooder.waitFor((each) => each.command === "NOTICE" && /^Slow down/.test(each.params[1]));
  const last = await flooder.closedByServer();
  assert.equal(
    last.at(-1),
    "ERROR :Excess flood: over 50 messages per second for 1 s; disconnecting",
  );
  await sending;
  await server.stdout.waitFor(line("<dt> :: Flooder: disconnected."));
  const first = await jay.nextOfType("broadcast");
  assert.equal(first.nickname, "Flooder");
});

processTest(
  "an account's room is moderated from IRC with channel modes, TOPIC and KICK, seen by JSON users",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0"]);
    {
      await using owner = await RawClient.registered(server.port, "Olga", EXTENSIONS);
      await owner.sendMessage({ type: "account", action: "register", password: "olga's secret" });
      await owner.nextOfType("account");
    }
    await server.stdout.waitFor(line("<dt> :: Olga: disconnected."));
    await using olga = await IrcClient.connect(server.ircPort);
    await olga.send("PASS :olga's secret", "NICK Olga", "USER olga 0 * :Olga");
    await olga.waitFor((each) => each.command === "366");
    await olga.send("JOIN #lab");
    // The room is Olga's (she has an account): she is opped once it is made.
    await olga.waitFor(/^:\S+ MODE #lab \+o Olga$/);

    await using jay = await RawClient.registered(server.port, "Jay", [
      ...EXTENSIONS,
      "moderated",
      "topic",
    ]);
    await jay.sendMessage({ type: "join", room: "#lab" });
    await jay.nextOfType("joined");
    await olga.waitFor(/^:Jay!Jay@chat JOIN #lab$/);

    // TOPIC and +m reach the JSON user; a guest may not speak in a moderated room.
    await olga.send("TOPIC #lab :Homework 3");
    assert.equal((await jay.nextOfType("topic")).topic, "Homework 3");
    await olga.waitFor(/ TOPIC #lab :Homework 3$/);
    await olga.send("MODE #lab +m");
    await olga.waitFor(/ MODE #lab \+m$/);
    await jay.sendMessage({ type: "room", room: "#lab", message: "may I?" });
    assert.match(String((await jay.nextOfType("error")).message), /is moderated/);
    await olga.send("MODE #lab");
    await olga.waitFor((each) => each.command === "324" && each.params[2] === "+mnt");

    // A guest cannot be a moderator; KICK puts it out, and it is told.
    await olga.send("MODE #lab +o Jay");
    await olga.waitFor((each) => each.command === "NOTICE" && /is a guest/.test(each.params[1]));
    await olga.send("KICK #lab Jay :enough");
    const kicked = await jay.nextOfType("moderated");
    assert.deepEqual([kicked.action, kicked.nickname, kicked.reason], ["kick", "Jay", "enough"]);
    await olga.waitFor(/^:Olga!~olga@irc KICK #lab Jay :enough$/);

    // Someone who is not a moderator gets 482.
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy");
    await ivy.send("JOIN #lab", "KICK #lab Olga");
    await ivy.waitFor((each) => each.command === "482" && each.params[1] === "#lab");
  },
);

processTest(
  "a guest's channel is moderated by its maker: +o on JOIN, @ in NAMES, +m, TOPIC, +o, +i and KICK",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0"]);
    await using gus = await IrcClient.registered(server.ircPort, "Gus");
    await gus.send("JOIN #g");
    // Its maker is opped, and NAMES says so.
    const own = await gus.waitFor((each) => each.command === "353");
    assert.equal(own.params.at(-1), "@Gus");
    await gus.waitFor(/^:\S+ MODE #g \+o Gus$/);
    await using hal = await IrcClient.registered(server.ircPort, "Hal");
    await hal.send("JOIN #g");
    const names = await hal.waitFor((each) => each.command === "353");
    assert.deepEqual(names.params.at(-1)!.split(" ").sort(), ["@Gus", "Hal"]);
    await gus.waitFor(/^:Hal!~hal@irc JOIN #g$/);
    // The ban list clients ask for on joining reads as empty to a member (no refusal shown).
    await hal.send("MODE #g b");
    const bans = await hal.waitFor((each) => each.command === "368" || each.command === "NOTICE");
    assert.deepEqual([bans.command, ...bans.params.slice(0, 2)], ["368", "Hal", "#g"]);

    await gus.send("MODE #g +m");
    await hal.waitFor(/^:Gus!~gus@irc MODE #g \+m$/);
    await gus.send("TOPIC #g :guests rule");
    await hal.waitFor(/^:Gus!~gus@irc TOPIC #g :guests rule$/);
    // Hal may neither speak nor moderate; made an operator, he may.
    await hal.send("PRIVMSG #g :may I?", "TOPIC #g :mine");
    await hal.waitFor((each) => each.command === "404" && each.params[1] === "#g");
    await hal.waitFor((each) => each.command === "482" && each.params[1] === "#g");
    await gus.send("MODE #g +o Hal");
    await hal.waitFor(/^:Gus!~gus@irc MODE #g \+o Hal$/);
    await hal.send("PRIVMSG #g :thanks");
    await gus.waitFor(/^:Hal!~hal@irc PRIVMSG #g :thanks$/);
    await gus.send("MODE #g -o Hal");
    await hal.waitFor(/^:Gus!~gus@irc MODE #g -o Hal$/);

    // +i is IRC's invite-only channel: only its operators invite; the invited may join.
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy");
    await gus.send("MODE #g +i");
    await hal.waitFor(/^:Gus!~gus@irc MODE #g \+i$/);
    await ivy.send("JOIN #g");
    await ivy.waitFor((each) => each.command === "473" && each.params[1] === "#g");
    await hal.send("INVITE Ivy #g");
    await hal.waitFor((each) => each.command === "482" && each.params[1] === "#g");
    await gus.send("INVITE Ivy #g");
    await gus.waitFor((each) => each.command === "341" && each.params[1] === "Ivy");
    await ivy.waitFor(/^:Gus!~gus@irc INVITE Ivy #g$/);
    await ivy.send("JOIN #g");
    await ivy.waitFor((each) => each.command === "366" && each.params[1] === "#g");
    await ivy.send("PART #g");
    await gus.waitFor(/^:Ivy!~ivy@irc PART #g/);
    await gus.send("MODE #g -i");
    await hal.waitFor(/^:Gus!~gus@irc MODE #g -i$/);

    // KICK puts a guest out; the room's WHO shows who moderates it.
    await gus.send("KICK #g Hal :enough");
    await hal.waitFor(/^:Gus!~gus@irc KICK #g Hal :enough$/);
    await gus.waitFor(/^:Gus!~gus@irc KICK #g Hal :enough$/);
    await gus.send("WHO #g");
    const who = await gus.waitFor((each) => each.command === "352");
    assert.match(who.params[6], /@/);
    // Without a reason, a KICK's comment is the kicker's nickname.
    await hal.send("JOIN #g");
    await gus.waitFor(/^:Hal!~hal@irc JOIN #g$/);
    await gus.send("KICK #g Hal");
    await hal.waitFor(/^:Gus!~gus@irc KICK #g Hal :Gus$/);
    // Emptied, the room is gone with its modes: made again, it starts from +nt.
    await gus.send("PART #g", "JOIN #g");
    await gus.waitFor((each) => each.command === "366" && each.params[1] === "#g");
    await gus.send("MODE #g +m");
    await gus.waitFor(/^:Gus!~gus@irc MODE #g \+m$/);
  },
);

processTest(
  "OPER with an operator account's password makes an IRC connection a server operator: 381 " +
    "and +o, then KILL, WALLOPS and any room's KICK; 464 and 491 otherwise, throttled",
  async () => {
    await using server = await ServerProgram.start(["--irc-port", "0", "--operator", "alice"]);
    {
      await using alice = await RawClient.registered(server.port, "alice", EXTENSIONS);
      await alice.sendMessage({ type: "account", action: "register", password: "alice's secret" });
      await alice.nextOfType("account");
    }
    await server.stdout.waitFor(line("<dt> :: alice: disconnected."));
    // Bob's room, where Jay is; Ivy is nobody there.
    await using bob = await RawClient.registered(server.port, "Bob", EXTENSIONS);
    await bob.sendMessage({ type: "account", action: "register", password: "bob's secret" });
    await bob.nextOfType("account");
    await bob.sendMessage({ type: "join", room: "#lab" });
    await using jay = await RawClient.registered(server.port, "Jay", [
      ...EXTENSIONS,
      "moderated",
      "announcement",
    ]);
    await jay.sendMessage({ type: "join", room: "#lab" });
    await jay.nextOfType("joined");
    await using ivy = await IrcClient.registered(server.ircPort, "Ivy");
    await ivy.send("JOIN #lab");
    await ivy.waitFor((each) => each.command === "366" && each.params[1] === "#lab");
    await ivy.send("KICK #lab Jay");
    await ivy.waitFor((each) => each.command === "482");

    // Not an operator account: 491; a wrong password: 464; too few words: 461.
    await ivy.send("OPER Bob bob's secret");
    const none = await ivy.waitFor((each) => each.command === "491");
    assert.equal(none.params[0], "Ivy");
    await ivy.send("OPER alice nottheoperpassword");
    const wrong = await ivy.waitFor((each) => each.command === "464");
    assert.deepEqual(wrong.params, ["Ivy", "Wrong password for alice"]);
    await ivy.send("OPER alice");
    await ivy.waitFor((each) => each.command === "461");
    await ivy.send("WALLOPS :not yet");
    await ivy.waitFor((each) => each.command === "481");

    // The right one: 381, then +o, and every check after says so. A line sent while the password
    // is checked is answered after it, in order (clients sync on a PING).
    await ivy.send("OPER alice :alice's secret", "PING :after-oper");
    const yes = await ivy.next();
    assert.deepEqual([yes.command, yes.params[0]], ["381", "Ivy"]);
    assert.equal((await ivy.next()).raw, ":Ivy!~ivy@irc MODE Ivy +o");
    assert.deepEqual((await ivy.next()).params.at(-1), "after-oper");
    await server.stdout.waitFor(line("<dt> :: Ivy (operator): OPER as alice."));
    await ivy.send("MODE Ivy");
    await ivy.waitFor((each) => each.command === "221" && each.params[1] === "+iwo");
    await jay.sendMessage({ type: "list" });
    assert.deepEqual((await jay.nextOfType("list")).operators, ["Ivy"]);
    // WALLOPS reaches everyone: IRC users with +w (all, from registration) as WALLOPS.
    await using lea = await IrcClient.registered(server.ircPort, "Lea");
    await using max = await IrcClient.registered(server.ircPort, "Max");
    await max.send("MODE Max -w");
    assert.equal(
      (await max.waitFor((each) => each.command === "MODE")).raw,
      ":Max!~max@irc MODE Max -w",
    );
    await ivy.send("WALLOPS :hello from IRC");
    assert.equal((await jay.nextOfType("announcement")).message, "hello from IRC");
    const wallops = ":Ivy!~ivy@irc WALLOPS :hello from IRC";
    assert.equal((await ivy.waitFor((each) => each.command === "WALLOPS")).raw, wallops);
    assert.equal((await lea.waitFor((each) => each.command === "WALLOPS")).raw, wallops);
    // Max, with -w, is not sent it: the next line it reads is its PING's answer.
    await max.send("PING :after-wallops");
    const after = await max.waitFor((each) =>
      each.command === "PONG" || each.command === "WALLOPS"
    );
    assert.equal(after.command, "PONG");
    // An operator moderates every room, Bob's too.
    await ivy.send("KICK #lab Jay :out");
    const kicked = await jay.nextOfType("moderated");
    assert.deepEqual([kicked.action, kicked.nickname, kicked.by], ["kick", "Jay", "Ivy"]);
    await server.stdout.waitFor(line("<dt> :: Ivy (operator): kick Jay in #lab: out."));

    // Failed attempts are throttled as failed logins are.
    await using kim = await IrcClient.registered(server.ircPort, "Kim");
    let answer = "";
    for (let tries = 0; tries < 10 && !/^Too many failed logins/.test(answer); tries++) {
      await kim.send("OPER alice guess");
      answer = (await kim.waitFor((each) => each.command === "464")).params[1];
    }
    assert.match(answer, /^Too many failed logins for alice: try again in \d+ s$/);
    // The operator puts the guesser out.
    await ivy.send("KILL Kim :guessing");
    assert.match((await kim.closedByServer()).at(-1)!, /^ERROR :.*guessing/);
  },
);
