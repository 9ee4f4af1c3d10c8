/**
 * The devices of an account with real processes, driven with raw JSON: the chat's id across a
 * restart and across a cluster's nodes, publishing, approving and revoking devices, messages
 * kept for each device, `unread` relayed, and bad input refused without a crash.
 */

import assert from "node:assert/strict";
import { deviceId, type DeviceInfo, EXTENSION_TYPES, type KeyBundle } from "../protocol.ts";
import { generateIdentity, publicBundle } from "../web/common/e2e.js";
import { RawClient } from "../lib/tools/raw_client.ts";
import { RedisServer } from "../lib/tools/redis_server.ts";
import { processTest, ServerProgram, tempDir } from "../lib/tools/testing.ts";

/** Starts a server that keeps its data in `dir`. */
function serverOn(dir: string): Promise<ServerProgram> {
  return ServerProgram.start(["--data", dir], [`--allow-read=${dir}`, `--allow-write=${dir}`]);
}

/** The `welcome` a new client `nickname` of `port` gets, and the client. */
async function welcomed(port: number, nickname: string) {
  const client = await RawClient.connect(port);
  await client.register(nickname, "001", EXTENSION_TYPES);
  return { client, welcome: await client.nextOfType("welcome") };
}

/** A client that logs in to account `nickname` (from `device`, if given). */
async function loggedIn(port: number, nickname: string, device?: string) {
  const client = await RawClient.connect(port);
  await client.register(nickname, "001", EXTENSION_TYPES);
  const prompt = await client.next();
  assert.equal(prompt.type, "login");
  await client.sendMessage({ type: "login", password: `${nickname}'s password`, device });
  const welcome = await client.next();
  assert.equal(welcome.type, "welcome");
  return { client, prompt, welcome };
}

/** A client that registers `nickname` and makes it an account. */
async function withAccount(port: number, nickname: string): Promise<RawClient> {
  const client = await RawClient.registered(port, nickname, EXTENSION_TYPES);
  await client.sendMessage({
    type: "account",
    action: "register",
    password: `${nickname}'s password`,
  });
  assert.equal((await client.nextOfType("account")).action, "register");
  return client;
}

/** A new device's bundle and id. */
async function newDevice(): Promise<{ bundle: KeyBundle; id: string }> {
  const bundle = await publicBundle(await generateIdentity()) as KeyBundle;
  return { bundle, id: await deviceId(bundle.sign) };
}

/** Publishes `bundle` as device `name` from `client`: its reply (a `keys` or an `error`). */
async function publish(client: RawClient, bundle: KeyBundle, name?: string) {
  await client.sendMessage({ type: "keys", bundle, device: name });
  return await reply(client);
}

/** The next `keys` or `error` message. */
async function reply(client: RawClient): Promise<Record<string, unknown>> {
  while (true) {
    const message = await client.next();
    if (message.type === "keys" || message.type === "error") return message;
  }
}

/** What the devices of a `keys` reply are, in short: `[name, approved]`. */
function listed(message: Record<string, unknown>): [string, boolean][] {
  return (message.devices as DeviceInfo[]).map((device) => [device.name, device.approved]);
}

processTest("the chat's id is the same in welcome and login across a restart", async () => {
  using data = tempDir();
  let chat;
  {
    await using server = await serverOn(data.path);
    const { client, welcome } = await welcomed(server.port, "Alice");
    await using _alice = client;
    chat = welcome.chat;
    assert.match(String(chat), /^[A-Za-z0-9_-]{22}$/);
    await client.sendMessage({ type: "account", action: "register", password: "Alice's password" });
    assert.equal((await client.nextOfType("account")).action, "register");
  }
  await using again = await serverOn(data.path);
  const { client, prompt, welcome } = await loggedIn(again.port, "Alice");
  await using _alice = client;
  assert.equal(prompt.chat, chat);
  assert.equal(welcome.chat, chat);
});

processTest("the nodes of a cluster share one chat id", async () => {
  using dir = tempDir();
  await using redis = await RedisServer.start({ dir: dir.path });
  const node = () => ServerProgram.startNode(redis.url);
  await using a = await node();
  await using b = await node();
  const first = await welcomed(a.port, "Alice");
  await using _alice = first.client;
  const second = await welcomed(b.port, "Bob");
  await using _bob = second.client;
  assert.match(String(first.welcome.chat), /^[A-Za-z0-9_-]{22}$/);
  assert.equal(second.welcome.chat, first.welcome.chat);
});

processTest(
  "an account's first device is approved, the next waits; approve, revoke, and no 17th",
  async () => {
    using data = tempDir();
    await using server = await serverOn(data.path);
    const laptop = await newDevice();
    const phone = await newDevice();
    {
      await using alice = await withAccount(server.port, "Alice");
      const first = await publish(alice, laptop.bundle, "laptop");
      assert.equal(first.device, laptop.id);
      assert.deepEqual(listed(first), [["laptop", true]]);
    }
    {
      const { client } = await loggedIn(server.port, "Alice", phone.id);
      await using alice = client;
      const second = await publish(alice, phone.bundle, "phone");
      assert.equal(second.device, phone.id);
      assert.deepEqual(second.bundle, laptop.bundle);
      assert.deepEqual(listed(second), [["laptop", true], ["phone", false]]);
      // The phone cannot approve itself.
      await alice.sendMessage({
        type: "approve",
        device: phone.id,
        by: phone.bundle.sign,
        sig: "x",
      });
      assert.equal(
        (await reply(alice)).message,
        "Only an approved device of yours can approve another",
      );
    }
    await using bob = await withAccount(server.port, "Bob");
    const bobs = await newDevice();
    await publish(bob, bobs.bundle);
    // Bob cannot approve or revoke Alice's phone: it is not on his account.
    await bob.sendMessage({ type: "approve", device: phone.id, by: bobs.bundle.sign, sig: "x" });
    assert.equal((await reply(bob)).message, `No device "${phone.id}" on your account`);
    await bob.sendMessage({ type: "revoke", device: phone.id });
    assert.equal((await reply(bob)).message, `No device "${phone.id}" on your account`);

    const { client } = await loggedIn(server.port, "Alice", laptop.id);
    await using alice = client;
    await publish(alice, laptop.bundle, "laptop");
    await alice.sendMessage({
      type: "approve",
      device: phone.id,
      by: laptop.bundle.sign,
      sig: "c2lnbmF0dXJl",
    });
    const approved = await reply(alice);
    assert.deepEqual(listed(approved), [["laptop", true], ["phone", true]]);
    const [, phoneInfo] = approved.devices as DeviceInfo[];
    assert.deepEqual([phoneInfo.by, phoneInfo.sig], [laptop.bundle.sign, "c2lnbmF0dXJl"]);
    // Bob sees both devices.
    await bob.sendMessage({ type: "keys", nickname: "alice" });
    assert.deepEqual(listed(await reply(bob)), [["laptop", true], ["phone", true]]);

    await alice.sendMessage({ type: "revoke", device: phone.id });
    assert.deepEqual(listed(await reply(alice)), [["laptop", true]]);
    for (let i = 2; i <= 16; i++) {
      assert.equal((await publish(alice, (await newDevice()).bundle, `device ${i}`)).type, "keys");
    }
    assert.equal(
      (await publish(alice, (await newDevice()).bundle)).message,
      "Your account has 16 devices: remove one with /revoke first",
    );
  },
);

processTest(
  "a message kept for an account reaches each device once, and is gone when both have it",
  async () => {
    using data = tempDir();
    await using server = await serverOn(data.path);
    const laptop = await newDevice();
    const phone = await newDevice();
    {
      await using alice = await withAccount(server.port, "Alice");
      await publish(alice, laptop.bundle, "laptop");
      await publish(alice, phone.bundle, "phone");
      await publish(alice, laptop.bundle, "laptop");
      await alice.sendMessage({
        type: "approve",
        device: phone.id,
        by: laptop.bundle.sign,
        sig: "s",
      });
      assert.deepEqual(listed(await reply(alice)), [["laptop", true], ["phone", true]]);
    }
    await using bob = await RawClient.registered(server.port, "Bob", EXTENSION_TYPES);
    await bob.sendMessage({ type: "private", to: "Alice", message: "for both of you" });
    assert.equal((await bob.nextOfType("queued")).to, "Alice");

    /** Logs in from `device`, and gives the kept messages' texts (acknowledging them). */
    const session = async (device?: string) => {
      const { client } = await loggedIn(server.port, "Alice", device);
      await using alice = client;
      // Kept messages come right after the welcome; a list request marks the end of them.
      await alice.sendMessage({ type: "list" });
      const texts = [];
      for (
        let message = await alice.next();
        message.type !== "list";
        message = await alice.next()
      ) {
        if (message.type !== "private") continue;
        texts.push(message.message);
        await alice.sendMessage({ type: "ack", id: message.id });
      }
      return texts;
    };
    assert.deepEqual(await session(laptop.id), ["for both of you"]);
    assert.deepEqual(await session(laptop.id), []);
    assert.deepEqual(await session(phone.id), ["for both of you"]);
    assert.deepEqual(await session(), []);
  },
);

processTest(
  "unread is relayed to the sender; bad input is refused and nothing breaks",
  async () => {
    using data = tempDir();
    await using server = await serverOn(data.path);
    await using alice = await withAccount(server.port, "Alice");
    await using bob = await RawClient.registered(server.port, "Bob", EXTENSION_TYPES);
    const t = new Date().toISOString();
    const reason = "it was sealed before this device was approved";
    await bob.sendMessage({ type: "unread", to: "alice", t, reason, device: "phone" });
    assert.deepEqual(await alice.nextOfType("unread"), {
      type: "unread",
      nickname: "Bob",
      t,
      reason,
      device: "phone",
    });
    const laptop = await newDevice();
    const hostile = [
      [{ type: "keys", bundle: laptop.bundle, device: "\u001b[31mred" }, /control characters/],
      [{ type: "keys", bundle: laptop.bundle, device: " " }, /cannot be empty/],
      [{ type: "approve", device: "../../etc/passwd", by: "x", sig: "y" }, /^No device "/],
      [{ type: "revoke", device: "A".repeat(16) }, /^No device "A{16}" on your account$/],
      [{ type: "revoke", device: 7 }, /field "device" must be/],
      [
        { type: "unread", to: "bob", t, reason: "Your account is locked: call 555-0100" },
        /one of the reasons the protocol names/,
      ],
    ] as const;
    for (const [message, error] of hostile) {
      await alice.sendMessage(message);
      assert.match(String((await alice.nextOfType("error")).message), error);
    }
    await bob.sendMessage({ type: "approve", device: laptop.id, by: "x", sig: "y" });
    assert.match(String((await bob.nextOfType("error")).message), /^Devices belong to accounts/);
    await alice.sendMessage({ type: "login", password: "x", device: "bad" });
    assert.match(String((await alice.nextOfType("error")).message), /^No login was asked for/);
    // Still serving.
    assert.equal((await publish(alice, laptop.bundle, "laptop")).device, laptop.id);
  },
);
