import assert from "node:assert/strict";
import { ChatSession } from "./chat_session.ts";
import type { ClientUi, LineSource } from "./session.ts";
import { within } from "../tools/testing.ts";
import { RawClient } from "../tools/raw_client.ts";

/** Lines typed by a pretend user, and everything the session shows. */
class FakeUser implements ClientUi, LineSource {
  readonly printed: string[] = [];
  readonly prompts: string[] = [];
  #lines: (string | null)[] = [];
  #waiting: ((line: string | null) => void) | undefined;

  type(line: string | null): void {
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      resolve(line);
    } else this.#lines.push(line);
  }

  next(): Promise<string | null> {
    if (this.#lines.length > 0) return Promise.resolve(this.#lines.shift()!);
    return new Promise((resolve) => this.#waiting = resolve);
  }

  print(line: string): void {
    this.printed.push(line);
  }

  hint(): void {
    // Hints are for terminals.
  }

  setPrompt(prompt: string): void {
    this.prompts.push(prompt);
  }
}

const FIXED_NOW = new Date(2024, 2, 21, 10, 30, 0);

/** Runs a session against a fake server driven by `serve`, and returns how it ended. */
async function withFakeServer(
  user: FakeUser,
  serve: (server: RawClient) => Promise<void>,
  options: { registrationReplyMs?: number; disconnectAckMs?: number } = {},
  created?: (session: ChatSession) => void,
) {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = RawClient.from(await listener.accept());
  const session = new ChatSession(conn, {
    nickname: "Alice",
    clientID: "001",
    ui: user,
    now: () => FIXED_NOW,
    ...options,
  });
  created?.(session);
  try {
    const [end] = await within(Promise.all([session.run(user), serve(server)]), 10_000, "session");
    return { end, stats: session.stats };
  } finally {
    await server.close();
  }
}

Deno.test("ChatSession registers, sends typed lines, and leaves after the acknowledgement", async () => {
  const user = new FakeUser();
  const { end, stats } = await withFakeServer(user, async (server) => {
    assert.deepEqual(await server.next(), {
      type: "nickname",
      nickname: "Alice",
      clientID: "001",
      timestamp: FIXED_NOW.toISOString(),
      extensions: [
        "private",
        "room",
        "joined",
        "left",
        "nick",
        "list",
        "login",
        "account",
        "queued",
        "history",
        "offer",
        "unread",
        "topic",
        "roominfo",
        "invited",
        "moderated",
        "bans",
        "announcement",
        "operator",
      ],
    });
    await server.send('{"type":"welcome","nickname":"Alice","clientID":"001"}\n');
    // A server that acknowledges is asked who is there.
    assert.deepEqual(await server.next(), { type: "list" });
    user.type("Hello 😀");
    user.type("   ");
    user.type("disconnect");
    assert.deepEqual(await server.next(), {
      type: "message",
      nickname: "Alice",
      message: "Hello 😀",
      timestamp: FIXED_NOW.toISOString(),
    });
    assert.deepEqual(await server.next(), {
      type: "disconnect",
      nickname: "Alice",
      clientID: "001",
    });
    await server.send('{"type":"goodbye"}\n');
  });
  assert.equal(end, "disconnected");
  assert.equal(stats.messagesSent, 1, "a blank line is not sent");
  assert.equal(stats.charsSent, 7);
  assert.deepEqual(user.prompts, ["Alice> "]);
});

Deno.test("ChatSession shows the server's refusal and registers again with the next line", async () => {
  const user = new FakeUser();
  const { end } = await withFakeServer(user, async (server) => {
    await server.next();
    await server.send('{"type":"error","message":"Name taken, pick another"}');
    user.type("bad\x07name");
    user.type("Alicia");
    const second = await server.next();
    assert.equal(second.type, "nickname");
    assert.equal(second.nickname, "Alicia");
    await server.send('{"type":"welcome"}');
    assert.deepEqual(await server.next(), { type: "list" });
    user.type(null);
    assert.equal((await server.next()).nickname, "Alicia", "the disconnect names the new nickname");
    await server.send('{"type":"goodbye"}');
  });
  assert.equal(end, "disconnected");
  assert.deepEqual(user.printed, [
    'Nickname "Alice" refused: Name taken, pick another',
    'Nickname "bad\\u0007name" must not contain control characters',
  ]);
  assert.deepEqual(user.prompts, [
    "Choose another nickname: ",
    "Choose another nickname: ",
    "Alicia> ",
  ]);
});

Deno.test("ChatSession carries on when the server acknowledges nothing", async () => {
  const user = new FakeUser();
  user.type("typed before any reply");
  user.type(null);
  const { end, stats } = await withFakeServer(user, async (server) => {
    await server.next();
    // Silence: the session assumes the registration went through.
    assert.equal((await server.next()).message, "typed before any reply");
    assert.equal((await server.next()).type, "disconnect");
    // No goodbye either: the session leaves after its short wait.
  }, { registrationReplyMs: 100, disconnectAckMs: 100 });
  assert.equal(end, "disconnected");
  assert.equal(stats.messagesSent, 1);
});

Deno.test("ChatSession shows incoming messages, counts them, and ignores unknown types", async () => {
  const user = new FakeUser();
  const { stats } = await withFakeServer(user, async (server) => {
    await server.next();
    await server.send(
      '{"type":"welcome"}' +
        '{"type":"broadcast","nickname":"John","message":"héllo","timestamp":"2024-03-21T09:15:00"}' +
        '{"type":"something-new","data":[1,2]}\n' +
        '{"type":"broadcast","nickname":"Eve","message":"\\u001b[2Jboo","timestamp":"garbage"}\n' +
        '{"type":"error","message":"Slow down"}\n' +
        '{"type":"shutdown","message":"bye"}\n',
    );
  });
  assert.deepEqual(user.printed, [
    "2024-03-21 09:15:00 :: John: héllo",
    "2024-03-21 10:30:00 :: Eve: \\x1b[2Jboo",
    "Error from server: Slow down",
  ]);
  assert.equal(stats.messagesReceived, 2);
  assert.equal(stats.charsReceived, 5 + 7, "héllo, then ESC [ 2 J b o o");
});

Deno.test("ChatSession ends with 'shutdown' on the server's notice and 'lost' on a dropped connection", async () => {
  const shutdown = await withFakeServer(new FakeUser(), async (server) => {
    await server.next();
    await server.send('{"type":"shutdown","message":"Server is shutting down"}\n');
  });
  assert.equal(shutdown.end, "shutdown");
  const lost = await withFakeServer(new FakeUser(), async (server) => {
    await server.next();
    await server.close();
  });
  assert.equal(lost.end, "lost");
});

Deno.test("ChatSession shows the reply to the user's /list, not to its own earlier request", async () => {
  const user = new FakeUser();
  await withFakeServer(user, async (server) => {
    await server.next();
    await server.send('{"type":"welcome"}\n');
    user.type("/list");
    assert.deepEqual(await server.next(), { type: "list" }, "the session's own request");
    assert.deepEqual(await server.next(), { type: "list" }, "the user's");
    await server.send('{"type":"list","users":["Alice"],"rooms":[]}\n');
    await server.send(
      '{"type":"list","users":["Alice","Bob"],"rooms":[{"room":"#lab","members":["Bob"]}]}\n',
    );
    await server.send('{"type":"shutdown"}\n');
  });
  assert.deepEqual(user.printed, ["Connected (2): Alice, Bob", "Rooms (1): #lab (Bob)"]);
});

Deno.test("ChatSession completes commands, nicknames and rooms", async () => {
  const user = new FakeUser();
  let session: ChatSession | undefined;
  await withFakeServer(
    user,
    async (server) => {
      await server.next();
      await server.send('{"type":"welcome"}\n');
      await server.next();
      await server.send(
        '{"type":"list","users":["Alice","Bob","bea"],"rooms":[{"room":"#lab","members":["Bob"]}]}\n',
      );
      await server.send('{"type":"joined","nickname":"Ben"}\n{"type":"shutdown"}\n');
    },
    {},
    (created) => session = created,
  );
  assert.deepEqual(session!.complete("/w"), [["/whisper", "/w", "/wall"], "/w"]);
  assert.deepEqual(session!.complete("/j"), [["/join"], "/j"]);
  assert.deepEqual(session!.complete("/w b"), [["bea", "Ben", "Bob"], "b"]);
  assert.deepEqual(session!.complete("/join #l"), [["#lab"], "#l"]);
});

Deno.test("ChatSession logs in with the next line when the server asks for the account's password", async () => {
  const user = new FakeUser();
  user.type("wrong password");
  const { end } = await withFakeServer(user, async (server) => {
    await server.next();
    await server.send('{"type":"login","nickname":"ALICE"}\n');
    assert.deepEqual(await server.next(), { type: "login", password: "wrong password" });
    await server.send('{"type":"error","message":"Wrong password for ALICE"}\n');
    // Asked again: the same nickname, then the right password.
    user.type("Alice");
    assert.equal((await server.next()).nickname, "Alice");
    await server.send('{"type":"login","nickname":"ALICE"}\n');
    user.type("right password");
    assert.deepEqual(await server.next(), { type: "login", password: "right password" });
    await server.send('{"type":"welcome","nickname":"Alice"}\n');
    assert.deepEqual(await server.next(), { type: "list" });
    await server.send('{"type":"shutdown"}\n');
  });
  assert.equal(end, "shutdown");
  assert.deepEqual(user.printed, ['Nickname "Alice" refused: Wrong password for ALICE']);
});

Deno.test("ChatSession acknowledges each message kept while away and marks history", async () => {
  const user = new FakeUser();
  const { stats } = await withFakeServer(user, async (server) => {
    await server.next();
    await server.send(
      '{"type":"welcome"}\n' +
        '{"type":"private","nickname":"Bob","message":"one","timestamp":"2024-03-20T08:00:00",' +
        '"offline":true,"id":7}\n' +
        '{"type":"private","nickname":"Bob","message":"two","timestamp":"2024-03-20T08:01:00",' +
        '"offline":true,"id":9}\n' +
        '{"type":"broadcast","nickname":"Eve","message":"old news","timestamp":"2024-03-20T09:00:00",' +
        '"history":true}\n' +
        '{"type":"history","count":1,"earlier":57}\n',
    );
    assert.deepEqual(await server.next(), { type: "list" });
    assert.deepEqual(await server.next(), { type: "ack", id: 7 });
    assert.deepEqual(await server.next(), { type: "ack", id: 9 });
    await server.send('{"type":"queued","to":"Bob"}\n{"type":"shutdown"}\n');
  });
  assert.deepEqual(user.printed, [
    "2024-03-20 08:00:00 :: [private, while you were away] Bob: one",
    "2024-03-20 08:01:00 :: [private, while you were away] Bob: two",
    "2024-03-20 09:00:00 :: [history] Eve: old news",
    "57 earlier messages: /history 58",
    "Bob is offline: your message will be delivered when they return",
  ]);
  assert.equal(stats.messagesReceived, 2, "history is not counted as received again");
});

Deno.test("ChatSession sends /register, /password, /unregister and /history", async () => {
  const user = new FakeUser();
  await withFakeServer(user, async (server) => {
    await server.next();
    await server.send('{"type":"welcome"}\n');
    await server.next();
    user.type("/register");
    user.type("short");
    user.type("/register");
    user.type("long enough");
    assert.deepEqual(await server.next(), {
      type: "account",
      action: "register",
      password: "long enough",
    });
    await server.send('{"type":"account","action":"register","nickname":"Alice"}\n');
    user.type("/password");
    user.type("another one");
    assert.deepEqual(await server.next(), {
      type: "account",
      action: "password",
      password: "another one",
    });
    user.type("/unregister");
    assert.deepEqual(await server.next(), { type: "account", action: "unregister" });
    user.type("/history 5 #lab");
    assert.deepEqual(await server.next(), { type: "history", room: "#lab", count: 5 });
    await server.send('{"type":"history","room":"#lab","count":0,"earlier":0}\n');
    await server.send('{"type":"shutdown"}\n');
  });
  assert.deepEqual(user.printed, [
    "A password must be 8 to 1024 characters: nothing changed",
    "2024-03-21 10:30:00 :: * Alice is now your account: next time, log in with its password",
    "No history in #lab",
  ]);
});
