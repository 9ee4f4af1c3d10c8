import assert from "node:assert/strict";
import type { KeyBundle } from "../../protocol.ts";
import { ChatCore } from "../core/chat.ts";
import { FakeMember, RecordingOutbound } from "../core/fakes.ts";
import type { BusMessage } from "./bus_messages.ts";
import { digestOf } from "./digest.ts";
import { Presence } from "./presence.ts";
import type { RemoteMember } from "./remote_member.ts";

const BUNDLE: KeyBundle = { v: 1, dh: "dh", sign: "sign", sig: "sig" };

/** A node with a core of its own and one user, Alice, who is in `#ops`. */
function setUp(live: string[] = []) {
  const out = new RecordingOutbound();
  const published: { channel: string; message: BusMessage }[] = [];
  const channels: string[] = [];
  const said: string[] = [];
  const left: string[] = [];
  const bundles = new Map<FakeMember | RemoteMember, KeyBundle | undefined>();
  const link = { holding: false };
  const presence = new Presence<FakeMember>({
    node: {
      id: "me",
      up: true,
      settings: { url: "", shown: "", prefix: "chat:", nodeTimeoutMs: 20 },
      liveNodes: () => Promise.resolve(live),
      channel: (name) => `chat:${name}`,
      listen: (channel) => Promise.resolve(void channels.push(`listen ${channel}`)),
      unlisten: (channel) => Promise.resolve(void channels.push(`unlisten ${channel}`)),
    },
    publish: (channel, message) => published.push({ channel, message }),
    holding: () => link.holding,
    left: (member) => left.push(member.nickname!),
    log: (event) => said.push(`${event.event} ${event.fields.node}`),
    features: () => ({
      keys: {
        bundleOf: (member) => bundles.get(member),
        setBundle: (member, bundle) => bundles.set(member, bundle),
      },
      transfers: { left: (member) => left.push(`${member.nickname}'s transfers`) },
    }),
  });
  const core = new ChatCore<FakeMember | RemoteMember>({
    out,
    log: () => {},
    observer: presence.observer,
  });
  presence.attach(core);
  const alice = new FakeMember(1);
  core.handle(alice, {
    kind: "register",
    nickname: "Alice",
    clientID: "c1",
    extensions: ["joined", "left"],
  });
  core.handle(alice, { kind: "join", room: "#ops" });
  out.deliveries.length = 0;
  return { alice, bundles, channels, core, left, link, out, presence, published, said };
}

/** Lets what waits on a settled promise run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("Presence tells the other nodes of its users' changes, and joins a room's channel first", async () => {
  const { alice, channels, core, left, published } = setUp();
  assert.deepEqual(published.map(({ message }) => message.kind), ["join"], "not in #ops yet");
  await settle();
  core.handle(alice, { kind: "nick", nickname: "Alicia" });
  core.handle(alice, { kind: "leave", room: "#ops" });
  core.leave(alice, "bye");
  await settle();
  assert.deepEqual(channels, ["listen chat:room:#ops", "unlisten chat:room:#ops"]);
  assert.deepEqual(published.map(({ message }) => message), [
    {
      kind: "join",
      member: { nickname: "Alice", clientID: "c1", extensions: ["joined", "left"] },
    },
    { kind: "room", nickname: "Alice", room: "#ops", in: true },
    { kind: "nick", old: "Alice", nickname: "Alicia" },
    { kind: "room", nickname: "Alicia", room: "#ops", in: false },
    { kind: "leave", nickname: "Alicia", reason: undefined },
  ]);
  assert.ok(published.every(({ channel }) => channel === "all"));
  assert.deepEqual(left, ["Alicia"]);
});

Deno.test("Presence mirrors another node's users in the core: joined, renamed, in rooms, left", () => {
  const { bundles, core, left, presence } = setUp();
  presence.heardFrom("n1");
  presence.hear("n1", { kind: "join", member: { nickname: "Bob", extensions: [] } });
  presence.hear("n1", { kind: "nick", old: "bob", nickname: "Robert" });
  presence.hear("n1", { kind: "room", nickname: "Robert", room: "#ops", in: true });
  presence.hear("n1", { kind: "keys", nickname: "Robert", bundle: BUNDLE });
  const robert = presence.member("n1", "ROBERT")!;
  assert.equal(core.find("Robert"), robert);
  assert.equal(presence.remoteCount, 1);
  assert.deepEqual([...core.membersOf("#ops")].map((member) => member.nickname), [
    "Alice",
    "Robert",
  ]);
  assert.equal(bundles.get(robert), BUNDLE);
  presence.hear("n1", { kind: "leave", nickname: "Robert" });
  assert.equal(core.find("Robert"), undefined);
  assert.equal(presence.member("n1", "Robert"), undefined);
  assert.equal(bundles.get(robert), undefined);
  assert.deepEqual(left, ["Robert's transfers"]);
});

Deno.test("Presence answers hello with its users, their rooms and bundles, on the asker's channel", () => {
  const { alice, bundles, presence, published } = setUp();
  bundles.set(alice, BUNDLE);
  published.length = 0;
  presence.hear("n1", { kind: "hello" });
  assert.deepEqual(published, [{
    channel: "node:n1",
    message: {
      kind: "state",
      members: [{
        nickname: "Alice",
        clientID: "c1",
        extensions: ["joined", "left", "room"],
        rooms: ["#ops"],
        bundle: BUNDLE,
      }],
    },
  }]);
});

Deno.test("Presence tells its users who joined another node or a room there, and who left it while the nodes were apart", () => {
  const { alice, core, out, presence } = setUp();
  presence.heardFrom("n1");
  presence.hear("n1", { kind: "join", member: { nickname: "Bob", extensions: [] } });
  presence.hear("n1", {
    kind: "state",
    members: [{ nickname: "Carol", extensions: [], rooms: ["#ops"] }],
  });
  assert.equal(core.find("Bob"), undefined);
  assert.equal(core.find("Carol")?.nickname, "Carol");
  const told = out.received(alice).map((m) =>
    m.type === "left"
      ? `${m.nickname} left: ${m.reason}`
      : m.type === "joined"
      ? `${m.nickname} joined${m.room === undefined ? "" : ` ${m.room}`}`
      : m.type
  );
  assert.deepEqual(told, [
    "Bob joined",
    "Bob left: left while the servers could not reach each other",
    "Carol joined",
    "Carol joined #ops",
  ]);
  // A join of a room another node tells of is told here once, to those in the room.
  presence.hear("n1", { kind: "room", nickname: "Carol", room: "#ops", in: true });
  presence.hear("n1", { kind: "join", member: { nickname: "Dan", extensions: [] } });
  presence.hear("n1", { kind: "room", nickname: "Dan", room: "#ops", in: true });
  presence.hear("n1", { kind: "room", nickname: "Dan", room: "#elsewhere", in: true });
  assert.deepEqual(
    out.received(alice).slice(4).map((m) => m.type === "joined" ? `${m.nickname} ${m.room}` : ""),
    ["Dan undefined", "Dan #ops"],
  );
  assert.deepEqual([...core.membersOf("#ops")].map((member) => member.nickname), [
    "Alice",
    "Carol",
    "Dan",
  ]);
});

Deno.test("Presence says hello at start, and takes a node whose lease ran out for gone", async () => {
  const { core, presence, published, said } = setUp();
  presence.heardFrom("n1");
  presence.hear("n1", { kind: "join", member: { nickname: "Bob", extensions: [] } });
  await settle();
  published.length = 0;
  await presence.start();
  try {
    assert.deepEqual(published, [{ channel: "all", message: { kind: "hello" } }]);
    while (said.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    presence.stop();
  }
  assert.deepEqual(said, ["cluster_node_gone n1"]);
  assert.equal(core.find("Bob"), undefined);
});

Deno.test("a user back on a restarted node is in the chat here once its old node is found gone", async () => {
  const { alice, core, out, presence, said } = setUp(["n2"]);
  presence.heardFrom("n1");
  presence.hear("n1", { kind: "join", member: { nickname: "Bob", extensions: ["joined"] } });
  // n1 was killed; Bob is back on n2 before this node finds n1 gone, and joins #ops there.
  presence.heardFrom("n2");
  presence.hear("n2", { kind: "join", member: { nickname: "Bob", extensions: ["joined"] } });
  presence.hear("n2", { kind: "room", nickname: "Bob", room: "#ops", in: true });
  assert.equal((core.find("Bob") as RemoteMember).node, "n1");
  await presence.start();
  try {
    while (said.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    presence.stop();
  }
  assert.deepEqual(said, ["cluster_node_gone n1"]);
  const bob = core.find("Bob") as RemoteMember | undefined;
  assert.equal(bob?.node, "n2", "Bob of n2 is in the chat");
  assert.deepEqual([...core.membersOf("#ops")].map((member) => member.nickname), ["Alice", "Bob"]);
  const told = out.received(alice).flatMap((m) =>
    m.type === "left"
      ? [`${m.nickname} left: ${m.reason}`]
      : m.type === "joined"
      ? [`${m.nickname} joined`]
      : []
  );
  assert.deepEqual(told, ["Bob joined", "Bob left: their server is gone", "Bob joined"]);
});

Deno.test("a node whose view of another differs from that node's digest asks for its state", () => {
  const { core, presence, published } = setUp();
  presence.heardFrom("n1");
  presence.hear("n1", { kind: "join", member: { nickname: "Bob", extensions: [] } });
  presence.hear("n1", { kind: "room", nickname: "Bob", room: "#ops", in: true });
  // A divergence: n1 says Bob left #ops and Carol came, but those messages were lost here.
  const truth = digestOf([{ nickname: "Bob", rooms: [] }, { nickname: "Carol", rooms: ["#ops"] }]);
  published.length = 0;
  presence.hear("n1", { kind: "digest", ...truth });
  assert.deepEqual(published, [{ channel: "node:n1", message: { kind: "sync" } }]);
  presence.hear("n1", {
    kind: "state",
    members: [
      { nickname: "Bob", extensions: [], rooms: [] },
      { nickname: "Carol", extensions: [], rooms: ["#ops"] },
    ],
  });
  assert.deepEqual([...core.membersOf("#ops")].map((member) => member.nickname), [
    "Alice",
    "Carol",
  ]);
  published.length = 0;
  presence.hear("n1", { kind: "digest", ...truth });
  assert.deepEqual(published, [], "the views agree: nothing more is asked");
});

Deno.test("a node asked to sync answers with its state; each quarter timeout it says its digest", async () => {
  const { alice, core, presence, published } = setUp();
  published.length = 0;
  presence.hear("n1", { kind: "sync" });
  assert.deepEqual(published.map(({ channel, message }) => `${channel} ${message.kind}`), [
    "node:n1 state",
  ]);
  published.length = 0;
  await presence.start();
  try {
    while (!published.some(({ message }) => message.kind === "digest")) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    presence.stop();
  }
  const digest = published.find(({ message }) => message.kind === "digest")!;
  assert.equal(digest.channel, "all");
  assert.deepEqual(
    digest.message,
    { kind: "digest", ...digestOf([{ nickname: "Alice", rooms: core.roomsOf(alice) }]) },
  );
});

Deno.test("heardAgainFromAll() waits for every node with users to speak again, or for its bound", async () => {
  const { presence } = setUp();
  assert.equal(await Promise.race([presence.heardAgainFromAll(10_000), "waited"]), undefined);
  presence.hear("n1", { kind: "join", member: { nickname: "Bob", extensions: [] } });
  presence.hear("n2", { kind: "join", member: { nickname: "Carol", extensions: [] } });
  let resolved = false;
  const waiting = presence.heardAgainFromAll(10_000).then(() => resolved = true);
  presence.hear("n1", { kind: "hello" });
  await settle();
  assert.equal(resolved, false, "n2 has not spoken yet");
  presence.hear("n2", {
    kind: "state",
    members: [{ nickname: "Carol", extensions: [], rooms: [] }],
  });
  await waiting;
  const started = Date.now();
  await presence.heardAgainFromAll(30);
  assert.ok(Date.now() - started >= 25, "no answer: the bound ends the wait");
});

Deno.test("at start, a node waits for every other live node to say who is there, or for its bound", async () => {
  const { core, presence, published } = setUp(["me", "n1", "n2"]);
  await settle();
  published.length = 0;
  let started = false;
  const starting = presence.start().then(() => started = true);
  try {
    while (published.length === 0) await settle();
    assert.deepEqual(published, [{ channel: "all", message: { kind: "hello" } }]);
    presence.hear("n1", {
      kind: "state",
      members: [{ nickname: "Bob", extensions: [], rooms: [] }],
    });
    await settle();
    assert.equal(started, false, "n2 has not answered yet");
    presence.hear("n2", { kind: "state", members: [] });
    await starting;
    assert.ok(core.find("Bob"), "Bob of n1 is known before anyone is let in");
  } finally {
    presence.stop();
  }
  // A live node that never answers holds the start for --node-timeout at most (20 ms here).
  const { presence: other } = setUp(["me", "n3"]);
  const began = Date.now();
  await other.start();
  other.stop();
  assert.ok(Date.now() - began >= 15, "it did wait for n3");
});
