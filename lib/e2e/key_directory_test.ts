import assert from "node:assert/strict";
import { EXTENSION_TYPES } from "../../protocol.ts";
import { generateIdentity, publicBundle } from "../../web/common/e2e.js";
import { RawClient } from "../tools/raw_client.ts";
import { line, processTest, ServerProgram, tempDir } from "../tools/testing.ts";

processTest(
  "the server hands out the key bundle a user published, and says who has none or is unknown",
  async () => {
    await using server = await ServerProgram.start();
    await using alice = await RawClient.registered(server.port, "Alice");
    await using bob = await RawClient.registered(server.port, "Bob");
    await using _plain = await RawClient.registered(server.port, "Plain");
    const bundle = await publicBundle(await generateIdentity());
    await alice.sendMessage({ type: "keys", bundle: { ...bundle, extra: "dropped" } });
    assert.deepEqual(await alice.nextOfType("keys"), { type: "keys", nickname: "Alice", bundle });

    await bob.sendMessage({ type: "keys", nickname: "alice" });
    assert.deepEqual(await bob.nextOfType("keys"), { type: "keys", nickname: "Alice", bundle });
    await bob.sendMessage({ type: "keys", nickname: "Plain" });
    assert.deepEqual(await bob.nextOfType("keys"), { type: "keys", nickname: "Plain" });
    await bob.sendMessage({ type: "keys", nickname: "Nobody" });
    assert.equal((await bob.nextOfType("error")).message, 'No such user "Nobody"');

    await bob.sendMessage({ type: "keys" });
    assert.match(String((await bob.nextOfType("error")).message), /give "bundle" .* or "nickname"/);
    await bob.sendMessage({
      type: "keys",
      bundle: { v: 1, dh: "x".repeat(200), sign: "", sig: "" },
    });
    assert.match(
      String((await bob.nextOfType("error")).message),
      /field "bundle" must be a key bundle/,
    );

    // A guest's bundle goes with its connection.
    await alice.close();
    await server.stdout.waitFor(line("<dt> :: Alice: disconnected."));
    await bob.sendMessage({ type: "keys", nickname: "Alice" });
    assert.equal((await bob.nextOfType("error")).message, 'No such user "Alice"');
    // And nothing is taken before registering.
    await using early = await RawClient.connect(server.port);
    await early.sendMessage({ type: "keys", nickname: "Bob" });
    assert.match(String((await early.nextOfType("error")).message), /^Not registered/);
  },
);

processTest("an account's key bundle is kept across disconnects and restarts", async () => {
  using data = tempDir();
  const flags = [`--allow-read=${data.path}`, `--allow-write=${data.path}`];
  const bundle = await publicBundle(await generateIdentity());
  {
    await using server = await ServerProgram.start(["--data", data.path], flags);
    await using alice = await RawClient.registered(server.port, "Alice", EXTENSION_TYPES);
    await alice.sendMessage({ type: "account", action: "register", password: "alice's secret" });
    assert.equal((await alice.nextOfType("account")).action, "register");
    await alice.sendMessage({ type: "keys", bundle });
    assert.deepEqual((await alice.nextOfType("keys")).bundle, bundle);
  }
  await using server = await ServerProgram.start(["--data", data.path], flags);
  await using bob = await RawClient.registered(server.port, "Bob");
  await bob.sendMessage({ type: "keys", nickname: "ALICE" });
  assert.deepEqual(await bob.nextOfType("keys"), { type: "keys", nickname: "Alice", bundle });
});
