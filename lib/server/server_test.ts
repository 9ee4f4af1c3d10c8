/**
 * The server's limits and its answers to bad input, tested against a real ChatServer process
 * over 127.0.0.1 (see integration_test.ts for the spec's baseline behaviour).
 *
 * It stays one file: each section (limits, bad input, the chat's features on the wire) drives the
 * same server program through the same helpers, and reads as the list of what the edge promises.
 */

import assert from "node:assert/strict";
import { EXTENSION_TYPES, MAX_FRAME_BYTES } from "../../protocol.ts";
import { chatLine, line, processTest, ServerProgram } from "../tools/testing.ts";
import { RawClient } from "../tools/raw_client.ts";

// ---------------------------------------------------------------------------
// Limits

processTest("a connection that does not register in time is closed with an error", async () => {
  await using server = await ServerProgram.start(["--register-timeout", "0.5"]);
  await using silent = await RawClient.connect(server.port);
  await using member = await RawClient.registered(server.port, "Member");
  assert.deepEqual(await silent.next(), {
    type: "error",
    message: "Registration timeout: not registered within 0.5 s",
  });
  await silent.closedByServer();
  // The registered client is not affected.
  await member.send(chatLine("still here"));
  await server.stdout.waitFor(/Client-Nickname:Member, .*Msg-Size:10$/);
});

processTest("past --max-clients a new connection gets an error and is closed at once", async () => {
  await using server = await ServerProgram.start(["--max-clients", "2"]);
  await using first = await RawClient.registered(server.port, "First");
  await using second = await RawClient.connect(server.port);
  await using third = await RawClient.connect(server.port);
  assert.deepEqual(await third.next(), {
    type: "error",
    message: "Server full: 2 connections already; try again later",
  });
  await third.closedByServer();
  await server.stdout.waitFor(/ :: refused 127\.0\.0\.1:\d+: Server full/);
  // Once a place is free, a newcomer is let in.
  await second.close();
  const retry = async (): Promise<RawClient> => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const client = await RawClient.connect(server.port);
      await client.register("Fourth");
      const reply = await client.next();
      if (reply.type === "welcome") return client;
      await client.close();
    }
    throw new Error("Never let in");
  };
  await using fourth = await retry();
  await fourth.send(chatLine("let in"));
  assert.equal((await first.nextOfType("broadcast")).message, "let in");
});

processTest(
  "--max-per-ip caps connections from one address, loopback only with --limit-loopback",
  async () => {
    await using limited = await ServerProgram.start(["--max-per-ip", "2", "--limit-loopback"]);
    await using a = await RawClient.registered(limited.port, "A");
    await using b = await RawClient.registered(limited.port, "B");
    await using c = await RawClient.connect(limited.port);
    assert.deepEqual(await c.next(), {
      type: "error",
      message: "Too many connections from 127.0.0.1: the limit is 2",
    });
    await c.closedByServer();
    await a.send(chatLine("A and B still chat"));
    assert.equal((await b.nextOfType("broadcast")).message, "A and B still chat");

    // Without --limit-loopback, a lab machine where everyone runs locally is not capped.
    await using open = await ServerProgram.start(["--max-per-ip", "2"]);
    await using x = await RawClient.registered(open.port, "X");
    await using y = await RawClient.registered(open.port, "Y");
    await using z = await RawClient.registered(open.port, "Z");
    await z.send(chatLine("three from one address"));
    assert.equal((await x.nextOfType("broadcast")).message, "three from one address");
    assert.equal((await y.nextOfType("broadcast")).message, "three from one address");
  },
);

processTest(
  "past the burst a client's messages are delayed to the rate, in order, none dropped",
  async () => {
    await using server = await ServerProgram.start(["--burst", "5", "--max-rate", "20"]);
    await using sender = await RawClient.registered(server.port, "Fast");
    await using reader = await RawClient.registered(server.port, "Reader");
    const count = 25;
    const started = Date.now();
    await sender.send(Array.from({ length: count }, (_, i) => chatLine(`m${i}`)).join(""));
    for (let i = 0; i < count; i++) {
      assert.equal((await reader.nextOfType("broadcast")).message, `m${i}`);
    }
    const elapsed = Date.now() - started;
    // 5 at once, then 20 more at 20 per second: about one second.
    assert.ok(elapsed >= 900, `took ${elapsed} ms, expected about 1000`);
    const warning = await sender.next();
    assert.equal(warning.type, "error");
    assert.match(
      String(warning.message),
      /^Slow down: past 5 messages at once, messages are handled at 20 per second/,
    );
    // Told once only: the next thing the sender hears is an ordinary reply.
    await sender.send('{"type": "nickname", "nickname": "Again", "clientID": "1"}');
    assert.match(String((await sender.next()).message), /^Already registered/);
  },
);

processTest(
  "past its byte burst a client's big messages are delayed to the byte rate, none dropped",
  async () => {
    await using server = await ServerProgram.start([
      "--byte-burst",
      "65536",
      "--byte-rate",
      "100000",
      "--max-rate",
      "0",
    ]);
    await using sender = await RawClient.registered(server.port, "Big");
    await using reader = await RawClient.registered(server.port, "Reader");
    const text = "y".repeat(40_000);
    const started = Date.now();
    await sender.send(Array.from({ length: 5 }, () => chatLine(text)).join(""));
    for (let i = 0; i < 5; i++) assert.equal((await reader.nextOfType("broadcast")).message, text);
    // 200 kB, of which 64 KiB at once and the rest at 100 kB per second: well over a second.
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1000, `took ${elapsed} ms`);
    assert.match(
      String((await sender.next()).message),
      /^Slow down: past 65536 bytes at once, messages are handled at 100000 bytes per second/,
    );
  },
);

processTest(
  "a client that floods past the flood timeout is disconnected; others are unaffected",
  async () => {
    await using server = await ServerProgram.start([
      "--burst",
      "2",
      "--max-rate",
      "50",
      "--flood-timeout",
      "1",
    ]);
    await using flooder = await RawClient.registered(server.port, "Flooder");
    await using calm = await RawClient.registered(server.port, "Calm");
    await using listener = await RawClient.registered(server.port, "Listener");
    // Four seconds' worth at the allowed rate, sent at once.
    const sending = flooder.send(Array.from({ length: 200 }, (_, i) => chatLine(`f${i}`)).join(""))
      .catch(() => {});
    assert.match(String((await flooder.next()).message), /^Slow down/);
    assert.deepEqual(await flooder.next(), {
      type: "error",
      message: "Excess flood: over 50 messages per second for 1 s; disconnecting",
    });
    await flooder.closedByServer();
    await sending;
    await server.stdout.waitFor(line("<dt> :: Flooder: disconnected."));
    await calm.send(chatLine("calm words"));
    const seen = await listener.nextOfType("broadcast", 15_000);
    const messages = [seen.message];
    while (messages.at(-1) !== "calm words") {
      messages.push((await listener.nextOfType("broadcast")).message);
    }
    assert.ok(messages.length > 50 && messages.length < 150, `${messages.length} delivered`);
  },
);

processTest("nicknames are unique regardless of case and must follow the rules", async () => {
  await using server = await ServerProgram.start();
  await using bob = await RawClient.registered(server.port, "Bob");
  await using other = await RawClient.connect(server.port);
  const refused = async (nickname: string, message: string) => {
    await other.send(JSON.stringify({ type: "nickname", nickname, clientID: "9" }));
    assert.deepEqual(await other.next(), { type: "error", message }, nickname);
  };
  await refused("bob", "Nickname already in use");
  await refused("BOB", "Nickname already in use");
  await refused("", 'Nickname "" must be 1 to 32 characters');
  await refused("x".repeat(33), `Nickname "${"x".repeat(33)}" must be 1 to 32 characters`);
  await refused("two words", 'Nickname "two words" must not contain white space');
  await refused("nul\0byte", 'Nickname "nul\\u0000byte" must not contain control characters');
  await refused("\x1b[2Jwipe", 'Nickname "\\u001b[2Jwipe" must not contain control characters');
  await other.send(JSON.stringify({ type: "nickname", nickname: "Bobby", clientID: "9" }));
  assert.equal((await other.next()).type, "welcome");
  assert.ok(bob, "the first Bob keeps his name");
});

// ---------------------------------------------------------------------------
// Bad input

processTest(
  "deeply nested, prototype-named and wrongly typed JSON gets errors, nothing more",
  async () => {
    await using server = await ServerProgram.start(["--max-rate", "0"]);
    await using client = await RawClient.registered(server.port, "Tester");
    await using witness = await RawClient.registered(server.port, "Witness");
    const replies = async (input: string) => {
      await client.send(input + "\n");
      return await client.next();
    };
    const depth = 30_000; // 60 KB of brackets: under the frame cap
    assert.match(
      String((await replies("[".repeat(depth) + "]".repeat(depth))).message),
      /expected a JSON object/,
    );
    assert.match(
      String(
        (await replies(`{"type":"message","message":${"[".repeat(depth)}${"]".repeat(depth)}}`))
          .message,
      ),
      /field "message" must be a string/,
    );
    assert.match(String((await replies('{"type":"__proto__"}')).message), /^Unknown message type/);
    assert.match(
      String((await replies('{"type":"constructor"}')).message),
      /^Unknown message type/,
    );
    assert.match(String((await replies('{"type":"toString"}')).message), /^Unknown message type/);
    assert.match(
      String((await replies('{"type":"message","message":{"a":1}}')).message),
      /must be a string/,
    );
    assert.match(
      String((await replies('{"type":"message","message":null}')).message),
      /missing field "message"/,
    );
    assert.match(
      String((await replies('{"type":["message"]}')).message),
      /field "type" must be a string/,
    );
    // A __proto__ key is only data: the message is relayed as sent, as a chat message.
    await client.send(
      '{"__proto__": {"type": "nickname"}, "type": "message", "message": "proto", "constructor": 1}\n',
    );
    const relayed = await witness.nextOfType("broadcast");
    assert.equal(relayed.message, "proto");
    assert.equal(relayed.nickname, "Tester");
  },
);

processTest(
  "strings just under the frame cap are relayed; over it the sender is cut off",
  async () => {
    await using server = await ServerProgram.start(["--max-rate", "0"]);
    await using sender = await RawClient.registered(server.port, "Big");
    await using reader = await RawClient.registered(server.port, "Reader");
    const overhead = chatLine("").length - 1;
    const under = "u".repeat(MAX_FRAME_BYTES - overhead - 200);
    await sender.send(chatLine(under));
    assert.equal((await reader.nextOfType("broadcast")).message, under);
    // Fits in a frame, but not once the server adds the nickname and timestamp to relay it.
    await sender.send(chatLine("v".repeat(MAX_FRAME_BYTES - overhead)));
    assert.deepEqual(await sender.next(), {
      type: "error",
      message: "Message too long: a frame may take 65536 bytes",
    });
    await sender.send(chatLine("w".repeat(MAX_FRAME_BYTES)));
    assert.deepEqual(await sender.next(), {
      type: "error",
      message: "Frame too long: the limit is 65536 bytes",
    });
    await sender.closedByServer();
    await reader.send(chatLine("the reader is fine"));
    await server.stdout.waitFor(/Client-Nickname:Reader, .*Msg-Size:18$/);
  },
);

processTest("control characters reach the server console only as escaped text", async () => {
  await using server = await ServerProgram.start();
  await using client = await RawClient.connect(server.port);
  await client.send(
    JSON.stringify({ type: "nickname", nickname: "Esc", clientID: "\x1b[31mred\x00\x07" }),
  );
  await client.nextOfType("welcome");
  await client.send(chatLine("\x1b[2J\x1b[H wiped your screen \x00"));
  const received = await server.stdout.waitFor(/Client-Nickname:Esc, /);
  assert.match(received.line, /ClientID:\\x1b\[31mred\\x00\\x07, /);
  for (const output of server.stdout.lines) {
    assert.equal(/\p{Cc}/u.test(output), false, `raw control in ${output}`);
  }
});

processTest(
  "a TLS handshake on the plain port is closed cleanly and an HTTP request gets a 400",
  async () => {
    await using server = await ServerProgram.start();
    await using tls = await RawClient.connect(server.port);
    // The start of a TLS 1.2 ClientHello.
    await tls.send(
      new Uint8Array([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]),
    );
    assert.deepEqual(await tls.lines(), []);
    await using http = await RawClient.connect(server.port);
    await http.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const response = await http.lines();
    assert.equal(response[0], "HTTP/1.1 400 Bad Request\r");
    assert.equal(
      response.at(-1),
      "This is a chat server: it speaks JSON Lines and CHAT/1.0 over TCP, not HTTP.",
    );
    await using after = await RawClient.registered(server.port, "After");
    assert.ok(after);
  },
);

processTest(
  "a client that resets its connection mid-frame is dropped; the others carry on",
  async () => {
    await using server = await ServerProgram.start();
    await using witness = await RawClient.registered(server.port, "Witness");
    const resetter = await RawClient.connect(server.port);
    await resetter.register("Resetter");
    await server.stdout.waitFor(line("<dt> :: Resetter: connected."));
    // Half a frame, then close without reading the welcome: unread data makes the close a reset.
    await resetter.send('{"type": "message", "message": "half a fr');
    resetter.conn.close();
    await server.stdout.waitFor(line("<dt> :: Resetter: disconnected."));
    await resetter.close();
    await using other = await RawClient.registered(server.port, "Other");
    await other.send(chatLine("carry on"));
    assert.equal((await witness.nextOfType("broadcast")).message, "carry on");
  },
);

// ---------------------------------------------------------------------------
// Chat features

/** Registers a client that understands every extension. */
function extended(port: number, nickname: string): Promise<RawClient> {
  return RawClient.registered(port, nickname, EXTENSION_TYPES);
}

/** The next message, with its timestamp checked and dropped so messages compare whole. */
async function next(client: RawClient): Promise<Record<string, unknown>> {
  const message = await client.next();
  if ("timestamp" in message) {
    assert.ok(!Number.isNaN(Date.parse(String(message.timestamp))), "a timestamp");
    delete message.timestamp;
  }
  return message;
}

processTest(
  "extension clients hear who joins, leaves and changes name; baseline clients do not",
  async () => {
    await using server = await ServerProgram.start();
    await using ext = await extended(server.port, "Ext");
    await using base = await RawClient.registered(server.port, "Base");
    assert.deepEqual(await next(ext), { type: "joined", nickname: "Base" });
    await using carol = await extended(server.port, "Carol");
    assert.deepEqual(await next(ext), { type: "joined", nickname: "Carol" });
    await carol.sendMessage({ type: "nick", nickname: "Caz" });
    assert.deepEqual(await next(carol), { type: "nick", old: "Carol", nickname: "Caz" });
    assert.deepEqual(await next(ext), { type: "nick", old: "Carol", nickname: "Caz" });
    await carol.sendMessage({ type: "disconnect" });
    assert.deepEqual(await next(ext), { type: "left", nickname: "Caz", reason: "disconnected" });
    const dropped = await extended(server.port, "Dropped");
    assert.deepEqual(await next(ext), { type: "joined", nickname: "Dropped" });
    await dropped.close();
    assert.deepEqual(await next(ext), {
      type: "left",
      nickname: "Dropped",
      reason: "connection lost",
    });
    // All the while the baseline client heard none of it: its next message is this broadcast.
    await ext.sendMessage({ type: "message", message: "only chat for you" });
    assert.deepEqual(await next(base), {
      type: "broadcast",
      nickname: "Ext",
      message: "only chat for you",
    });
    await server.stdout.waitFor(line("<dt> :: Carol: changed nickname to Caz."));
  },
);

processTest(
  "a private message reaches exactly one user; to one who left, a clear error",
  async () => {
    await using server = await ServerProgram.start();
    await using alice = await extended(server.port, "Alice");
    await using bob = await extended(server.port, "Bob");
    await using carol = await extended(server.port, "Carol");
    await using _base = await RawClient.registered(server.port, "Base");
    await alice.sendMessage({ type: "private", to: "bob", message: "just for you" });
    assert.deepEqual(await bob.nextOfType("private").then((m) => (delete m.timestamp, m)), {
      type: "private",
      nickname: "Alice",
      message: "just for you",
    });
    await server.stdout.waitFor(line("<dt> :: Alice: private message to Bob, Msg-Size:12"));
    assert.equal(
      server.stdout.lines.some((l) => l.includes("just for you")),
      false,
      "never printed",
    );
    await alice.sendMessage({ type: "private", to: "Base", message: "hello?" });
    assert.deepEqual(await alice.nextOfType("error"), {
      type: "error",
      message: 'User "Base" cannot receive private messages: their client does not support them',
    });
    await bob.sendMessage({ type: "disconnect" });
    await server.stdout.waitFor(line("<dt> :: Bob: disconnected."));
    await alice.sendMessage({ type: "private", to: "Bob", message: "are you there?" });
    assert.deepEqual(await alice.nextOfType("error"), {
      type: "error",
      message: 'No such user "Bob"',
    });
    // Carol got none of it: her next chat message is the one sent to everyone now.
    await alice.sendMessage({ type: "message", message: "public" });
    const messages: unknown[] = [];
    for (let m = await carol.next(); m.type !== "broadcast"; m = await carol.next()) {
      messages.push(
        m.type,
      );
    }
    assert.deepEqual(
      messages,
      ["joined", "left"],
      "Carol saw Base come and Bob go, no private line",
    );
    assert.equal(server.stdout.lines.some((l) => l.includes("are you there")), false);
  },
);

processTest(
  "two rooms with overlapping members: each message reaches its room's other members only",
  async () => {
    await using server = await ServerProgram.start();
    await using alice = await extended(server.port, "Alice");
    await using bob = await extended(server.port, "Bob");
    await using carol = await extended(server.port, "Carol");
    // Joins a room and returns the confirmation (past notices of others joining the chat).
    const joinRoom = async (client: RawClient, room: string) => {
      await client.sendMessage({ type: "join", room });
      while (true) {
        const joined = await client.nextOfType("joined");
        if (joined.members !== undefined) return joined;
      }
    };
    assert.deepEqual((await joinRoom(alice, "#x")).members, ["Alice"]);
    assert.deepEqual((await joinRoom(alice, "#Y")).members, ["Alice"]);
    assert.deepEqual(
      (await joinRoom(bob, "#X")).members,
      ["Alice", "Bob"],
      "names match in any case",
    );
    assert.deepEqual((await joinRoom(carol, "#y")).members, ["Alice", "Carol"]);
    const bobInX = await alice.nextOfType("joined");
    assert.deepEqual([bobInX.nickname, bobInX.room], ["Bob", "#x"]);
    await alice.sendMessage({ type: "room", room: "#x", message: "for x" });
    await alice.sendMessage({ type: "room", room: "#y", message: "for y" });
    const bobHears = await bob.nextOfType("room");
    assert.deepEqual([bobHears.room, bobHears.nickname, bobHears.message], [
      "#x",
      "Alice",
      "for x",
    ]);
    const carolHears = await carol.nextOfType("room");
    assert.deepEqual([carolHears.room, carolHears.message], ["#Y", "for y"]);
    await server.stdout.waitFor(
      line("<dt> :: Alice: message to #x, Msg-Size:5, delivered to: Bob"),
    );
    assert.equal(
      server.stdout.lines.some((l) => l.includes("for x")),
      false,
      "room text never printed",
    );
    // Only members may post.
    await bob.sendMessage({ type: "room", room: "#y", message: "let me in" });
    assert.deepEqual(await bob.nextOfType("error"), {
      type: "error",
      message: 'Not in room "#Y": join it first',
    });
    await bob.sendMessage({ type: "room", room: "#z", message: "hello?" });
    assert.deepEqual(await bob.nextOfType("error"), {
      type: "error",
      message: 'No such room "#z"',
    });
    // Leaving, and a room with no members disappears.
    await bob.sendMessage({ type: "leave", room: "#x" });
    assert.deepEqual(await bob.nextOfType("left").then((m) => m.room), "#x");
    assert.deepEqual(await alice.nextOfType("left").then((m) => [m.nickname, m.room]), [
      "Bob",
      "#x",
    ]);
    await alice.sendMessage({ type: "leave", room: "#x" });
    await alice.nextOfType("left");
    await carol.sendMessage({ type: "list" });
    assert.deepEqual(await carol.nextOfType("list"), {
      type: "list",
      users: ["Alice", "Bob", "Carol"],
      rooms: [{ room: "#Y", members: ["Alice", "Carol"] }],
    });
    // A disconnect takes Alice out of #Y too.
    await alice.sendMessage({ type: "disconnect" });
    await carol.nextOfType("left");
    await carol.sendMessage({ type: "list" });
    assert.deepEqual((await carol.nextOfType("list")).rooms, [{ room: "#Y", members: ["Carol"] }]);
  },
);

processTest(
  "a nickname change keeps room memberships and every later message carries the new name",
  async () => {
    await using server = await ServerProgram.start();
    await using alice = await extended(server.port, "Alice");
    await using bob = await extended(server.port, "Bob");
    await alice.sendMessage({ type: "join", room: "#lab" });
    await alice.nextOfType("joined");
    await bob.sendMessage({ type: "join", room: "#lab" });
    await bob.nextOfType("joined");
    await alice.sendMessage({ type: "nick", nickname: "BOB" });
    assert.deepEqual(await alice.nextOfType("error"), {
      type: "error",
      message: "Nickname already in use",
    });
    await alice.sendMessage({ type: "nick", nickname: "has space" });
    assert.match(String((await alice.nextOfType("error")).message), /must not contain white space/);
    await alice.sendMessage({ type: "nick", nickname: "#room" });
    assert.match(String((await alice.nextOfType("error")).message), /must not start with "#"/);
    await alice.sendMessage({ type: "nick", nickname: "Ada" });
    assert.equal((await bob.nextOfType("nick")).nickname, "Ada");
    await alice.sendMessage({ type: "room", room: "#lab", message: "same room, new name" });
    assert.equal((await bob.nextOfType("room")).nickname, "Ada");
    await alice.sendMessage({ type: "message", message: "to all" });
    assert.equal((await bob.nextOfType("broadcast")).nickname, "Ada");
    await bob.sendMessage({ type: "private", to: "ada", message: "hi Ada" });
    assert.equal((await alice.nextOfType("private")).message, "hi Ada");
    await bob.sendMessage({ type: "list" });
    assert.deepEqual(await bob.nextOfType("list"), {
      type: "list",
      users: ["Ada", "Bob"],
      rooms: [{ room: "#lab", members: ["Ada", "Bob"] }],
    });
    // The old name is free again.
    await using newcomer = await extended(server.port, "Alice");
    assert.ok(newcomer);
  },
);

processTest("room names follow the rules", async () => {
  await using server = await ServerProgram.start();
  await using alice = await extended(server.port, "Alice");
  const refused = async (room: string, pattern: RegExp) => {
    await alice.sendMessage({ type: "join", room });
    assert.match(String((await alice.nextOfType("error")).message), pattern, room);
  };
  await refused("lab", /must be "#" and 1 to 31 more characters/);
  await refused("#", /must be "#" and 1 to 31 more characters/);
  await refused("#" + "x".repeat(32), /must be "#" and 1 to 31 more characters/);
  await refused("#two words", /must not contain white space or control characters/);
  await refused("#bell\x07", /must not contain white space or control characters/);
  await alice.sendMessage({ type: "leave", room: "#nowhere" });
  assert.deepEqual(await alice.nextOfType("error"), {
    type: "error",
    message: 'Not in room "#nowhere"',
  });
});
