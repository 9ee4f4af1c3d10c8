import assert from "node:assert/strict";
import type { ClientMessage, KeyBundle, PrivateMessage } from "../../protocol.ts";
import { generateIdentity, publicBundle } from "./e2e.js";
import {
  E2eClient,
  KeyRing,
  type KnownPeer,
  REMEMBERED_SESSIONS,
  SESSION_MESSAGES,
} from "./e2e_keys.js";

/** A key directory as the server keeps it: the bundles published, by nickname (lower case). */
class Directory {
  readonly bundles = new Map<string, KeyBundle>();

  /** A client named `nickname` on this directory, with a new identity unless `noKeys`. */
  async client(nickname: string, { noKeys = false, e2eOnly = false } = {}) {
    const printed: string[] = [];
    const saved: KnownPeer[][] = [];
    const identity = await generateIdentity();
    const ring = noKeys ? undefined : new KeyRing({
      identity,
      bundle: await publicBundle(identity),
      peers: [],
      save: (peers) => Promise.resolve(void saved.push(peers)),
      place: "in a test",
    });
    const client: E2eClient = new E2eClient({
      ring,
      unavailable: noKeys ? "no keys in this test" : undefined,
      print: (line) => printed.push(line),
      send: (message: ClientMessage) => {
        if (message.type !== "keys") return;
        if (message.bundle !== undefined) this.bundles.set(nickname.toLowerCase(), message.bundle);
        const asked = message.nickname;
        if (asked === undefined) return;
        const bundle = this.bundles.get(asked.toLowerCase());
        queueMicrotask(() => client.onKeys({ type: "keys", nickname: asked, bundle }));
      },
      nickname: () => nickname,
      now: () => new Date("2026-11-30T12:00:00Z"),
      e2eOnly,
    });
    client.start();
    return { client, printed, saved };
  }
}

/** The private message `message` as its recipient gets it from `from`. */
function delivered(from: string, message: ClientMessage | undefined): PrivateMessage & {
  e2e: NonNullable<PrivateMessage["e2e"]>;
} {
  assert.ok(message?.type === "private" && message.e2e !== undefined, "expected an e2e message");
  return { type: "private", nickname: from, e2e: message.e2e };
}

Deno.test("E2eClient.seal() encrypts to a peer with a key, and open() reads it once", async () => {
  const directory = new Directory();
  const alice = await directory.client("Alice");
  const bob = await directory.client("Bob");
  const sealed = await alice.client.seal("bob", "meet at noon");
  assert.equal(JSON.stringify(sealed).includes("noon"), false);
  const message = delivered("Alice", sealed);
  const opened = await bob.client.open(message);
  assert.equal(opened.text, "meet at noon");
  assert.equal(opened.time.toISOString(), "2026-11-30T12:00:00.000Z");
  await assert.rejects(bob.client.open(message), /a replay/);
  // Both pinned each other on first sight, and saved it.
  assert.equal(alice.saved.at(-1)?.[0].nickname, "bob");
  assert.equal(bob.saved.at(-1)?.[0].nickname, "Alice");
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
  const header = { name: "plans.txt", size: 5, sha256: "0".repeat(64) };
  const sealed = await alice.client.sealFile("Bob", "t1", header);
  assert.ok(sealed !== undefined && sealed !== "clear");
  assert.equal(JSON.stringify(sealed.e2e).includes("plans"), false);
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
    new KeyRing({
      identity,
      bundle,
      peers,
      save: (list) => Promise.resolve(void (saved = structuredClone(list))),
      place: "in a test",
    });
  const ring = open([]);
  await ring.saw("Bob", await publicBundle(await generateIdentity()));
  const time = (minute: number) => new Date(Date.UTC(2026, 10, 30, 12, minute)).toISOString();
  assert.equal(await ring.accept("Bob", "s0", 1, time(0)), true);
  assert.equal(await ring.accept("bob", "s0", 1, time(0)), false);
  assert.equal(await ring.accept("Bob", "s0", 2, time(1)), true);
  assert.equal(await ring.accept("Bob", "s0", 1, time(0)), false);
  // Opened again from what it saved (as after a restart): the same answers.
  const again = open(saved);
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
