import assert from "node:assert/strict";
import { parseServerArgs } from "../server/args.ts";
import { DEFAULT_CLUSTER_PREFIX, DEFAULT_NODE_TIMEOUT_MS, parseClusterUrl } from "./cluster_url.ts";

Deno.test("parseClusterUrl() takes redis:// and rediss:// addresses and hides the password", () => {
  assert.deepEqual(parseClusterUrl("redis://127.0.0.1:6379"), {
    ok: true,
    value: {
      url: "redis://127.0.0.1:6379",
      shown: "redis://127.0.0.1:6379",
      prefix: DEFAULT_CLUSTER_PREFIX,
      nodeTimeoutMs: DEFAULT_NODE_TIMEOUT_MS,
    },
  });
  const secret = parseClusterUrl("rediss://user:s3cret@redis.example.org:6380/2", "a:", 5000);
  assert.ok(secret.ok);
  assert.equal(secret.value.shown, "rediss://user:***@redis.example.org:6380/2");
  assert.equal(secret.value.url, "rediss://user:s3cret@redis.example.org:6380/2");
  assert.equal(secret.value.prefix, "a:");
});

Deno.test("parseClusterUrl() refuses other schemes, no host, a path or a spaced prefix", () => {
  const error = (text: string, prefix?: string) => {
    const parsed = parseClusterUrl(text, prefix);
    assert.ok(!parsed.ok, text);
    return parsed.error;
  };
  assert.match(error("http://h:1"), /^ERR - option --cluster: "http:" is not redis: or rediss:/);
  assert.match(error("redis://"), /expected a host/);
  assert.match(error("redis://h:1/x"), /expected a database number after the port, got "\/x"/);
  assert.match(error("redis://h:1?a=b"), /expected nothing after the database/);
  assert.match(error("redis://h:1", "a b"), /^ERR - option --cluster-prefix: /);
  // A password is not repeated in an error either.
  assert.doesNotMatch(error("redis ://:s3cret@h"), /s3cret/);
});

Deno.test("parseServerArgs() reads --cluster, --cluster-prefix and --node-timeout", () => {
  const parsed = parseServerArgs([
    "12345",
    ...["--cluster", "redis://h:1", "--cluster-prefix", "x:", "--node-timeout", "5"],
  ]);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.cluster, {
    url: "redis://h:1",
    shown: "redis://h:1",
    prefix: "x:",
    nodeTimeoutMs: 5000,
  });
  const error = (...args: string[]) => {
    const result = parseServerArgs(args);
    assert.ok(!result.ok);
    return result.error;
  };
  assert.match(error("--cluster-prefix", "x:"), /^ERR - option --cluster-prefix needs --cluster/);
  assert.match(error("--cluster", "redis://h:1", "--node-timeout", "0"), /1 to 3600 seconds/);
  assert.match(error("--cluster", "redis://h:1", "--data", "d"), /--data cannot go with --cluster/);
});
