/**
 * End-to-end tests of accounts, offline messages and history (spec part B, S2): real
 * ChatServer and ChatClient processes keeping their data in a temporary directory, restarted
 * politely and with `kill -9`.
 */

import assert from "node:assert/strict";
import { EXTENSION_TYPES } from "../protocol.ts";
import {
  line,
  processTest,
  Program,
  ServerProgram,
  startClient,
  tempDir,
} from "../lib/tools/testing.ts";
import { RawClient } from "../lib/tools/raw_client.ts";

/** Starts a server that keeps its data in `dir`. */
function serverOn(dir: string): Promise<ServerProgram> {
  return ServerProgram.start(["--data", dir], [`--allow-read=${dir}`, `--allow-write=${dir}`]);
}

/** A raw JSON client that logs in to account `nickname` with `password`. */
function loggedIn(port: number, nickname: string, password: string): Promise<RawClient> {
  return RawClient.loggedIn(port, nickname, password, EXTENSION_TYPES);
}

/** A raw JSON client that registers `nickname` and makes it an account with `password`. */
function withAccount(port: number, nickname: string, password: string): Promise<RawClient> {
  return RawClient.withAccount(port, nickname, password, EXTENSION_TYPES);
}

processTest(
  "two people register, one whispers to the other who left, and it arrives after a restart",
  async () => {
    using data = tempDir();
    const first = await serverOn(data.path);
    assert.equal(await first.stdout.lineAt(1), `Store: ${data.path}/chat.db (SQLite)`);
    await using alice = startClient(first.port, "Alice", "001");
    await alice.type("/register");
    await alice.type("alice's password");
    await alice.stdout.waitFor(
      line("<dt> :: * Alice is now your account: next time, log in with its password"),
    );
    await using bob = startClient(first.port, "Bob", "002");
    await bob.type("/register");
    await bob.type("bob's password");
    await bob.stdout.waitFor(line("<dt> :: * Bob is now your account: <any>"));
    await bob.type("/exit");
    assert.equal(await bob.exitCode(), 0);
    await first.stdout.waitFor(line("<dt> :: Bob: disconnected."));

    await alice.type("/whisper bob see you tomorrow");
    await alice.stdout.waitFor(
      line("Bob is offline: your message will be delivered when they return"),
    );
    await first.stdout.waitFor(
      line("<dt> :: Alice: private message to bob (away, kept), Msg-Size:16"),
    );
    first.kill("SIGTERM");
    assert.equal(await first.exitCode(), 0);
    await alice.stdout.waitFor(line("The server is shutting down; the session has ended."));
    await first[Symbol.asyncDispose]();

    await using second = await serverOn(data.path);
    await using back = startClient(second.port, "bob", "003");
    await back.type("bob's password");
    await back.stdout.waitFor(
      line("<dt> :: [private, while you were away] Alice: see you tomorrow"),
    );
    await second.stdout.waitFor(line("<dt> :: bob: connected."));
    assert.doesNotMatch(second.stdout.lines.join("\n"), /password/);
  },
);

processTest(
  "a message confirmed as kept, and what was said before it, survive a kill -9 a moment later",
  async () => {
    using data = tempDir();
    const first = await serverOn(data.path);
    const bob = await withAccount(first.port, "Bob", "bob's password");
    await bob.close();
    await first.stdout.waitFor(line("<dt> :: Bob: disconnected."));
    await using alice = await RawClient.registered(first.port, "Alice", EXTENSION_TYPES);
    await alice.sendMessage({ type: "message", message: "said before the crash" });
    await alice.sendMessage({ type: "private", to: "Bob", message: "kept before the crash" });
    assert.equal((await alice.next()).type, "queued");
    first.kill("SIGKILL");
    await first[Symbol.asyncDispose]();

    await using second = await serverOn(data.path);
    await using back = await loggedIn(second.port, "Bob", "bob's password");
    const kept = await back.nextOfType("private");
    assert.equal(kept.message, "kept before the crash");
    assert.equal(kept.nickname, "Alice");
    assert.equal(kept.offline, true);
    const history = await back.next();
    assert.equal(history.message, "said before the crash");
    assert.equal(history.history, true);
    assert.deepEqual(await back.next(), { type: "history", count: 1, earlier: 0 });
    await alice.close();
  },
);

processTest(
  "kept messages come again until acknowledged, in order, before anything new",
  async () => {
    using data = tempDir();
    await using server = await serverOn(data.path);
    const bob = await withAccount(server.port, "Bob", "bob's password");
    await bob.close();
    await using alice = await RawClient.registered(server.port, "Alice", EXTENSION_TYPES);
    for (const message of ["one", "two", "three"]) {
      await alice.sendMessage({ type: "private", to: "bob", message });
      assert.equal((await alice.next()).type, "queued");
    }
    // Drops before acknowledging anything.
    const first = await loggedIn(server.port, "Bob", "bob's password");
    const firstRun = [await first.next(), await first.next(), await first.next()];
    assert.deepEqual(firstRun.map((m) => m.message), ["one", "two", "three"]);
    await first.close();
    await server.stdout.waitFor(line("<dt> :: Bob: disconnected."));

    // Acknowledges the first two, then leaves.
    const second = await loggedIn(server.port, "bob", "bob's password");
    const secondRun = [await second.next(), await second.next(), await second.next()];
    assert.deepEqual(secondRun.map((m) => m.message), ["one", "two", "three"]);
    await second.sendMessage({ type: "ack", id: secondRun[1].id });
    await alice.sendMessage({ type: "message", message: "said while bob is here" });
    assert.equal((await second.nextOfType("broadcast")).message, "said while bob is here");
    await second.close();
    await server.stdout.waitFor(line("<dt> :: bob: disconnected."));

    await using third = await loggedIn(server.port, "BOB", "bob's password");
    const rest = await third.next();
    assert.equal(rest.message, "three");
    assert.equal(rest.id, secondRun[2].id);
  },
);

processTest(
  "a wrong password is refused and asked again; baseline and CHAT/1.0 clients are refused the name",
  async () => {
    using data = tempDir();
    await using server = await serverOn(data.path);
    const alice = await withAccount(server.port, "Alice", "alice's password");
    await alice.close();
    await server.stdout.waitFor(line("<dt> :: Alice: disconnected."));

    await using baseline = await RawClient.connect(server.port);
    await baseline.register("alice");
    assert.deepEqual(await baseline.next(), {
      type: "error",
      message: 'Nickname "alice" is registered: log in with its password',
    });
    await using chat1 = await RawClient.connect(server.port);
    await chat1.send("REGISTER ALICE CHAT/1.0\n");
    assert.equal(
      await chat1.nextLine(),
      '401 Nickname "ALICE" is registered: log in with its password',
    );

    const wrong = `${data.path}/wrong-password`;
    Deno.writeTextFileSync(wrong, "not alice's password\n");
    await using client = new Program(
      "ChatClient.ts",
      ["127.0.0.1", `${server.port}`, "Alice", "007", "--password-file", wrong],
      [`--allow-read=${wrong}`],
    );
    await client.stdout.waitFor(line('Nickname "Alice" refused: Wrong password for Alice'));
    await server.stdout.waitFor(line("<dt> :: failed login as Alice from IP:127.0.0.1, Port:<n>"));
    await client.type("Alice");
    await client.type("alice's password");
    await server.stdout.waitFor(line("<dt> :: Alice: connected."));
    await client.type("/whisper alice hi me");
    await client.stdout.waitFor(
      line("Error from server: Cannot send a private message to yourself"),
    );
  },
);

processTest("history is shown on logging in, and /history shows more", async () => {
  using data = tempDir();
  await using server = await serverOn(data.path);
  const alice = await withAccount(server.port, "Alice", "alice's password");
  await alice.sendMessage({ type: "message", message: "seen before leaving" });
  await alice.close();
  await server.stdout.waitFor(line("<dt> :: Alice: disconnected."));
  await using carol = await RawClient.registered(server.port, "Carol", EXTENSION_TYPES);
  for (const message of ["first", "second", "third"]) {
    await carol.sendMessage({ type: "message", message });
  }
  await server.stdout.waitFor(line("Received: <any>Client-Nickname:Carol<any>Msg-Size:5"));

  await using client = startClient(server.port, "Alice", "008");
  await client.type("alice's password");
  await client.stdout.waitFor(line("<dt> :: [history] Carol: first"));
  await client.stdout.waitFor(line("<dt> :: [history] Carol: third"));
  assert.doesNotMatch(client.stdout.lines.join("\n"), /seen before leaving/);
  await client.type("/history 2");
  const more = await client.stdout.waitFor(line("2 earlier messages: /history 4"));
  assert.deepEqual(client.stdout.lines.slice(more.index - 2, more.index).map((l) => l.slice(23)), [
    "[history] Carol: second",
    "[history] Carol: third",
  ]);
  await client.type("/history #lab");
  await client.stdout.waitFor(
    line('Error from server: Not in room "#lab": join it for its history'),
  );
});

processTest(
  "the server says where it keeps its data, and stops on a data directory it cannot use",
  async () => {
    await using plain = await ServerProgram.start();
    assert.match(await plain.stdout.lineAt(1), /^Store: in memory \(.*--data <dir>/);

    using data = tempDir();
    Deno.writeTextFileSync(`${data.path}/chat.db`, "this is not a database ".repeat(50));
    await using corrupt = new Program("ChatServer.ts", ["--data", data.path], [
      `--allow-read=${data.path}`,
      `--allow-write=${data.path}`,
    ]);
    assert.equal(await corrupt.exitCode(), 1);
    assert.deepEqual(corrupt.stdout.lines, [
      `ERR - cannot use the data directory "${data.path}": file is not a database`,
    ]);
    assert.deepEqual(corrupt.stderr.lines, []);

    await using denied = new Program("ChatServer.ts", ["--data", data.path]);
    assert.equal(await denied.exitCode(), 1);
    assert.deepEqual(denied.stdout.lines, [
      `ERR - cannot use the data directory "${data.path}": run with ` +
      `--allow-read=${data.path} --allow-write=${data.path}`,
    ]);
  },
);
