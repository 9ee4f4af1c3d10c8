/**
 * The health checks on a running server's web port: `/healthz` and `/readyz` while it serves,
 * while it shuts down, with its SQLite file taken away and given back, and as a cluster node
 * whose Redis stops and starts again.
 */

import assert from "node:assert/strict";
import { RawClient } from "../lib/tools/raw_client.ts";
import { RedisServer } from "../lib/tools/redis_server.ts";
import { processTest, ServerProgram, tempDir, WAIT_MS, within } from "../lib/tools/testing.ts";

/**
 * The web port from the server's start line, once the server takes clients (a client welcomed:
 * the web port answers before the server has read what it keeps, and is not ready till then).
 */
async function webPort(server: ServerProgram): Promise<number> {
  const { line } = await server.stdout.waitFor(/^Web client at http:\/\//);
  const probe = await RawClient.registered(server.port, "Probe");
  await probe.close();
  return Number(/:(\d+)\/$/.exec(line)![1]);
}

/** `GET path` on the web port: the status and the body. */
async function get(port: number, path: string): Promise<[number, string]> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return [response.status, await response.text()];
}

/**
 * Reads `conn` by hand until the server says `type`, leaving the connection open (a client that
 * does not close keeps a shutting-down server waiting for it, 2 s at most).
 */
async function readUntil(conn: Deno.Conn, type: string): Promise<void> {
  const buffer = new Uint8Array(4096);
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(`"type":"${type}"`)) {
    const n = await within(conn.read(buffer), WAIT_MS, `a ${type} from the server`);
    if (n === null) throw new Error(`The server closed the connection before a ${type}`);
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
  }
}

processTest(
  "/healthz and /readyz answer 200 while the server serves, and /readyz 503 once it is shutting down",
  async () => {
    await using server = await ServerProgram.start(["--web-port", "0"], ["--allow-read=web"]);
    const web = await webPort(server);
    assert.deepEqual(await get(web, "/healthz"), [200, "ok\n"]);
    assert.deepEqual(await get(web, "/readyz"), [200, "ready\n"]);
    // A client that stays connected keeps the server shutting down (2 s at most) after its
    // notice: long enough to ask.
    const bob = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    try {
      const registration = { type: "nickname", nickname: "Bob", clientID: "1" };
      await bob.write(new TextEncoder().encode(JSON.stringify(registration) + "\n"));
      await readUntil(bob, "welcome");
      server.kill("SIGTERM");
      await readUntil(bob, "shutdown");
      assert.deepEqual(await get(web, "/readyz"), [
        503,
        "not ready: the server is shutting down\n",
      ]);
      assert.deepEqual(await get(web, "/healthz"), [200, "ok\n"]);
    } finally {
      bob.close();
    }
    assert.equal(await server.exitCode(), 0);
  },
);

processTest(
  "/readyz answers 503 while the SQLite database file is gone, and 200 once it is back",
  async () => {
    using data = tempDir();
    await using server = await ServerProgram.start(
      ["--web-port", "0", "--data", data.path],
      [`--allow-read=web,${data.path}`, `--allow-write=${data.path}`],
    );
    const web = await webPort(server);
    assert.deepEqual(await get(web, "/readyz"), [200, "ready\n"]);
    const file = `${data.path}/chat.db`;
    Deno.renameSync(file, `${file}.away`);
    assert.deepEqual(await get(web, "/readyz"), [
      503,
      `not ready: the database file "${file}" is gone\n`,
    ]);
    assert.deepEqual(await get(web, "/healthz"), [200, "ok\n"]);
    Deno.renameSync(`${file}.away`, file);
    assert.deepEqual(await get(web, "/readyz"), [200, "ready\n"]);
  },
);

processTest(
  "a cluster node's /readyz answers 503 while its Redis is down, and 200 once the link is back",
  async () => {
    using dir = tempDir();
    await using redis = await RedisServer.start({ dir: dir.path });
    await using node = await ServerProgram.startNode(
      redis.url,
      ["--web-port", "0"],
      ["--allow-read=web"],
    );
    const web = await webPort(node);
    assert.deepEqual(await get(web, "/readyz"), [200, "ready\n"]);
    await redis.stop();
    await node.stdout.waitFor(/^Cluster link lost: .*; retrying$/);
    assert.deepEqual(await get(web, "/readyz"), [
      503,
      "not ready: the cluster's link to Redis is down\n",
    ]);
    assert.deepEqual(await get(web, "/healthz"), [200, "ok\n"]);
    await redis.restart();
    await node.stdout.waitFor("Cluster link restored");
    assert.deepEqual(await get(web, "/readyz"), [200, "ready\n"]);
  },
);
