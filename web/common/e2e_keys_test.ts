import assert from "node:assert/strict";
import type { ClientMessage, DeviceInfo, PrivateMessage } from "../../protocol.ts";
import { generateIdentity, type Identity, publicBundle } from "./e2e.js";
import { deviceId } from "./device_ids.js";
import { signApproval } from "./approvals.js";
import { E2eClient, KeyRing, SESSION_MESSAGES } from "./e2e_keys.js";
import { type KnownPeer, REMEMBERED_SESSIONS } from "./key_ring.js";

/**
 * A key directory as the server keeps it, devices and all: each user's devices in the order
 * they came, the first approved by being first, and what each client was told.
 */
class Directory {
  readonly devices = new Map<string, DeviceInfo[]>();
  readonly clients = new Map<string, E2eClient[]>();
  readonly unread: ClientMessage[] = [];

  /** A device of `nickname` on this directory, with a new identity unless `noKeys`. */
  async client(
    nickname: string,
    {
      noKeys = false,
      e2eOnly = false,
      name = "terminal",
      identity = undefined as Identity | undefined,
      retired = [] as Identity[],
    } = {},
  ) {
    const printed: string[] = [];
    const saved: KnownPeer[][] = [];
    identity ??= await generateIdentity();
    const ring = noKeys ? undefined : await KeyRing.open({
      identity,
      bundle: await publicBundle(identity),
      name,
      retired: await Promise.all(
        retired.map(async (old) => ({ identity: old, bundle: await publicBundle(old) })),
      ),
      peers: [],
      save: (peers) => Promise.resolve(void saved.push(structuredClone(peers))),
      place: "in a test",
    });
    const user = nickname.toLowerCase();
    const client: E2eClient = new E2eClient({
      ring,
      unavailable: noKeys ? "no keys in this test" : undefined,
      print: (line) => printed.push(line),
      send: (message: ClientMessage) => this.#handle(user, client, message),
      nickname: () => nickname,
      now: () => new Date("2026-11-30T12:00:00Z"),
      e2eOnly,
    });
    this.clients.set(user, [...this.clients.get(user) ?? [], client]);
    client.start();
    await new Promise((resolve) => setTimeout(resolve, 0));
    return { client, printed, saved, ring };
  }

  #handle(user: string, client: E2eClient, message: ClientMessage) {
    const list = this.devices.get(user) ?? [];
    if (message.type === "keys" && message.bundle !== undefined) {
      const bundle = message.bundle;
      deviceId(bundle.sign).then((id) => {
        const added = !list.some((device) => device.id === id);
        if (added) {
          list.push({ id, name: message.device ?? "device", bundle, approved: list.length === 0 });
        }
        this.devices.set(user, list);
        this.#reply(client, user, id);
        if (added) this.#pushTo(user, client);
      });
    } else if (message.type === "keys" && message.nickname !== undefined) {
      this.#reply(client, message.nickname.toLowerCase());
    } else if (message.type === "approve") {
      const device = list.find((each) => each.id === message.device)!;
      Object.assign(device, { approved: true, by: message.by, sig: message.sig });
      this.#pushTo(user);
    } else if (message.type === "revoke") {
      this.devices.set(user, list.filter((each) => each.id !== message.device));
      this.#pushTo(user);
    } else if (message.type === "unread") this.unread.push(message);
  }

  #reply(client: E2eClient, user: string, device?: string, changed?: boolean) {
    const devices = this.devices.get(user);
    const nickname = user[0].toUpperCase() + user.slice(1);
    queueMicrotask(() =>
      client.onKeys(
        devices === undefined || devices.length === 0
          ? { type: "keys", nickname }
          : device === undefined
          ? { type: "keys", nickname, devices: structuredClone(devices), changed }
          : { type: "keys", nickname, devices: structuredClone(devices), device },
      )
    );
  }

  /** Sends `user`'s devices to each of its clients, as the server does when they change. */
  #pushTo(user: string, except?: E2eClient) {
    for (const client of this.clients.get(user) ?? []) {
      if (client !== except) this.#reply(client, user, undefined, true);
    }
  }
}

/** The private message `message` as its recipient gets it from `from`. */
function delivered(
  from: string,
  message: ClientMessage | undefined,
  to?: string,
): PrivateMessage & {
  e2e: NonNullable<PrivateMessage["e2e"]>;
} {
  assert.ok(message?.type === "private" && message.e2e !== undefined, "expected an e2e message");
  return to === undefined
    ? { type: "private", nickname: from, e2e: message.e2e }
    : { type: "private", nickname: from, to, e2e: message.e2e };
}

Deno.test("E2eClient.seal() encrypts to a peer with a key, and open() reads it once", async () => {
  const directory = new Directory();
  const alice = await directory.client("Alice");
  const bob = await directory.client("Bob");
  const sealed = await alice.client.seal("bob", "meet at noon by the old oak");
  // A phrase long enough that random ciphertext never spells it (once, "noon" alone it did).
  assert.equal(JSON.stringify(sealed).includes("noon by the old oak"), false);
  const message = delivered("Alice", sealed);
  const opened = await bob.client.open(message);
  assert.equal(opened.text, "meet at noon by the old oak");
  assert.equal(opened.time.toISOString(), "2026-11-30T12:00:00.000Z");
  await assert.rejects(bob.client.open(message), /a replay/);
  // Both pinned each other on first sight, and saved it.
  assert.ok(alice.saved.at(-1)?.some((peer) => peer.nickname.toLowerCase() === "bob"));
  assert.ok(bob.saved.at(-1)?.some((peer) => peer.nickname.toLowerCase() === "alice"));
});

Deno.test("E2eClient.seal() renews the session key at each login", async () => {
  const directory = new Directory();
  const alice = await directory.client("Alice");
  await directory.client("Bob");
  const sid = async () => delivered("Alice", await alice.client.seal("Bob", "hi")).e2e.sid;
  const first = await sid();
  assert.equal(await sid(), first);
  alice.client.start();
  assert.notEqual(await sid(), first);
});

Deno.test("E2eClient.seal() renews the session key after SESSION_MESSAGES messages", async () => {
  const directory = new Directory();
  const alice = await directory.client("Alice");
  await directory.client("Bob");
  const sessions = new Set<string>();
  for (let i = 0; i <= SESSION_MESSAGES; i++) {
    const sealed = await alice.client.seal("Bob", `${i}`);
    sessions.add(delivered("Alice", sealed).e2e.sid);
  }
  assert.equal(sessions.size, 2);
});

Deno.test("E2eClient.seal() sends in the clear to a peer with no key, or refuses when e2eOnly", async () => {
  const directory = new Directory();
  const alice = await directory.client("Alice");
  await directory.client("Plain", { noKeys: true });
  assert.deepEqual(await alice.client.seal("Plain", "hi"), {
    type: "private",
    to: "Plain",
    message: "hi",
  });
  assert.match(alice.printed.at(-1)!, /^Plain has no key: private messages and files to Plain/);
  const strict = await directory.client("Strict", { e2eOnly: true });
  assert.equal(await strict.client.seal("Plain", "hi"), undefined);
  assert.equal(
    strict.printed.at(-1),
    "Not sent: Plain cannot read an encrypted message, and --e2e-only is on",
  );
});

Deno.test("E2eClient sends nothing to a changed key until /trust", async () => {
  const directory = new Directory();
  const alice = await directory.client("Alice");
  await directory.client("Bob");
  await alice.client.fingerprint("Bob");
  assert.match(alice.printed.at(-1)!, /^Bob's fingerprint: [\d ]+ \(first seen: now pinned/);
  // Bob lost every device (or someone stands in his place): one new device, first again.
  directory.devices.delete("bob");
  const impostor = await directory.client("Bob");
  assert.equal(await alice.client.seal("Bob", "secret"), undefined);
  assert.match(alice.printed.at(-2)!, /^Warning: Bob's key has changed\. Pinned: /);
  assert.equal(alice.printed.at(-1), "Not sent: Bob's key has changed (see above)");
  await alice.client.trust("Bob");
  assert.match(alice.printed.at(-1)!, /^You now trust Bob's new key: /);
  assert.equal(
    (await impostor.client.open(delivered("Alice", await alice.client.seal("Bob", "now")))).text,
    "now",
  );
});

Deno.test("E2eClient.sealFile() seals a file's header and chunks for openFile() only", async () => {
  const directory = new Directory();
  const alice = await directory.client("Alice");
  const bob = await directory.client("Bob");
  const header = { name: "plans-for-the-garden.txt", size: 5, sha256: "0".repeat(64) };
  const sealed = await alice.client.sealFile("Bob", "t1", header);
  assert.ok(sealed !== undefined && sealed !== "clear");
  assert.equal(JSON.stringify(sealed.e2e).includes("plans-for-the-garden"), false);
  const offer = {
    type: "offer" as const,
    id: "t1",
    from: "Alice",
    name: "x",
    size: 21,
    sha256: "",
    e2e: sealed.e2e,
  };
  const opened = await bob.client.openFile(offer);
  assert.deepEqual(opened.header, header);
  const data = new TextEncoder().encode("hello");
  assert.deepEqual(await opened.chunks.decrypt(0, await sealed.chunks.encrypt(0, data)), data);
  // The same envelope under another transfer's id does not open.
  await assert.rejects(bob.client.openFile({ ...offer, id: "t2" }), /changed/);
});

Deno.test("KeyRing.accept() takes each message once, also after the ring is opened again", async () => {
  const identity = await generateIdentity();
  const bundle = await publicBundle(identity);
  let saved: KnownPeer[] = [];
  const open = (peers: KnownPeer[]) =>
    KeyRing.open({
      identity,
      bundle,
      name: "terminal",
      peers,
      save: (list) => Promise.resolve(void (saved = structuredClone(list))),
      place: "in a test",
    });
  const ring = await open([]);
  await ring.pin("Bob", [{ bundle: await publicBundle(await generateIdentity()) }]);
  const time = (minute: number) => new Date(Date.UTC(2026, 10, 30, 12, minute)).toISOString();
  assert.equal(await ring.accept("Bob", "s0", 1, time(0)), true);
  assert.equal(await ring.accept("bob", "s0", 1, time(0)), false);
  assert.equal(await ring.accept("Bob", "s0", 2, time(1)), true);
  assert.equal(await ring.accept("Bob", "s0", 1, time(0)), false);
  // Opened again from what it saved (as after a restart): the same answers.
  const again = await open(saved);
  assert.equal(await again.accept("Bob", "s0", 2, time(1)), false);
  assert.equal(await again.accept("Bob", "s0", 3, time(2)), true);
  // Past the sessions it remembers, an unknown session no later than those forgotten is old.
  for (let i = 1; i <= REMEMBERED_SESSIONS; i++) {
    assert.equal(await again.accept("Bob", `s${i}`, 1, time(2 + i)), true);
  }
  assert.equal(saved[0].sessions?.length, REMEMBERED_SESSIONS);
  assert.equal(await again.accept("Bob", "s0", 1, time(0)), false);
  assert.equal(await again.accept("Bob", "s0", 3, time(2)), false);
  // A later message of a forgotten session, and a new session, are new.
  assert.equal(await again.accept("Bob", "s0", 4, time(100)), true);
  assert.equal(await again.accept("Bob", "s-new", 1, time(101)), true);
  // Nothing is accepted from someone not pinned, or with a time that is not one.
  assert.equal(await again.accept("Carol", "c0", 1, time(0)), false);
  assert.equal(await again.accept("Bob", "s-bad", 1, "yesterday"), false);
});

Deno.test("KeyRing.open() takes over peers kept before devices, one key each", async () => {
  const identity = await generateIdentity();
  const bob = await publicBundle(await generateIdentity());
  const ring = await KeyRing.open({
    identity,
    bundle: await publicBundle(identity),
    name: "terminal",
    peers: [{ nickname: "Bob", bundle: bob, fingerprint: "x", sessions: [] }],
    save: () => Promise.resolve(),
    place: "in a test",
  });
  const peer = ring.peer("bob")!;
  assert.equal(peer.devices.length, 1);
  assert.deepEqual(peer.devices[0].bundle, bob);
  assert.equal(peer.devices[0].id, await deviceId(bob.sign));
});

Deno.test("two devices of one account both open a whisper: one copy, a sealed key each", async () => {
  const directory = new Directory();
  const alice = await directory.client("Alice");
  const phone = await directory.client("Bob", { name: "terminal on phone" });
  const laptop = await directory.client("Bob", { name: "web page" });
  await phone.client.devices();
  await phone.client.approve(2);
  assert.match(phone.printed.at(-1)!, /^Approved device 2 \(web page\): [\d ]+$/);
  const sealed = delivered("Alice", await alice.client.seal("Bob", "to both"));
  assert.equal(Object.keys(sealed.e2e.keys!).length, 2);
  assert.equal((await phone.client.open(sealed)).text, "to both");
  assert.equal((await laptop.client.open(sealed)).text, "to both");
});

Deno.test("a whisper sent from one device opens on the account's other devices as sent", async () => {
  const directory = new Directory();
  await directory.client("Bob");
  const first = await directory.client("Alice");
  const second = await directory.client("Alice", { name: "web page" });
  await first.client.devices();
  await first.client.approve(2);
  await first.client.devices();
  const sealed = delivered("Alice", await first.client.seal("Bob", "sent from one"), "Bob");
  assert.equal((await second.client.open(sealed)).text, "sent from one");
});

Deno.test("an unapproved device is warned of and sealed nothing; once approved, peers see it added", async () => {
  const directory = new Directory();
  const alice = await directory.client("Alice");
  const bob = await directory.client("Bob");
  await alice.client.fingerprint("Bob");
  const fresh = await directory.client("Bob", { name: "web page" });
  assert.match(
    fresh.printed.join("\n"),
    /This device is not approved yet/,
  );
  const before = delivered("Alice", await alice.client.seal("Bob", "only the first"));
  assert.match(
    alice.printed.join("\n"),
    /Warning: Bob has a device that is not approved: web page/,
  );
  assert.equal(Object.keys(before.e2e.keys!).length, 1);
  // The new device says why it cannot open it, and the sender is told.
  await assert.rejects(
    fresh.client.open(before),
    /^Error: it was sealed before this device was approved/,
  );
  assert.deepEqual(
    directory.unread.map((notice) => notice.type === "unread" && [notice.to, notice.device]),
    [["Alice", "web page"]],
  );
  await bob.client.devices();
  assert.match(bob.printed.at(-1)!, /^ {2}2\. web page: [\d ]+ \(not approved: \/approve 2\)$/);
  assert.match(bob.printed.at(-2)!, /^ {2}1\. terminal: [\d ]+ \(approved, this device\)$/);
  await bob.client.devices();
  await bob.client.approve(2);
  const after = delivered("Alice", await alice.client.seal("Bob", "to both now"));
  assert.ok(alice.printed.includes("Bob added a device (web page)"));
  assert.ok(!alice.printed.some((line) => line.includes("has changed")));
  assert.equal((await fresh.client.open(after)).text, "to both now");
});

Deno.test("a revoked device is sealed nothing, and peers are told", async () => {
  const directory = new Directory();
  const alice = await directory.client("Alice");
  const bob = await directory.client("Bob");
  await directory.client("Bob", { name: "old laptop" });
  await bob.client.devices();
  await bob.client.approve(2);
  await alice.client.fingerprint("Bob");
  await bob.client.devices();
  await bob.client.revoke(2);
  assert.equal(bob.printed.at(-1), "Removed device 2 (old laptop): nothing is sealed to it now");
  const sealed = delivered("Alice", await alice.client.seal("Bob", "not to the old one"));
  assert.ok(alice.printed.includes("Bob removed a device (old laptop)"));
  assert.equal(Object.keys(sealed.e2e.keys!).length, 1);
});

Deno.test("a device the server adds without the account's approval is never sealed to", async () => {
  const directory = new Directory();
  const alice = await directory.client("Alice");
  await directory.client("Bob");
  await alice.client.fingerprint("Bob");
  const planted = await publicBundle(await generateIdentity());
  // A server of bad faith marks its own device approved, with a signature that is not Bob's.
  directory.devices.get("bob")!.push({
    id: await deviceId(planted.sign),
    name: "terminal",
    bundle: planted,
    approved: true,
    by: directory.devices.get("bob")![0].bundle.sign,
    sig: planted.sig,
  });
  const sealed = delivered("Alice", await alice.client.seal("Bob", "for Bob only"));
  assert.equal(Object.keys(sealed.e2e.keys!).length, 1);
  assert.match(alice.printed.join("\n"), /Warning: Bob has a device that is not approved/);
});

Deno.test("keys a device replaced still open what was sealed to them", async () => {
  const directory = new Directory();
  const alice = await directory.client("Alice");
  const old = await generateIdentity();
  await directory.client("Bob", { identity: old });
  const sealed = delivered("Alice", await alice.client.seal("Bob", "to the old key"));
  // The same machine, with new keys, the old ones kept as retired (a key file taken over).
  const bob = await directory.client("Bob", { retired: [old] });
  assert.equal((await bob.client.open(sealed)).text, "to the old key");
  // An envelope of before devices, sealed for one key, opens with a retired one too.
  const { keys, ...rest } = sealed.e2e;
  const legacy = { ...sealed, e2e: { ...rest, key: Object.values(keys!)[0] } };
  const reader = await directory.client("Bob", { retired: [old] });
  assert.equal((await reader.client.open(legacy)).text, "to the old key");
});

Deno.test("on first sight, a device the server marks approved without a signature is not trusted", async () => {
  const directory = new Directory();
  await directory.client("Bob");
  const planted = await publicBundle(await generateIdentity());
  directory.devices.get("bob")!.push({
    id: await deviceId(planted.sign),
    name: "terminal",
    bundle: planted,
    approved: true,
  });
  const alice = await directory.client("Alice");
  const sealed = delivered("Alice", await alice.client.seal("Bob", "first contact"));
  assert.equal(Object.keys(sealed.e2e.keys!).length, 1);
  assert.match(alice.printed.join("\n"), /Warning: Bob has a device that is not approved/);
});

Deno.test("a device removed from the list vouches for no new device", async () => {
  const directory = new Directory();
  const alice = await directory.client("Alice");
  const laptopKeys = await generateIdentity();
  const laptop = await directory.client("Bob", { identity: laptopKeys });
  await directory.client("Bob", { name: "phone" });
  await laptop.client.devices();
  await laptop.client.approve(2);
  await alice.client.fingerprint("Bob");
  // The laptop is stolen and removed; its key signs a device of the thief's, which a server of
  // bad faith lists.
  const list = directory.devices.get("bob")!;
  const stolen = list.shift()!;
  const thief = await publicBundle(await generateIdentity());
  const device = { bundle: thief, name: "terminal" };
  list.push({
    id: await deviceId(thief.sign),
    ...device,
    approved: true,
    by: stolen.bundle.sign,
    sig: await signApproval(laptopKeys, "bob", device),
  });
  const sealed = delivered("Alice", await alice.client.seal("Bob", "not for the thief"));
  assert.deepEqual(Object.keys(sealed.e2e.keys!), [list[0].id]);
  assert.ok(alice.printed.includes("Bob removed a device (terminal)"));
});
