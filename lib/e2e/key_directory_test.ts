import assert from "node:assert/strict";
import { deviceId, type DeviceInfo, EXTENSION_TYPES, type KeyBundle } from "../../protocol.ts";
import { FakeMember, RecordingOutbound } from "../core/fakes.ts";
import { MemoryStore } from "../store/memory.ts";
import { KeyDirectory } from "./key_directory.ts";
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
    const id = await deviceId(bundle.sign);
    const published = await alice.nextOfType("keys");
    const devices = published.devices as DeviceInfo[];
    assert.deepEqual({ ...published, devices: undefined }, {
      type: "keys",
      nickname: "Alice",
      bundle,
      devices: undefined,
      device: id,
    });
    assert.deepEqual(devices.map(({ added: _, ...rest }) => rest), [
      { id, name: "device", bundle, approved: true },
    ]);

    await bob.sendMessage({ type: "keys", nickname: "alice" });
    assert.deepEqual(await bob.nextOfType("keys"), {
      type: "keys",
      nickname: "Alice",
      bundle,
      devices,
    });
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
  const reply = await bob.nextOfType("keys");
  assert.deepEqual(reply.bundle, bundle);
  assert.deepEqual((reply.devices as DeviceInfo[]).map((d) => [d.id, d.approved]), [
    [await deviceId(bundle.sign), true],
  ]);
});

// ---------------------------------------------------------------------------
// The directory alone, on a memory store, with members without connections

const T = Date.UTC(2024, 2, 21, 10, 30);

/** A directory on a memory store with the accounts `alice` and `bob`, and its members. */
async function setUp() {
  const out = new RecordingOutbound();
  const store = new MemoryStore({
    offlineMax: 10,
    offlineMaxAgeMs: 60_000,
    historyMax: 10,
    historyMaxAgeMs: 60_000,
  });
  for (const nickname of ["Alice", "Bob"]) {
    const account = { nickname, passwordHash: "h", created: T, lastSeen: T };
    await store.createAccount(nickname.toLowerCase(), account);
  }
  const members = new Map<string, FakeMember>();
  const log: string[] = [];
  const keys = new KeyDirectory<FakeMember>({
    out,
    store,
    find: (nickname) => members.get(nickname.toLowerCase()),
    log: (event) => log.push(event.text),
    now: () => T,
  });
  let port = 50_000;
  /** A member registered as `nickname`, logged in to its account if `account`. */
  const connect = (nickname: string, account = true) => {
    const member = new FakeMember(port++);
    member.nickname = nickname;
    member.account = account ? nickname.toLowerCase() : undefined;
    member.extensions = new Set(EXTENSION_TYPES);
    members.set(nickname.toLowerCase(), member);
    return member;
  };
  const refusalsOf = (member: FakeMember) =>
    out.refusals.filter((refusal) => refusal.to === member.nickname);
  /** Runs `command` for `member`, and gives its answer (or `{error}`). */
  const ask = async (member: FakeMember, command: Parameters<typeof keys.handle>[1]) => {
    const messages = out.received(member).length;
    const refusals = refusalsOf(member).length;
    keys.handle(member, command);
    await until(() =>
      out.received(member).length > messages || refusalsOf(member).length > refusals
    );
    return refusalsOf(member).length > refusals
      ? { error: refusalsOf(member).at(-1)!.message }
      : out.received(member).at(-1) as Record<string, unknown>;
  };
  return { out, store, keys, connect, ask, log };
}

/** Waits (a bounded while) until `condition` holds. */
async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("Timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** A new device's bundle and id. */
async function newDevice(): Promise<{ bundle: KeyBundle; id: string }> {
  const bundle = await publicBundle(await generateIdentity()) as KeyBundle;
  return { bundle, id: await deviceId(bundle.sign) };
}

Deno.test("the first device of an account is approved, the next ones wait for approval", async () => {
  const { connect, ask, out } = await setUp();
  const laptop = connect("Alice");
  const first = await newDevice();
  const second = await newDevice();
  const reply = await ask(laptop, { kind: "keys", bundle: first.bundle, device: "laptop" });
  assert.equal(reply.device, first.id);
  assert.deepEqual(reply.bundle, first.bundle);
  assert.deepEqual(reply.devices, [{
    id: first.id,
    name: "laptop",
    bundle: first.bundle,
    approved: true,
    added: new Date(T).toISOString(),
  }]);
  // Another connection of the account (one per nickname today: the same member) publishes.
  const phone = await ask(laptop, { kind: "keys", bundle: second.bundle, device: "phone" });
  assert.deepEqual((phone.devices as DeviceInfo[]).map((d) => [d.name, d.approved]), [
    ["laptop", true],
    ["phone", false],
  ]);
  assert.deepEqual(phone.bundle, first.bundle);
  // Publishing the same device again changes nothing, and keeps its approval.
  const again = await ask(laptop, { kind: "keys", bundle: first.bundle, device: "laptop" });
  assert.deepEqual(again.devices, phone.devices);
  assert.equal(out.refusals.length, 0);
});

Deno.test("an approved device approves another; the list goes to the account", async () => {
  const { connect, ask, keys } = await setUp();
  const alice = connect("Alice");
  const first = await newDevice();
  const second = await newDevice();
  await ask(alice, { kind: "keys", bundle: first.bundle });
  await ask(alice, { kind: "keys", bundle: second.bundle, device: "phone" });
  // The member is now the second device, which is not approved.
  assert.equal(keys.deviceOf(alice), second.id);
  assert.deepEqual(
    await ask(alice, { kind: "approve", device: second.id, by: second.bundle.sign, sig: "s" }),
    { error: "Only an approved device of yours can approve another" },
  );
  await ask(alice, { kind: "keys", bundle: first.bundle });
  assert.deepEqual(
    await ask(alice, { kind: "approve", device: second.id, by: second.bundle.sign, sig: "s" }),
    { error: "Only an approved device of yours can approve another" },
  );
  assert.deepEqual(
    await ask(alice, { kind: "approve", device: "x".repeat(16), by: first.bundle.sign, sig: "s" }),
    { error: 'No device "xxxxxxxxxxxxxxxx" on your account' },
  );
  const approved = await ask(alice, {
    kind: "approve",
    device: second.id,
    by: first.bundle.sign,
    sig: "signature",
  });
  assert.equal(approved.device, undefined);
  assert.deepEqual((approved.devices as DeviceInfo[])[1], {
    id: second.id,
    name: "phone",
    bundle: second.bundle,
    approved: true,
    by: first.bundle.sign,
    sig: "signature",
    added: new Date(T).toISOString(),
  });
});

Deno.test("another account's device, a guest, a hostile name: refused, with reasons", async () => {
  const { connect, ask } = await setUp();
  const alice = connect("Alice");
  const bob = connect("Bob");
  const guest = connect("Carol", false);
  const a = await newDevice();
  const b = await newDevice();
  await ask(alice, { kind: "keys", bundle: a.bundle });
  await ask(bob, { kind: "keys", bundle: b.bundle });
  assert.deepEqual(
    await ask(bob, { kind: "approve", device: a.id, by: b.bundle.sign, sig: "s" }),
    { error: `No device "${a.id}" on your account` },
  );
  assert.deepEqual(await ask(bob, { kind: "revoke", device: a.id }), {
    error: `No device "${a.id}" on your account`,
  });
  assert.deepEqual(await ask(guest, { kind: "revoke", device: a.id }), {
    error: "Devices belong to accounts: /register your nickname first",
  });
  assert.match(
    String((await ask(alice, { kind: "keys", bundle: a.bundle, device: "evil\nname" })).error),
    /^A device name cannot hold control characters: "evil\\nname" was not taken$/,
  );
  assert.match(
    String((await ask(alice, { kind: "keys", bundle: a.bundle, device: "x".repeat(65) })).error),
    /^A device name has at most 64 characters/,
  );
  assert.deepEqual(
    await ask(alice, { kind: "keys", bundle: { ...a.bundle, sign: "not base64!" } }),
    { error: 'Invalid key bundle: "sign" is not base64' },
  );
  assert.match(
    String(
      (await ask(bob, { kind: "approve", device: a.id, by: "k".repeat(200), sig: "" }))
        .error,
    ),
    /"by" and "sig" have at most 128 characters/,
  );
  // A guest's one device is approved, and goes with its connection.
  const g = await newDevice();
  const published = await ask(guest, { kind: "keys", bundle: g.bundle });
  assert.deepEqual((published.devices as DeviceInfo[]).map((d) => [d.id, d.approved]), [
    [g.id, true],
  ]);
});

Deno.test("past 16 devices a new one is refused; revoking makes room", async () => {
  const { connect, ask, keys } = await setUp();
  const alice = connect("Alice");
  const devices: { bundle: KeyBundle; id: string }[] = [];
  for (let i = 0; i < 17; i++) devices.push(await newDevice());
  for (const device of devices.slice(0, 16)) {
    assert.equal((await ask(alice, { kind: "keys", bundle: device.bundle })).device, device.id);
  }
  assert.deepEqual(await ask(alice, { kind: "keys", bundle: devices[16].bundle }), {
    error: "Your account has 16 devices: remove one with /revoke first",
  });
  // The member is device 16 (unapproved): it may revoke itself, not another.
  assert.equal(keys.deviceOf(alice), devices[15].id);
  assert.deepEqual(await ask(alice, { kind: "revoke", device: devices[1].id }), {
    error: "Only an approved device of yours, or the device itself, can revoke it",
  });
  const revoked = await ask(alice, { kind: "revoke", device: devices[15].id });
  assert.equal((revoked.devices as DeviceInfo[]).length, 15);
  assert.equal(keys.deviceOf(alice), undefined);
  // Back, it is a new device, unapproved; the first device revokes another.
  const back = await ask(alice, { kind: "keys", bundle: devices[15].bundle });
  assert.equal((back.devices as DeviceInfo[]).at(-1)!.approved, false);
  await ask(alice, { kind: "keys", bundle: devices[0].bundle });
  const after = await ask(alice, { kind: "revoke", device: devices[3].id });
  assert.equal(
    (after.devices as DeviceInfo[]).some((d) => d.id === devices[3].id),
    false,
  );
});

Deno.test("a lookup gives every device and the first approved bundle; unknown users are said", async () => {
  const { connect, ask, store } = await setUp();
  const alice = connect("Alice");
  const bob = connect("Bob");
  const a = await newDevice();
  const b = await newDevice();
  await ask(alice, { kind: "keys", bundle: a.bundle });
  await ask(alice, { kind: "keys", bundle: b.bundle });
  const reply = await ask(bob, { kind: "keys", nickname: "ALICE" });
  assert.deepEqual(reply.bundle, a.bundle);
  assert.deepEqual((reply.devices as DeviceInfo[]).map((d) => d.id), [a.id, b.id]);
  await store.createAccount("dave", {
    nickname: "Dave",
    passwordHash: "h",
    created: T,
    lastSeen: T,
  });
  assert.deepEqual(await ask(bob, { kind: "keys", nickname: "dave" }), {
    type: "keys",
    nickname: "Dave",
  });
  assert.deepEqual(await ask(bob, { kind: "keys", nickname: "nobody" }), {
    error: 'No such user "nobody"',
  });
});

Deno.test("unread is relayed to the sender's connections, checked, and dropped when away", async () => {
  const { connect, ask, keys, out } = await setUp();
  const alice = connect("Alice");
  const bob = connect("Bob");
  const unread = { kind: "unread" as const, to: "alice", t: "2024-01-01T00:00:00.000Z" };
  assert.match(
    String((await ask(bob, { ...unread, reason: "Click here: https://example.com" })).error),
    /"reason" must be one of the reasons the protocol names/,
  );
  assert.match(
    String(
      (await ask(bob, {
        ...unread,
        reason: "it was sealed before this device was approved",
        device: "d".repeat(65),
      })).error,
    ),
    /A device name has at most 64 characters/,
  );
  assert.deepEqual(out.received(alice), []);
  keys.handle(bob, {
    ...unread,
    reason: "it was sealed before this device was approved",
    device: "phone",
  });
  assert.deepEqual(out.received(alice), [{
    type: "unread",
    nickname: "Bob",
    t: unread.t,
    reason: "it was sealed before this device was approved",
    device: "phone",
  }]);
  // To someone away, or who did not ask for these notices: nothing, and no error.
  keys.handle(bob, {
    ...unread,
    to: "nobody",
    reason: "it was sealed before this device was approved",
  });
  alice.extensions = new Set();
  keys.handle(bob, { ...unread, reason: "it was sealed before this device was approved" });
  assert.equal(out.received(alice).length, 1);
  assert.deepEqual(out.refusals.filter((r) => r.to === "Bob").length, 2);
});

Deno.test("unread for an account that is away is kept for it, as a notice", async () => {
  const { connect, keys, store } = await setUp();
  await store.createAccount("dana", {
    nickname: "Dana",
    passwordHash: "h",
    created: T,
    lastSeen: T,
  });
  const bob = connect("Bob");
  keys.handle(bob, {
    kind: "unread",
    to: "Dana",
    t: "2024-01-01T00:00:00.000Z",
    reason: "it was sealed before this device was approved",
  });
  let kept: Awaited<ReturnType<typeof store.waiting>> = [];
  for (let i = 0; i < 50 && kept.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    kept = await store.waiting("dana", T);
  }
  assert.equal(kept.length, 1);
  assert.deepEqual(JSON.parse(kept[0].notice!), {
    type: "unread",
    nickname: "Bob",
    t: "2024-01-01T00:00:00.000Z",
    reason: "it was sealed before this device was approved",
  });
});

Deno.test("a guest's device becomes its account's first device when it registers", async () => {
  const { connect, ask, keys, store } = await setUp();
  const guest = connect("Carol", false);
  const device = await newDevice();
  await ask(guest, { kind: "keys", bundle: device.bundle, device: "laptop" });
  await store.createAccount("carol", {
    nickname: "Carol",
    passwordHash: "h",
    created: T,
    lastSeen: T,
  });
  guest.account = "carol";
  await keys.registered(guest);
  assert.deepEqual((await store.devices("carol")).map((d) => [d.id, d.name, d.approved]), [
    [device.id, "laptop", true],
  ]);
});
