/**
 * End-to-end tests of server operators (`--operator`): real servers and clients, on one server,
 * across a restart (`--data`) and across the nodes of a cluster. The timed ban is short (3 s,
 * `/serverban 127.0.0.1 0.05`): the test waits for the server's line saying it ended.
 */

import assert from "node:assert/strict";
import { EXTENSION_TYPES } from "../protocol.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { RedisServer } from "../lib/tools/redis_server.ts";
import { line, processTest, ServerProgram, startClient, tempDir } from "../lib/tools/testing.ts";

const PASSWORD = "operator's password";

/** A raw JSON client that registers `nickname` and makes it an account. */
function withAccount(port: number, nickname: string): Promise<RawClient> {
  return RawClient.withAccount(port, nickname, PASSWORD, EXTENSION_TYPES);
}

/** A raw JSON client that logs in to account `nickname`. */
function loggedIn(port: number, nickname: string): Promise<RawClient> {
  return RawClient.loggedIn(port, nickname, PASSWORD, EXTENSION_TYPES);
}

/** Sends an operator command and gives the server's answer (an `operator` notice or an error). */
async function operate(client: RawClient, command: Record<string, unknown>) {
  await client.sendMessage({ type: "operator", ...command });
  while (true) {
    const answer = await client.next();
    if (answer.type === "operator" || answer.type === "error") return answer;
  }
}

/** The error a client is sent, before the server closes its connection. */
async function refusedWith(client: RawClient): Promise<string> {
  const error = await client.nextOfType("error");
  await client.closedByServer();
  return String(error.message);
}

processTest(
  "an operator kills a user, who is told; the others see why; others may not",
  async () => {
    await using server = await ServerProgram.start(["--operator", "alice"]);
    const alice = await withAccount(server.port, "Alice");
    const bob = await RawClient.registered(server.port, "Bob", EXTENSION_TYPES);
    await using carol = startClient(server.port, "Carol", "003");
    await server.stdout.waitFor(line("<dt> :: Carol: connected."));
    try {
      await carol.type("/list");
      await carol.stdout.waitFor(line("Connected (3): Alice (operator), Bob, Carol"));
      for (const command of ["/kill Bob", "/serverban Bob", "/serverunban Bob", "/wall hi"]) {
        await carol.type(command);
        await carol.stdout.waitFor(
          line(`Error from server: Only a server operator can ${command.split(" ")[0]}`),
        );
      }
      assert.deepEqual(await operate(bob, { action: "kill", target: "Carol" }), {
        type: "error",
        message: "Only a server operator can /kill",
      });
      const done = await operate(alice, { action: "kill", target: "bob", reason: "spamming" });
      assert.equal(done.message, "Bob was disconnected: spamming");
      assert.equal(
        await refusedWith(bob),
        "You were disconnected by an operator (Alice): spamming",
      );
      await carol.stdout.waitFor(
        line("<dt> :: * Bob left the chat (removed by an operator (Alice): spamming)"),
      );
      await server.stdout.waitFor(line("<dt> :: Alice (operator): killed Bob: spamming"));
      // Bad input is refused, never a crash.
      assert.equal((await operate(alice, { action: "kill", target: "Nobody" })).type, "error");
      await alice.sendMessage({ type: "operator", action: "explode" });
      assert.match(String((await alice.nextOfType("error")).message), /field "action" must be/);
    } finally {
      await alice.close();
    }
  },
);

processTest(
  "/wall reaches a JSON client, a CHAT/1.0 client and a spec-baseline client",
  async () => {
    await using server = await ServerProgram.start(["--operator", "alice"]);
    const alice = await withAccount(server.port, "Alice");
    await using carol = startClient(server.port, "Carol", "003");
    await server.stdout.waitFor(line("<dt> :: Carol: connected."));
    const dave = await RawClient.connect(server.port);
    const baseline = await RawClient.registered(server.port, "Erin");
    try {
      await dave.send("REGISTER dave CHAT/1.0\n");
      assert.equal(await dave.nextLine(), "200 Registration successful");
      await alice.sendMessage({ type: "operator", action: "wall", message: "Restart at noon" });
      assert.equal((await alice.nextOfType("announcement")).message, "Restart at noon");
      await carol.stdout.waitFor(line("<dt> :: *** Announcement from Alice: Restart at noon"));
      assert.equal(await dave.nextLine(), "@*server*: Announcement from Alice: Restart at noon");
      const broadcast = await baseline.nextOfType("broadcast");
      assert.equal(broadcast.nickname, "*server*");
      assert.equal(broadcast.message, "Announcement from Alice: Restart at noon");
      await server.stdout.waitFor(line("<dt> :: Alice (operator): announced: Restart at noon"));
    } finally {
      await Promise.all([alice.close(), dave.close(), baseline.close()]);
    }
  },
);

processTest(
  "an address ban is refused at connect on both wires, spares the operator, and ends by itself",
  async () => {
    await using server = await ServerProgram.start(["--operator", "alice"]);
    const alice = await withAccount(server.port, "Alice");
    try {
      const done = await operate(alice, { action: "serverban", target: "127.0.0.1", seconds: 3 });
      assert.match(String(done.message), /^127\.0\.0\.1 is banned from this server until /);
      const refusal = line("Banned from this server by an operator (Alice) until <dt> UTC");
      const json = await RawClient.connect(server.port);
      await json.register("Bob", "002", EXTENSION_TYPES);
      assert.match(await refusedWith(json), refusal);
      const chat1 = await RawClient.connect(server.port);
      await chat1.send("REGISTER bob CHAT/1.0\n");
      const lines = await chat1.lines();
      assert.equal(lines.length, 1);
      assert.match(lines[0].replace(/^400 /, ""), refusal);
      await chat1.close();
      await json.close();
      await server.stdout.waitFor(line("<dt> :: server ban on 127.0.0.1 ended."));
      const back = await RawClient.registered(server.port, "Bob", EXTENSION_TYPES);
      await back.close();
    } finally {
      await alice.close();
    }
  },
);

processTest("a server ban survives a restart, with its reason and end, until lifted", async () => {
  using data = tempDir();
  const flags = [`--allow-read=${data.path}`, `--allow-write=${data.path}`];
  const args = ["--data", data.path, "--operator", "alice"];
  const first = await ServerProgram.start(args, flags);
  const alice = await withAccount(first.port, "Alice");
  const bob = await RawClient.registered(first.port, "Bob", EXTENSION_TYPES);
  const banned = line("Banned from this server by an operator (Alice) until <dt> UTC: spam");
  const done = await operate(alice, {
    action: "serverban",
    target: "Bob",
    seconds: 3600,
    reason: "spam",
  });
  assert.match(String(done.message), /^Bob is banned from this server until .*: spam$/);
  assert.match(await refusedWith(bob), banned);
  await first.stdout.waitFor(line("<dt> :: Alice (operator): banned Bob until <dt> UTC: spam"));
  await alice.close();
  first.kill("SIGTERM");
  assert.equal(await first.exitCode(), 0);
  await first[Symbol.asyncDispose]();

  await using second = await ServerProgram.start(args, flags);
  const again = await RawClient.connect(second.port);
  await again.register("bob", "002", EXTENSION_TYPES);
  assert.match(await refusedWith(again), banned);
  await again.close();
  const operator = await loggedIn(second.port, "Alice");
  try {
    const lifted = await operate(operator, { action: "serverunban", target: "BOB" });
    assert.equal(lifted.message, "Bob is no longer banned");
    await second.stdout.waitFor(line("<dt> :: Alice (operator): lifted the ban on Bob"));
    const back = await RawClient.registered(second.port, "Bob", EXTENSION_TYPES);
    await back.close();
  } finally {
    await operator.close();
  }
});

processTest("a kill and a ban reach the users of another node of a cluster", async () => {
  using dir = tempDir();
  await using redis = await RedisServer.start({ dir: dir.path });
  const node = () => ServerProgram.startNode(redis.url, ["--operator", "alice"]);
  await using a = await node();
  await using b = await node();
  const alice = await withAccount(a.port, "Alice");
  const carol = await RawClient.registered(a.port, "Carol", EXTENSION_TYPES);
  const bob = await RawClient.registered(b.port, "Bob", EXTENSION_TYPES);
  const dave = await RawClient.registered(b.port, "Dave", EXTENSION_TYPES);
  try {
    await a.stdout.waitFor(line("<dt> :: Dave: connected."));
    const killed = await operate(alice, { action: "kill", target: "Bob", reason: "flood" });
    assert.equal(killed.message, "Bob was disconnected: flood");
    assert.equal(await refusedWith(bob), "You were disconnected by an operator (Alice): flood");
    const left = await carol.nextOfType("left");
    assert.equal(left.reason, "removed by an operator (Alice): flood");
    await operate(alice, { action: "serverban", target: "Dave", reason: "abuse" });
    assert.match(
      await refusedWith(dave),
      /^Banned from this server by an operator \(Alice\) until lifted: abuse$/,
    );
    // A ban set at one node holds at the other, for a name nobody holds too.
    await operate(alice, { action: "serverban", target: "Mallory" });
    for (const nickname of ["dave", "MALLORY"]) {
      const client = await RawClient.connect(b.port);
      await client.register(nickname, "009", EXTENSION_TYPES);
      assert.match(await refusedWith(client), /^Banned from this server by an operator \(Alice\)/);
      await client.close();
    }
    // And at a node that starts later, from the store.
    await using c = await node();
    const late = await RawClient.connect(c.port);
    await late.register("Mallory", "010", EXTENSION_TYPES);
    assert.match(await refusedWith(late), /^Banned from this server/);
    await late.close();
  } finally {
    await Promise.all([alice.close(), carol.close(), bob.close(), dave.close()]);
  }
});
