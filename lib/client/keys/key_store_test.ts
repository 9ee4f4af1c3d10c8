import assert from "node:assert/strict";
import { tempDir } from "../../tools/testing.ts";
import {
  defaultKeyFile,
  defaultKeyFolder,
  knownPeersFile,
  legacyKeyFile,
  openKeyFile,
} from "./key_store.ts";
import { openClientKeys } from "./open_keys.ts";

const NAME = { name: "terminal on test" };

Deno.test("openKeyFile() makes a key file of mode 0600 once, and reads the same key after", async () => {
  using dir = tempDir();
  const file = `${dir.path}/keys/alice@chat1.json`;
  const made = await openKeyFile(file, NAME);
  assert.equal(Deno.statSync(file).mode! & 0o777, 0o600);
  assert.equal(Deno.statSync(`${dir.path}/keys`).mode! & 0o777, 0o700);
  const again = await openKeyFile(file, NAME);
  assert.deepEqual(again.bundle, made.bundle);
  assert.equal(again.device.id, made.device.id);
  assert.equal(again.device.name, "terminal on test");
  // The file holds the private keys; the bundle holds none of them.
  const saved = JSON.parse(Deno.readTextFileSync(file));
  assert.equal(JSON.stringify(made.bundle).includes(saved.agreement.d), false);
});

Deno.test("openKeyFile() says which file is not a key file", async () => {
  using dir = tempDir();
  const file = `${dir.path}/broken.json`;
  Deno.writeTextFileSync(file, '{"v":1}');
  await assert.rejects(openKeyFile(file, NAME), /"[^"]*broken\.json" is not a key file/);
});

Deno.test("openKeyFile() takes over a key file made before chat ids, its peers, and the user's other ones as retired keys", async () => {
  using dir = tempDir();
  const old = legacyKeyFile(dir.path, "Bob", "localhost", 12345);
  const other = legacyKeyFile(dir.path, "Bob", "127.0.0.1", 12345);
  const first = await openKeyFile(old, NAME);
  const second = await openKeyFile(other, NAME);
  await first.pin("Alice", [{ bundle: second.bundle }]);
  const file = defaultKeyFile(dir.path, "Bob", "chat-id");
  const taken = await openKeyFile(file, NAME_WITH(old, [other]));
  assert.deepEqual(taken.bundle, first.bundle, "the same identity");
  assert.deepEqual(taken.retired.map((key) => key.bundle), [second.bundle]);
  assert.equal(taken.peer("alice")?.devices.length, 1, "the peers came along");
  assert.equal(Deno.statSync(knownPeersFile(file)).mode! & 0o777, 0o600);
  // The old file stays for an older client; the new one is used from now on.
  assert.ok(Deno.statSync(old).isFile);
  const again = await openKeyFile(file, NAME);
  assert.deepEqual(again.bundle, first.bundle);
});

function NAME_WITH(file: string, retired: string[]) {
  return { ...NAME, takeOver: { file, retired } };
}

Deno.test("defaultKeyFile() is per nickname and chat id, under the config folder", () => {
  const env = (values: Record<string, string>) => (name: string) => values[name];
  assert.equal(defaultKeyFolder(env({ HOME: "/home/a" })), "/home/a/.config/chat/keys");
  assert.equal(defaultKeyFolder(env({ XDG_CONFIG_HOME: "/c", HOME: "/home/a" })), "/c/chat/keys");
  assert.equal(defaultKeyFolder(env({})), undefined);
  assert.equal(defaultKeyFile("/k", "Alice", "Zm9v-Ym_F"), "/k/alice@Zm9v-Ym_F.json");
  assert.equal(defaultKeyFile("/k", "Al/../x", "h/1"), "/k/al_.._x@h_1.json");
  assert.equal(
    legacyKeyFile("/k", "Alice", "chat.example.org", 12345),
    "/k/alice@chat.example.org_12345.json",
  );
});

Deno.test("openClientKeys() uses one key file for one chat at any address and port", async () => {
  using dir = tempDir();
  const env = (name: string) => name === "XDG_CONFIG_HOME" ? dir.path : undefined;
  const at = (host: string, port: number, chat = "chat-A") =>
    openClientKeys(undefined, { nickname: "Bob", chat, host, port }, env);
  const first = await at("127.0.0.1", 1000);
  const second = await at("localhost", 2000);
  assert.ok("ring" in first && "ring" in second);
  assert.deepEqual(first.ring.bundle, second.ring.bundle);
  const otherChat = await at("127.0.0.1", 1000, "chat-B");
  assert.ok("ring" in otherChat);
  assert.notDeepEqual(otherChat.ring.bundle, first.ring.bundle);
});

Deno.test("openClientKeys() takes over the key file of before for this address, else the latest one", async () => {
  using dir = tempDir();
  const env = (name: string) => name === "XDG_CONFIG_HOME" ? dir.path : undefined;
  const folder = `${dir.path}/chat/keys`;
  const older = await openKeyFile(legacyKeyFile(folder, "Bob", "127.0.0.1", 1000), NAME);
  const newer = await openKeyFile(legacyKeyFile(folder, "Bob", "localhost", 2000), NAME);
  Deno.utimeSync(legacyKeyFile(folder, "Bob", "127.0.0.1", 1000), 1_000_000, 1_000_000);
  // Another user's file is nobody's to take.
  await openKeyFile(legacyKeyFile(folder, "Carol", "localhost", 3000), NAME);
  const at = (host: string, port: number, chat: string) =>
    openClientKeys(undefined, { nickname: "Bob", chat, host, port }, env);
  const here = await at("127.0.0.1", 1000, "chat-A");
  assert.ok("ring" in here);
  assert.deepEqual(here.ring.bundle, older.bundle);
  assert.deepEqual(here.ring.retired.map((key) => key.bundle), [newer.bundle]);
  // The server moved to a port of its own: the latest file of before is the one taken.
  const moved = await at("chat.example.org", 4000, "chat-B");
  assert.ok("ring" in moved);
  assert.deepEqual(moved.ring.bundle, newer.bundle);
  assert.deepEqual(moved.ring.retired.map((key) => key.bundle), [older.bundle]);
});
