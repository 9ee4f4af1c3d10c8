import assert from "node:assert/strict";
import { generateIdentity, publicBundle } from "../../../web/common/e2e.js";
import { tempDir } from "../../tools/testing.ts";
import { defaultKeyFile, defaultKeyFolder, openKeyFile } from "./key_store.ts";

Deno.test("openKeyFile() makes a key file of mode 0600 once, and reads the same key after", async () => {
  using dir = tempDir();
  const file = `${dir.path}/keys/alice@localhost_12345.json`;
  const made = await openKeyFile(file);
  assert.equal(Deno.statSync(file).mode! & 0o777, 0o600);
  assert.equal(Deno.statSync(`${dir.path}/keys`).mode! & 0o777, 0o700);
  const again = await openKeyFile(file);
  assert.deepEqual(again.bundle, made.bundle);
  assert.equal(await again.ownFingerprint(), await made.ownFingerprint());
  // The file holds the private keys; the bundle holds none of them.
  const saved = JSON.parse(Deno.readTextFileSync(file));
  assert.equal(JSON.stringify(made.bundle).includes(saved.agreement.d), false);
});

Deno.test("openKeyFile() says which file is not a key file", async () => {
  using dir = tempDir();
  const file = `${dir.path}/broken.json`;
  Deno.writeTextFileSync(file, '{"v":1}');
  await assert.rejects(openKeyFile(file), /"[^"]*broken\.json" is not a key file/);
});

Deno.test("a peer's key is pinned on first sight; a changed one waits for trust()", async () => {
  using dir = tempDir();
  const file = `${dir.path}/alice.json`;
  const store = await openKeyFile(file);
  const first = await publicBundle(await generateIdentity());
  const second = await publicBundle(await generateIdentity());
  const seen = await store.saw("Bob", first);
  assert.equal(seen.kind, "new");
  assert.equal((await store.saw("bob", first)).kind, "known");
  const changed = await store.saw("Bob", second);
  assert.equal(changed.kind, "changed");
  assert.equal(changed.kind === "changed" && changed.pinned, seen.fingerprint);
  // Still the old key until the user trusts the new one, also after a restart.
  assert.deepEqual(store.trusted("Bob"), first);
  const reopened = await openKeyFile(file);
  assert.deepEqual(reopened.trusted("BOB"), first);
  assert.equal(await reopened.trust("Bob"), changed.fingerprint);
  assert.deepEqual(reopened.trusted("Bob"), second);
  assert.equal(await reopened.trust("Bob"), undefined);
  assert.equal(Deno.statSync(`${dir.path}/alice.peers.json`).mode! & 0o777, 0o600);
  // Another key file (another nickname or server) has peers of its own.
  assert.equal((await openKeyFile(`${dir.path}/carol.json`)).trusted("Bob"), undefined);
  assert.equal(reopened.trusted("Carol"), undefined);
});

Deno.test("defaultKeyFile() is per nickname and server, under the config folder", () => {
  const env = (values: Record<string, string>) => (name: string) => values[name];
  assert.equal(defaultKeyFolder(env({ HOME: "/home/a" })), "/home/a/.config/chat/keys");
  assert.equal(defaultKeyFolder(env({ XDG_CONFIG_HOME: "/c", HOME: "/home/a" })), "/c/chat/keys");
  assert.equal(defaultKeyFolder(env({})), undefined);
  assert.equal(
    defaultKeyFile("/k", "Alice", "chat.example.org", 12345),
    "/k/alice@chat.example.org_12345.json",
  );
  assert.equal(defaultKeyFile("/k", "Al/../x", "h", 1), "/k/al_.._x@h_1.json");
});
