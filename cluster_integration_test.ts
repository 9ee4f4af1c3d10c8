/**
 * Cluster mode (issue 15) with real processes: a real `redis-server` on a free port in a temp
 * folder, and ChatServer nodes that share it.
 */

import assert from "node:assert/strict";
import { REDIS_ENV } from "./lib/cluster/join.ts";
import { RedisServer } from "./lib/cluster/redis_server.ts";
import { RawClient } from "./lib/raw_client.ts";
import { line, processTest, Program, ServerProgram, tempDir } from "./lib/testing.ts";

/** What a node needs beyond the network: the environment variables the Redis client reads. */
const NODE_FLAGS = [`--allow-env=${REDIS_ENV.join(",")}`];

/** A node of the cluster at `url`, once it has said it joined. */
async function node(url: string, more: string[] = []): Promise<ServerProgram> {
  const server = await ServerProgram.start(["--cluster", url, ...more], NODE_FLAGS);
  await server.stdout.waitFor(/^Cluster .* joined as node [0-9a-f]{4} \(\d+ nodes?\)$/);
  return server;
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
