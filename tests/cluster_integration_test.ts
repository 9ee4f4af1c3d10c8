/**
 * Cluster mode with real processes: a real `redis-server` on a free port in a temp folder, and
 * ChatServer nodes that share it.
 *
 * It stays one file: every test starts from the same fixture (nodes on one Redis, below), and
 * together they read as the list of what a cluster promises.
 */

import assert from "node:assert/strict";
import { EXTENSION_TYPES } from "../protocol.ts";
import { LINK_LOST_NOTICE } from "../lib/cluster/cluster_bus.ts";
import { REDIS_ENV } from "../lib/cluster/join.ts";
import { RedisServer } from "../lib/tools/redis_server.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { Browser } from "../lib/tools/browser.ts";
import {
  line,
  processTest,
  Program,
  ServerProgram,
  tempDir,
  WAIT_MS,
} from "../lib/tools/testing.ts";

/** What a node needs beyond the network: the environment variables the Redis client reads. */
const NODE_FLAGS = [`--allow-env=${REDIS_ENV.join(",")}`];

/** A node of the cluster at `url`, once it has said it joined. */
function node(url: string, more: string[] = []): Promise<ServerProgram> {
  return ServerProgram.startNode(url, more, ["--allow-read=web"]);
}

processTest(
  "a node says which cluster it joined, as which node, and how many nodes there are",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path, password: "s3cret" });
    await using first = await ServerProgram.start(["--cluster", redis.url], NODE_FLAGS);
    const shown = `redis://:***@127.0.0.1:${redis.port}`;
    const joined = await first.stdout.waitFor(
      new RegExp(
        `^Cluster ${shown.replace(/[*.]/g, "\\$&")} joined as node ([0-9a-f]{4}) \\(1 node\\)$`,
      ),
    );
    await using second = await node(redis.url, ["--cluster-prefix", "chat:"]);
    const again = second.stdout.lines.find((l) => l.startsWith("Cluster "))!;
    assert.match(again, /joined as node [0-9a-f]{4} \(2 nodes\)$/);
    assert.notEqual(again.split(" ")[5], joined.line.split(" ")[5]);
    for (const server of [first, second]) {
      assert.equal(server.stdout.lines.some((l) => l.includes("s3cret")), false);
    }
    // Another prefix is another chat.
    await using other = await node(redis.url, ["--cluster-prefix", "other:"]);
    assert.match(other.stdout.lines.find((l) => l.startsWith("Cluster "))!, /\(1 node\)$/);
  },
);

processTest(
  "a Redis out of reach, a bad address or --data with --cluster stop the node with one line",
  async () => {
    using dir = tempDir();
    const redis = await RedisServer.start({ dir: dir.path });
    const url = redis.url;
    await redis.stop();
    const fails = async (args: string[], expected: RegExp) => {
      await using server = new Program("ChatServer.ts", args, NODE_FLAGS);
      assert.equal(await server.exitCode(), 1);
      assert.match(server.stdout.lines.join("\n"), expected);
    };
    await fails(
      ["--cluster", url],
      new RegExp(`^ERR - cannot join the cluster at ${url.replace(/\./g, "\\.")}: .*ECONNREFUSED`),
    );
    await fails(["--cluster", "http://127.0.0.1:1"], /^ERR - option --cluster: "http:" is not/);
    await fails(["--cluster", url, "--data", dir.path], /^ERR - --data cannot go with --cluster/);
  },
);

processTest(
  "a nickname is held on one node only, whatever the case, even when claimed at once everywhere",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using a = await node(redis.url);
    await using b = await node(redis.url);
    await using c = await node(redis.url);
    const nodes = [a, b, c];
    // Thirty clients, ten on each node, ask for the same name at the same moment.
    const clients = await Promise.all(
      Array.from({ length: 30 }, (_, i) => RawClient.connect(nodes[i % 3].port)),
    );
    try {
      await Promise.all(clients.map((client, i) =>
        client.sendMessage({
          type: "nickname",
          nickname: i % 2 === 0 ? "Zed" : "zED",
          clientID: `${i}`,
        })
      ));
      const answers = await Promise.all(clients.map((client) => client.next()));
      const welcomed = answers.filter((answer) => answer.type === "welcome");
      assert.equal(welcomed.length, 1);
      assert.equal(
        answers.filter((answer) =>
          answer.type === "error" && answer.message === "Nickname already in use"
        ).length,
        29,
      );
      // Once its holder leaves, the name is free again, on any node.
      const holder = clients[answers.findIndex((answer) => answer.type === "welcome")];
      const holderNode = nodes[clients.indexOf(holder) % 3];
      await holder.sendMessage({ type: "disconnect" });
      await holderNode.stdout.waitFor(/ :: (Zed|zED): disconnected\.$/);
      // Its node frees the claim just after (in Redis, where every node looks).
      let freed = false;
      for (let tries = 0; tries < 500 && !freed; tries++) {
        freed = /^:0/.test(await redisCommand(redis.port, "EXISTS", "chat:nick:zed"));
        if (!freed) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(freed, "the claim on zed was not freed within 10 s");
      await using next = await RawClient.connect(nodes[(clients.indexOf(holder) + 1) % 3].port);
      await next.sendMessage({ type: "nickname", nickname: "zed", clientID: "x" });
      assert.equal((await next.next()).type, "welcome");
      // Renaming claims too: nobody else may take a name by /nick.
      await using other = await RawClient.registered(holderNode.port, "Other");
      await other.sendMessage({ type: "nick", nickname: "ZED" });
      assert.deepEqual(await other.next(), {
        type: "error",
        message: "Nickname already in use",
      });
      await holderNode.stdout.waitFor(line("<dt> :: Other: connected."));
    } finally {
      for (const client of clients) await client[Symbol.asyncDispose]();
    }
  },
);

/** A client of `server` registered as `nickname`, understanding every extension. */
function user(server: ServerProgram, nickname: string): Promise<RawClient> {
  return RawClient.registered(server.port, nickname, [...EXTENSION_TYPES]);
}

/** Waits until `client` has been told that each of `nicknames` joined the chat. */
async function sawJoin(client: RawClient, ...nicknames: string[]): Promise<void> {
  const left = new Set(nicknames);
  while (left.size > 0) {
    const message = await client.nextOfType("joined");
    if (message.room === undefined) left.delete(message.nickname as string);
  }
}

/**
 * Two nodes of the cluster at `url` (with `more` arguments), Alice on the first and Bob on the
 * second, once each has heard of the other.
 */
async function twoNodes(url: string, more: string[] = []) {
  const a = await node(url, more);
  const b = await node(url, more);
  const alice = await user(a, "Alice");
  const bob = await user(b, "Bob");
  await sawJoin(alice, "Bob");
  return {
    a,
    b,
    alice,
    bob,
    async [Symbol.asyncDispose]() {
      for (const each of [bob, alice, b, a]) await each[Symbol.asyncDispose]();
    },
  };
}

processTest(
  "messages to everyone, private messages, rooms, /list and notices reach users on every node",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using a = await node(redis.url);
    await using b = await node(redis.url);
    await using c = await node(redis.url);
    await using alice = await user(a, "Alice");
    await using bob = await user(b, "Bob");
    await sawJoin(alice, "Bob");
    await using carol = await user(c, "Carol");
    await sawJoin(alice, "Carol");
    await sawJoin(bob, "Carol");

    // A CHAT/1.0 client on the third node hears the same, in its own wire, and is heard.
    await using dave = await RawClient.connect(c.port);
    await dave.send("REGISTER dave CHAT/1.0\n");
    assert.equal(await dave.nextLine(), "200 Registration successful");
    await sawJoin(alice, "dave");
    await alice.sendMessage({ type: "message", message: "hello, all nodes" });
    for (const other of [bob, carol]) {
      const got = await other.nextOfType("broadcast");
      assert.deepEqual([got.nickname, got.message], ["Alice", "hello, all nodes"]);
    }
    assert.equal(await dave.nextLine(), "@Alice: hello, all nodes");
    await a.stdout.waitFor("Broadcasted: Bob, Carol, dave");
    await dave.send("@dave: plain text from node c\n");
    assert.equal((await bob.nextOfType("broadcast")).message, "plain text from node c");

    await bob.sendMessage({ type: "private", to: "carol", message: "psst" });
    const whisper = await carol.nextOfType("private");
    assert.deepEqual([whisper.nickname, whisper.message], ["Bob", "psst"]);
    await b.stdout.waitFor(/ :: Bob: private message to Carol, Msg-Size:4$/);

    await carol.sendMessage({ type: "join", room: "#ops" });
    await carol.nextOfType("joined");
    // Node a hears of it a moment later (node c says so once it listens to the room).
    let known = false;
    for (let tries = 0; tries < 100 && !known; tries++) {
      await alice.sendMessage({ type: "list" });
      const rooms = (await alice.nextOfType("list")).rooms as { members: string[] }[];
      known = rooms.some((room) => room.members.includes("Carol"));
    }
    assert.ok(known, "node a never heard that Carol joined #ops");
    await alice.sendMessage({ type: "join", room: "#OPS" });
    const joined = await alice.nextOfType("joined");
    assert.deepEqual(joined.members, ["Carol", "Alice"]);
    const notice = await carol.nextOfType("joined");
    assert.deepEqual([notice.nickname, notice.room], ["Alice", "#ops"]);
    await alice.sendMessage({ type: "room", room: "#ops", message: "room talk" });
    const said = await carol.nextOfType("room");
    assert.deepEqual([said.nickname, said.room, said.message], ["Alice", "#ops", "room talk"]);
    await a.stdout.waitFor(/ :: Alice: message to #ops, Msg-Size:9, delivered to: Carol$/);
    // Only the nodes with a user in #ops hear its channel: a's and c's, not b's.
    const listeners = () => redisCommand(redis.port, "PUBSUB", "NUMSUB", "chat:room:#ops");
    assert.match(await listeners(), /:2\r\n$/);

    await bob.sendMessage({ type: "list" });
    const list = await bob.nextOfType("list");
    assert.deepEqual(list.users, ["Alice", "Bob", "Carol", "dave"]);
    assert.deepEqual(list.rooms, [{ room: "#ops", members: ["Carol", "Alice"] }]);
    // Bob is in no room: nothing of #ops came to him before the list.
    await bob.sendMessage({ type: "nick", nickname: "Robert" });
    const renamed = await alice.nextOfType("nick");
    assert.deepEqual([renamed.old, renamed.nickname], ["Bob", "Robert"]);

    await alice.sendMessage({ type: "leave", room: "#ops" });
    assert.equal((await carol.nextOfType("left")).room, "#ops");
    // Node a leaves the channel on its subscriber connection, beside the notice on its publisher
    // one: the notice may arrive first.
    assert.match(await answerMatching(listeners, /:1\r\n$/), /:1\r\n$/);
    await carol.sendMessage({ type: "disconnect" });
    for (const other of [alice, bob]) {
      let left = await other.nextOfType("left");
      while (left.room !== undefined) left = await other.nextOfType("left");
      assert.equal(left.nickname, "Carol");
    }
    // Every node's console shows who came and went, wherever they are.
    await a.stdout.waitFor(line("<dt> :: Carol: disconnected."));
    await b.stdout.waitFor(line("<dt> :: Carol: disconnected."));
    assert.ok(a.stdout.lines.some((l) => / :: Bob: connected\.$/.test(l)));
  },
);

processTest("from one sender, users on other nodes get 1,000 messages in order", async () => {
  using dir = tempDir();
  await using redis = await RedisServer.start({ dir: dir.path });
  const unlimited = ["--max-rate", "0", "--byte-rate", "0"];
  await using a = await node(redis.url, unlimited);
  await using b = await node(redis.url, unlimited);
  await using c = await node(redis.url, unlimited);
  await using bob = await user(b, "Bob");
  await using carol = await user(c, "Carol");
  await using alice = await user(a, "Alice");
  await sawJoin(bob, "Alice");
  await sawJoin(carol, "Alice");
  const count = 1000;
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify(
      i % 2 === 0
        ? { type: "message", message: `n${i}` }
        : { type: "private", to: i % 4 === 1 ? "Bob" : "Carol", message: `n${i}` },
    ) + "\n");
  await alice.send(lines.join(""));
  for (const [client, name] of [[bob, "Bob"], [carol, "Carol"]] as const) {
    const expected = Array.from({ length: count }, (_, i) => i)
      .filter((i) => i % 2 === 0 || (i % 4 === 1) === (name === "Bob"))
      .map((i) => `n${i}`);
    const got: string[] = [];
    while (got.length < expected.length) {
      const message = await client.next();
      if (message.type === "broadcast" || message.type === "private") {
        got.push(message.message as string);
      }
    }
    assert.deepEqual(got, expected);
  }
});

processTest(
  "a line to everyone, a private message and a line in a room said on one node reach a user " +
    "who came (or joined the room) on another node just before",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    // Bob says more than a burst: no rate here.
    await using a = await node(redis.url, ["--max-rate", "0"]);
    await using b = await node(redis.url, ["--max-rate", "0"]);
    await using bob = await user(b, "Bob");
    await bob.sendMessage({ type: "join", room: "#r" });
    await bob.nextOfType("joined");
    // Each time, Bob speaks as soon as the newcomer is answered: node b may not know of it yet.
    const ways = [
      { type: "broadcast", said: (i: number) => ({ type: "message", message: `hello ${i}` }) },
      {
        type: "private",
        said: (i: number) => ({ type: "private", to: `Ann${i}`, message: `hello ${i}` }),
      },
      {
        type: "room",
        said: (i: number) => ({ type: "room", room: "#r", message: `hello ${i}` }),
        join: "#r",
      },
    ];
    for (const [n, way] of ways.entries()) {
      for (let i = 10 * n; i < 10 * n + 10; i++) {
        await using newcomer = await user(a, `Ann${i}`);
        if (way.join !== undefined) {
          await newcomer.sendMessage({ type: "join", room: way.join });
          await newcomer.nextOfType("joined");
        }
        await bob.sendMessage(way.said(i));
        assert.equal((await newcomer.nextOfType(way.type)).message, `hello ${i}`, way.type);
      }
    }
    // A name nobody holds is refused as before.
    await bob.sendMessage({ type: "private", to: "Nobody", message: "hello?" });
    assert.equal((await bob.nextOfType("error")).message, 'No such user "Nobody"');
  },
);

processTest("a node that stops tells the other nodes' users that its users left", async () => {
  using dir = tempDir();
  await using redis = await RedisServer.start({ dir: dir.path });
  await using nodes = await twoNodes(redis.url);
  nodes.b.kill("SIGTERM");
  assert.equal(await nodes.b.exitCode(), 0);
  const left = await nodes.alice.nextOfType("left");
  assert.deepEqual([left.nickname, left.reason], ["Bob", "server shutting down"]);
  await nodes.alice.sendMessage({ type: "list" });
  assert.deepEqual((await nodes.alice.nextOfType("list")).users, ["Alice"]);
});

processTest(
  "a node killed with -9 has its users announced gone and its nicknames freed",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using nodes = await twoNodes(redis.url, ["--node-timeout", "2"]);
    const { a, b, alice } = nodes;
    const killedAt = Date.now();
    b.kill("SIGKILL");
    const left = await alice.nextOfType("left");
    assert.deepEqual([left.nickname, left.reason], ["Bob", "their server is gone"]);
    // Within the lease (2 s) and a sweep (a third of it), with room for a slow machine.
    assert.ok(Date.now() - killedAt < 2000 + 2000, `gone after ${Date.now() - killedAt} ms`);
    await a.stdout.waitFor(/ :: cluster: node [0-9a-f]{4} is gone$/);
    await a.stdout.waitFor(line("<dt> :: Bob: disconnected."));
    await alice.sendMessage({ type: "list" });
    assert.deepEqual((await alice.nextOfType("list")).users, ["Alice"]);
    // The name is free again, on the node that is left.
    await using again = await user(a, "bob");
    assert.ok(again);
  },
);

processTest(
  "when Redis restarts, each node's chat goes on alone, then they are one chat again, nothing lost",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using nodes = await twoNodes(redis.url);
    const { a, b, alice, bob } = nodes;
    await using carol = await user(a, "Carol");
    await sawJoin(bob, "Carol");
    await alice.sendMessage({ type: "message", message: "before" });
    assert.equal((await bob.nextOfType("broadcast")).message, "before");

    await redis.stop();
    for (const server of [a, b]) await server.stdout.waitFor(/^Cluster link lost: .*; retrying$/);
    for (const client of [alice, bob, carol]) {
      assert.equal((await client.nextOfType("error")).message, LINK_LOST_NOTICE);
    }
    // Meanwhile each node's own chat goes on, and what is said to the other node is kept.
    await alice.sendMessage({ type: "message", message: "during" });
    assert.equal((await carol.nextOfType("broadcast")).message, "during");
    await alice.sendMessage({
      type: "private",
      to: "Bob",
      message: "are you there?",
      timestamp: "2026-12-03T10:00:00.000Z",
    });
    // A room joined meanwhile is heard once Redis is back.
    await carol.sendMessage({ type: "join", room: "#late" });
    await carol.nextOfType("joined");
    // What needs the store says it cannot, and the node goes on.
    await alice.sendMessage({ type: "keys", nickname: "Nobody" });
    assert.match(
      (await alice.nextOfType("error")).message as string,
      /^Cannot look up "Nobody"'s key now: /,
    );
    // Both nodes grant one name while apart: the one who took it first keeps it.
    await using dan = await user(a, "Dan");
    await using otherDan = await user(b, "dan");

    await redis.restart();
    for (const server of [a, b]) await server.stdout.waitFor("Cluster link restored");
    // Who joined is told as each node hears of it, which may be before what was kept arrives.
    const joins: Record<string, unknown>[] = [];
    const bobNext = async (type: string) => {
      while (true) {
        const message = await bob.next();
        if (message.type === type) return message;
        if (message.type === "joined") joins.push(message);
      }
    };
    const renamed = await otherDan.nextOfType("nick");
    assert.deepEqual([renamed.old, renamed.nickname], ["dan", "dan_2"]);
    assert.match(
      (await otherDan.nextOfType("error")).message as string,
      /^Your nickname "dan" was also given to someone on another server .* you are now "dan_2"$/,
    );
    // What Alice said to Bob meanwhile arrives now, late, in order, with its own time.
    assert.equal((await bobNext("broadcast")).message, "during");
    const late = await bobNext("private");
    assert.deepEqual([late.message, late.timestamp], [
      "are you there?",
      "2026-12-03T10:00:00.000Z",
    ]);
    // Bob is told of Dan, who joined on the other node while they were apart.
    while (!joins.some((joined) => joined.nickname === "Dan")) joins.push(await bobNext("joined"));
    assert.equal(joins.find((joined) => joined.nickname === "Dan")!.room, undefined);
    let known = false;
    for (let tries = 0; tries < 100 && !known; tries++) {
      await bob.sendMessage({ type: "list" });
      const rooms = (await bob.nextOfType("list")).rooms as { room: string }[];
      known = rooms.some((room) => room.room === "#late");
    }
    assert.ok(known, "node b never heard that Carol is in #late");
    await bob.sendMessage({ type: "join", room: "#late" });
    let joined = await bob.nextOfType("joined");
    while (joined.room !== "#late") joined = await bob.nextOfType("joined");
    assert.deepEqual(joined.members, ["Carol", "Bob"]);
    await bob.sendMessage({ type: "room", room: "#late", message: "late but heard" });
    assert.equal((await carol.nextOfType("room")).message, "late but heard");
    await alice.sendMessage({ type: "message", message: "after" });
    // "during" came once: the next message to everyone Bob gets is "after".
    assert.equal((await bob.nextOfType("broadcast")).message, "after");
    await dan.sendMessage({ type: "private", to: "Bob", message: "hello again" });
    assert.equal((await bob.nextOfType("private")).message, "hello again");
    await bob.sendMessage({ type: "list" });
    const users = (await bob.nextOfType("list")).users as string[];
    assert.deepEqual(users.toSorted(), ["Alice", "Bob", "Carol", "Dan", "dan_2"]);
  },
);

/** Asks again, every 10 ms for `WAIT_MS` at most, until the answer matches; the last answer. */
async function answerMatching(ask: () => Promise<string>, pattern: RegExp): Promise<string> {
  const end = Date.now() + WAIT_MS;
  let answer = await ask();
  while (!pattern.test(answer) && Date.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    answer = await ask();
  }
  return answer;
}

/** Sends one command to the Redis on `port` (RESP) and reads the start of its answer. */
async function redisCommand(port: number, ...args: string[]): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const encoder = new TextEncoder();
    const parts = args.map((arg) => `$${encoder.encode(arg).length}\r\n${arg}\r\n`);
    await conn.write(encoder.encode(`*${args.length}\r\n${parts.join("")}`));
    const buffer = new Uint8Array(256);
    const n = await conn.read(buffer);
    return new TextDecoder().decode(buffer.subarray(0, n ?? 0));
  } finally {
    conn.close();
  }
}

processTest(
  "a view that drifts is repaired on its own within a quarter of --node-timeout and a round trip",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using nodes = await twoNodes(redis.url, ["--node-timeout", "2"]);
    const { a, b, alice, bob } = nodes;
    await bob.sendMessage({ type: "join", room: "#ops" });
    await bob.nextOfType("joined");
    const bId = / joined as node ([0-9a-f]{4}) /.exec(
      b.stdout.lines.find((l) => l.startsWith("Cluster "))!,
    )![1];
    const knowsBob = async () => {
      await alice.sendMessage({ type: "list" });
      const list = await alice.nextOfType("list");
      const rooms = list.rooms as { room: string; members: string[] }[];
      return (list.users as string[]).includes("Bob") &&
        rooms.some((room) => room.room === "#ops" && room.members.includes("Bob"));
    };
    let known = false;
    for (let tries = 0; tries < 100 && !known; tries++) known = await knowsBob();
    assert.ok(known, "node a knows Bob in #ops");
    // A divergence: node a hears that Bob left, which never happened (as if a message were lost
    // the other way).
    const forged = JSON.stringify({ v: 1, node: bId, kind: "leave", nickname: "Bob" });
    const sent = Date.now();
    await redisCommand(redis.port, "PUBLISH", "chat:all", forged);
    const gone = await a.stdout.waitFor(line("<dt> :: Bob: disconnected."));
    // Node b's digest says otherwise: node a asks, and knows Bob again, in #ops.
    await a.stdout.waitFor(line("<dt> :: Bob: connected."), { from: gone.index });
    const repaired = Date.now() - sent;
    console.log(`repaired in ${repaired} ms`);
    assert.ok(await knowsBob(), "node a knows Bob in #ops again");
    assert.ok(repaired < 2000, `repaired within the node timeout (${repaired} ms)`);
    await alice.sendMessage({ type: "private", to: "Bob", message: "you are back" });
    assert.equal((await bob.nextOfType("private")).message, "you are back");
  },
);

processTest(
  "what does not parse on the chat's channels is logged once per kind and dropped",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using nodes = await twoNodes(redis.url);
    const { a, alice, bob } = nodes;
    const junk = [
      "not json at all",
      '{"v":99,"node":"zzzz","kind":"hello"}',
      '{"v":1,"node":"zzzz","kind":"deliver","to":5,"messages":[]}',
      '{"v":1,"node":"zzzz","kind":"something new"}',
    ];
    for (const text of [...junk, ...junk]) {
      assert.match(await redisCommand(redis.port, "PUBLISH", "chat:all", text), /^:2\r\n/);
    }
    await alice.sendMessage({ type: "message", message: "still one chat" });
    assert.equal((await bob.nextOfType("broadcast")).message, "still one chat");
    const problems = () => a.stdout.lines.filter((l) => / :: cluster: ignored /.test(l));
    await a.stdout.waitFor(/ :: cluster: ignored a bad "something new" message: unknown kind$/);
    assert.deepEqual(problems().map((l) => l.replace(/^.* :: /, "")), [
      "cluster: ignored a message on the bus that is not JSON",
      "cluster: ignored a message on the bus of another version",
      'cluster: ignored a bad "deliver" message: "to" is neither "*" nor a list of names',
      'cluster: ignored a bad "something new" message: unknown kind',
    ]);
  },
);

processTest(
  "users of two nodes whisper end to end: each node hands out the other's keys",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using a = await node(redis.url);
    await using b = await node(redis.url);
    const withKeys = (server: ServerProgram, nickname: string) =>
      new Program(
        "ChatClient.ts",
        ["127.0.0.1", `${server.port}`, nickname, "1", "--keys", `${dir.path}/${nickname}.json`],
        [`--allow-read=${dir.path}`, `--allow-write=${dir.path}`],
      );
    await using bob = withKeys(b, "Bob");
    await b.stdout.waitFor(line("<dt> :: Bob: connected."));
    await using alice = withKeys(a, "Alice");
    await bob.stdout.waitFor(line("<dt> :: * Alice joined the chat"));
    await bob.type("/fingerprint");
    const own = (await bob.stdout.waitFor(/^Your fingerprint: /)).line;
    const digits = /(\d{5}(?: \d{5}){11})/.exec(own)![1];
    await alice.type("/fingerprint Bob");
    await alice.stdout.waitFor(new RegExp(`^Bob's fingerprint: ${digits} \\(first seen`));
    await alice.type("/whisper Bob across the nodes");
    await bob.stdout.waitFor(line("<dt> :: [private, end-to-end] Alice: across the nodes"));
    await bob.type("/whisper Alice and back");
    await alice.stdout.waitFor(line("<dt> :: [private, end-to-end] Bob: and back"));
    await a.stdout.waitFor(/ :: Alice: private message to Bob, Msg-Size:\d+, end-to-end$/);
    for (const server of [a, b]) {
      assert.equal(server.stdout.lines.some((l) => /across the nodes|and back/.test(l)), false);
    }
  },
);

processTest(
  "accounts, kept messages and history live in Redis: an account logs in on another node",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using a = await node(redis.url);
    await using b = await node(redis.url);
    assert.ok(
      a.stdout.lines.includes(`Store: Redis at ${redis.url} (shared by every node of the cluster)`),
    );
    await (async () => {
      await using alice = await user(a, "Alice");
      await alice.sendMessage({ type: "account", action: "register", password: "correct horse" });
      assert.equal((await alice.nextOfType("account")).action, "register");
      await alice.sendMessage({ type: "message", message: "said on node a" });
      await a.stdout.waitFor("Broadcasted: ");
      await alice.sendMessage({ type: "disconnect" });
      await b.stdout.waitFor(line("<dt> :: Alice: disconnected."));
    })();
    // Node b knows the account: a guest may not take the name, and a whisper waits for Alice.
    await using guest = await RawClient.connect(b.port);
    await guest.register("alice", "9");
    assert.match((await guest.next()).message as string, /^Nickname "alice" is registered/);
    await using bob = await user(b, "Bob");
    await bob.sendMessage({ type: "private", to: "Alice", message: "for later" });
    assert.equal((await bob.nextOfType("queued")).to, "Alice");
    // Alice logs in on node b: the message kept on b is there, and so is a's history.
    await using again = await RawClient.connect(b.port);
    await again.register("Alice", "001", [...EXTENSION_TYPES]);
    assert.equal((await again.next()).type, "login");
    await again.sendMessage({ type: "login", password: "correct horse" });
    assert.equal((await again.next()).type, "welcome");
    const kept = await again.nextOfType("private");
    assert.deepEqual([kept.nickname, kept.message, kept.offline], ["Bob", "for later", true]);
    await again.sendMessage({ type: "history" });
    const said = await again.nextOfType("broadcast");
    assert.deepEqual([said.nickname, said.message, said.history], [
      "Alice",
      "said on node a",
      true,
    ]);
  },
);

processTest(
  "files go between users of two nodes, in chunks through Redis, both ways",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using a = await node(redis.url);
    await using b = await node(redis.url);
    const payload = new Uint8Array(500_000).map((_, i) => (i * 13) % 251);
    Deno.writeFileSync(`${dir.path}/big.bin`, payload);
    const client = (server: ServerProgram, nickname: string) =>
      new Program(
        "ChatClient.ts",
        [
          ...[
            "127.0.0.1",
            `${server.port}`,
            nickname,
            "1",
            "--keys",
            `${dir.path}/${nickname}.json`,
          ],
          ...["--downloads", `${dir.path}/${nickname}-downloads`],
        ],
        [`--allow-read=${dir.path}`, `--allow-write=${dir.path}`],
      );
    await using bob = client(b, "Bob");
    await b.stdout.waitFor(line("<dt> :: Bob: connected."));
    await using alice = client(a, "Alice");
    await bob.stdout.waitFor(line("<dt> :: * Alice joined the chat"));

    await alice.type(`/send Bob ${dir.path}/big.bin`);
    await bob.stdout.waitFor(
      line(
        "<dt> :: * Alice offers big.bin (500.0 kB), end-to-end encrypted: /accept 1 or /reject 1",
      ),
    );
    await bob.type("/accept");
    await alice.type("chat goes on meanwhile");
    await bob.stdout.waitFor(line("<dt> :: Alice: chat goes on meanwhile"));
    await bob.stdout.waitFor(
      line(`Received big.bin (500.0 kB) from Alice in <any> s: ${dir.path}/Bob-downloads/big.bin`),
    );
    await alice.stdout.waitFor(line("Sent big.bin (500.0 kB) to Bob in <any> s"));
    assert.deepEqual(Deno.readFileSync(`${dir.path}/Bob-downloads/big.bin`), payload);
    // The sender's node runs the transfer and says so; the file's name never crossed.
    await a.stdout.waitFor(
      / :: transfer of encrypted-file \(500176 bytes\) from Alice to Bob finished/,
    );

    await bob.type(`/send Alice ${dir.path}/Bob-downloads/big.bin`);
    await alice.stdout.waitFor(/ offers big\.bin \(500\.0 kB\), end-to-end encrypted: \/accept 2/);
    await alice.type("/reject");
    await bob.stdout.waitFor(line("Alice rejected big.bin"));
  },
);

processTest("a web page on one node and a terminal client on another talk end to end", async () => {
  using dir = tempDir();
  await using redis = await RedisServer.start({ dir: dir.path });
  await using a = await node(redis.url, ["--web-port", "0"]);
  await using b = await node(redis.url);
  // Its web port, from its start lines (the page is served from web/, which a node may read).
  const web = Number(/:(\d+)\/$/.exec((await a.stdout.waitFor(/^Web client at /)).line)![1]);
  using profile = tempDir();
  await using browser = await Browser.launch(profile.path);
  const page = await browser.open(`http://127.0.0.1:${web}/`);
  await page.submit("#nickname", "Webby");
  await page.waitFor("!document.getElementById('chat').hidden");
  await b.stdout.waitFor(line("<dt> :: Webby: connected."));
  await using term = new Program(
    "ChatClient.ts",
    ["127.0.0.1", `${b.port}`, "Term", "1", "--keys", `${dir.path}/term.json`],
    [`--allow-read=${dir.path}`, `--allow-write=${dir.path}`],
  );
  await page.waitFor(
    `[...document.querySelectorAll('#log .line')].some((l) => l.textContent.includes("Term joined"))`,
  );
  // Term publishes its key at node b as it starts, and the page looks it up at node a when it
  // whispers: the whisper waits until node a can tell Term's key (else it goes in the clear, said).
  {
    await using probe = await RawClient.registered(a.port, "Probe", [...EXTENSION_TYPES]);
    for (let tries = 0;; tries++) {
      await probe.sendMessage({ type: "keys", nickname: "Term" });
      if ((await probe.nextOfType("keys")).bundle !== undefined) break;
      assert.ok(tries < 200, "node a came to know Term's key");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  await page.submit("#message", "/w Term from a page on node a");
  await term.stdout.waitFor(line("<dt> :: [private, end-to-end] Webby: from a page on node a"));
  await term.type("/w Webby and back from node b");
  await page.waitFor(`document.querySelector('#tabs [data-id="@term"]')`);
  await page.eval(`document.querySelector('#tabs [data-id="@term"]').click()`);
  await page.waitFor(
    `[...document.querySelectorAll('#log .line')].some((l) => /end-to-end.*and back from node b/.test(l.textContent))`,
  );
});

processTest(
  "an account connected twice on one node gets everything from other nodes; not at another node",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using nodes = await twoNodes(redis.url);
    const { a, b, alice, bob } = nodes;
    await alice.sendMessage({ type: "account", action: "register", password: "correct horse" });
    assert.equal((await alice.nextOfType("account")).action, "register");
    const login = async (server: ServerProgram) => {
      const client = await RawClient.connect(server.port);
      await client.register("alice", "002", [...EXTENSION_TYPES]);
      assert.equal((await client.next()).type, "login");
      await client.sendMessage({ type: "login", password: "correct horse" });
      return client;
    };
    // At another node: refused, with why (before the password: /list shows as much). Node b
    // learns of the account over Redis: until then, the name is only taken.
    const refusal = async () => {
      await using elsewhere = await RawClient.connect(b.port);
      await elsewhere.register("alice", "003", [...EXTENSION_TYPES]);
      return await elsewhere.next();
    };
    let refused = await refusal();
    for (let tries = 0; tries < 50 && refused.message === "Nickname already in use"; tries++) {
      refused = await refusal();
    }
    assert.deepEqual(refused, {
      type: "error",
      message: "Alice is connected at another node of this chat: leave there first",
    });
    // At the same node: another connection of Alice.
    await using second = await login(a);
    assert.equal((await second.next()).type, "welcome");
    await a.stdout.waitFor(line("<dt> :: Alice: connected (now from 2 places)."));
    await bob.sendMessage({ type: "message", message: "from node b" });
    await bob.sendMessage({ type: "private", to: "alice", message: "psst from b" });
    for (const client of [alice, second]) {
      assert.equal((await client.nextOfType("broadcast")).message, "from node b");
      assert.equal((await client.nextOfType("private")).message, "psst from b");
    }
    await second.sendMessage({ type: "private", to: "bob", message: "back" });
    assert.equal((await bob.nextOfType("private")).message, "back");
    assert.deepEqual(
      Object.entries(await alice.nextOfType("private")).filter(([key]) => key !== "timestamp"),
      [["type", "private"], ["nickname", "Alice"], ["message", "back"], ["to", "Bob"]],
    );
    // The first connection leaves: nobody is told, and the second carries on.
    await alice.close();
    await a.stdout.waitFor(line("<dt> :: Alice: disconnected (still connected from 1 place)."));
    await bob.sendMessage({ type: "message", message: "still here?" });
    assert.equal((await second.nextOfType("broadcast")).message, "still here?");
    await bob.sendMessage({ type: "list" });
    assert.deepEqual((await bob.nextOfType("list")).users, ["Alice", "Bob"]);
    // The last leaves: then Alice may come back at node b.
    await second.close();
    assert.equal((await bob.nextOfType("left")).nickname, "Alice");
    await b.stdout.waitFor(line("<dt> :: Alice: disconnected."));
    await using back = await login(b);
    assert.equal((await back.next()).type, "welcome");
  },
);
