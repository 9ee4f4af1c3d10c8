import { connectRedis } from "../cluster/cluster_node.ts";
import { RedisServer } from "../tools/redis_server.ts";
import { tempDir } from "../tools/testing.ts";
import { RedisStore } from "./redis.ts";
import assert from "node:assert/strict";
import { storeSuite } from "./store_suite.ts";
import { deviceId } from "../../protocol.ts";
import { generateIdentity, publicBundle } from "../../web/common/e2e.js";

storeSuite("RedisStore", async (bounds) => {
  const dir = tempDir();
  const redis = await RedisServer.start({ dir: dir.path });
  const client = await connectRedis(redis.url);
  const store = new RedisStore(client, {
    prefix: "test:",
    bounds,
    where: redis.url,
    onError: (error) => {
      throw error;
    },
  });
  return {
    store,
    cleanup: async () => {
      await client.close();
      await redis.stop();
      dir[Symbol.dispose]();
    },
  };
});

Deno.test("RedisStore skips what does not parse in its keys, saying so once per kind", async () => {
  using dir = tempDir();
  await using redis = await RedisServer.start({ dir: dir.path });
  const client = await connectRedis(redis.url);
  const said: string[] = [];
  const bounds = {
    offlineMax: 10,
    offlineMaxAgeMs: 60_000,
    historyMax: 10,
    historyMaxAgeMs: 60_000,
  };
  const store = new RedisStore(client, {
    prefix: "t:",
    bounds,
    where: redis.url,
    onError: (error) => said.push(error.message),
  });
  try {
    const raw = (script: string, keys: string[], args: string[]) =>
      client.eval(script, { keys, arguments: args });
    await raw("redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])", ["t:accounts"], ["x", "{not json"]);
    await raw("redis.call('RPUSH', KEYS[1], ARGV[1])", ["t:kept:bob"], ["garbage"]);
    await raw("redis.call('RPUSH', KEYS[1], ARGV[1])", ["t:history:*"], ["[1,2"]);
    assert.deepEqual(await store.accountNames(), []);
    assert.equal(await store.account("x"), undefined);
    assert.equal(await store.setPassword("x", "h"), false);
    const now = Date.now();
    assert.deepEqual((await store.history("*", 10, now)).entries, []);
    // Keeping drops the bad entry at the head, and the rest works.
    const kept = await store.keep("bob", { from: "a", text: "hi", timestamp: "t", at: now });
    assert.ok(kept.ok);
    assert.deepEqual((await store.waiting("bob", now)).map((m) => m.text), ["hi"]);
    assert.deepEqual(said, [
      "ignored an account in Redis that does not parse",
      "ignored a history entry in Redis that does not parse",
    ]);
  } finally {
    await client.close();
  }
});

Deno.test("RedisStore makes an account's old key bundle its first device, once", async () => {
  using dir = tempDir();
  await using redis = await RedisServer.start({ dir: dir.path });
  const client = await connectRedis(redis.url);
  const bounds = {
    offlineMax: 10,
    offlineMaxAgeMs: 60_000,
    historyMax: 10,
    historyMaxAgeMs: 60_000,
  };
  const store = new RedisStore(client, {
    prefix: "t:",
    bounds,
    where: redis.url,
    onError: (error) => {
      throw error;
    },
  });
  try {
    const bundle = await publicBundle(await generateIdentity());
    const account = { nickname: "Alice", passwordHash: "h", created: 1, lastSeen: 1 };
    await client.eval("redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])", {
      keys: ["t:accounts"],
      arguments: ["alice", JSON.stringify({ ...account, keyBundle: JSON.stringify(bundle) })],
    });
    const [first, ...rest] = await store.devices("alice");
    assert.deepEqual(rest, []);
    assert.equal(first.id, await deviceId(bundle.sign));
    assert.deepEqual([first.name, first.bundle, first.approved], [
      "device",
      JSON.stringify(bundle),
      true,
    ]);
    assert.deepEqual(await store.account("alice"), account);
    await store.removeDevice("alice", first.id);
    assert.deepEqual(await store.devices("alice"), []);
  } finally {
    await client.close();
  }
});

Deno.test("RedisStore's problem() says when Redis does not answer", async () => {
  const bounds = { offlineMax: 1, offlineMaxAgeMs: 1, historyMax: 1, historyMaxAgeMs: 1 };
  const gone = { eval: () => Promise.reject(new Error("The client is closed")) };
  const store = new RedisStore(gone, { prefix: "t:", bounds, where: "nowhere", onError: () => {} });
  assert.equal(await store.problem(), "Redis does not answer: The client is closed");
});
