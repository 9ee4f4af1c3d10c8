import assert from "node:assert/strict";
import type { ServerMessage } from "../../protocol.ts";
import { ChatCore } from "../core/chat.ts";
import { FakeMember, RecordingOutbound } from "../core/fakes.ts";
import type { BusMessage } from "./bus_messages.ts";
import { Deliveries } from "./deliveries.ts";
import { RemoteMember } from "./remote_member.ts";

/** Two users here (Alice, Bob), and Carol and Dave on node `n1`, Erin on node `n2`. */
function setUp() {
  const inner = new RecordingOutbound();
  const published: { channel: string; message: BusMessage }[] = [];
  const failing = new Set<string>();
  const link = { up: true };
  const remote = new Map<string, RemoteMember>();
  const transfers: string[] = [];
  let reaped = 0;
  const deliveries: Deliveries<FakeMember> = new Deliveries<FakeMember>({
    link,
    inner,
    afterDelivery: () => reaped++,
    publish: (channel, message, failed) => {
      published.push({ channel, message });
      if (failing.has(channel)) failed?.();
    },
    presence: {
      *locals() {
        for (const member of core.members()) if (member instanceof FakeMember) yield member;
      },
      get remoteCount() {
        return remote.size;
      },
      get nodes() {
        return new Set([...remote.values()].map((member) => member.node)).size;
      },
      member: (node, nickname) => {
        const member = remote.get(nickname);
        return member?.node === node ? member : undefined;
      },
    },
    transfer: (member, request) => transfers.push(`${member.nickname} ${request.type}`),
  });
  const core: ChatCore<FakeMember | RemoteMember> = new ChatCore<FakeMember | RemoteMember>({
    out: deliveries.outbound,
    log: () => {},
  });
  deliveries.attach(core);
  const local = (nickname: string, port: number) => {
    const member = new FakeMember(port);
    core.handle(member, { kind: "register", nickname });
    return member;
  };
  const alice = local("Alice", 1);
  const bob = local("Bob", 2);
  for (const [nickname, node] of [["Carol", "n1"], ["Dave", "n1"], ["Erin", "n2"]]) {
    const member = new RemoteMember(node, { nickname, extensions: [] });
    remote.set(nickname, member);
    core.addRemote(member);
  }
  inner.deliveries.length = 0;
  const at = (nickname: string) => remote.get(nickname)!;
  return {
    alice,
    bob,
    at,
    core,
    deliveries,
    failing,
    inner,
    link,
    published,
    transfers,
    reaped: () => reaped,
  };
}

const HI: ServerMessage = { type: "broadcast", nickname: "Alice", message: "hi" };
/** A notice for some: those it names. */
const CAME: ServerMessage = { type: "joined", nickname: "Zoe" };

Deno.test("Deliveries keeps this node's users here and sends the others' on once, by name", () => {
  const { alice, at, deliveries, inner, published } = setUp();
  const taken = deliveries.outbound.deliver([alice, at("Carol"), at("Dave")], [CAME]);
  assert.deepEqual(taken, [alice, at("Carol"), at("Dave")]);
  assert.deepEqual(inner.deliveries.map((d) => d.to), [["Alice"]]);
  assert.deepEqual(published, [{
    channel: "node:n1",
    message: { kind: "deliver", to: ["Carol", "Dave"], messages: [CAME] },
  }]);
});

Deno.test("Deliveries sends lines said in a room or to everyone to * on the room's channel or all, even to no one known", () => {
  const { alice, at, deliveries, published } = setUp();
  const room: ServerMessage = { type: "room", room: "#Ops", nickname: "Alice", message: "hi" };
  deliveries.outbound.deliver([at("Carol"), at("Erin")], [room]);
  // Nobody of another node is known in the room: one who joined there a moment ago may be.
  assert.deepEqual(deliveries.outbound.deliver([], [room]), []);
  // Lines to everyone go to all, even when nobody of another node is known.
  deliveries.outbound.deliver([at("Carol"), at("Dave"), at("Erin")], [HI]);
  deliveries.outbound.deliver([], [HI]);
  // A notice for all those of other nodes goes to *; one for some, to those it names.
  deliveries.outbound.deliver([at("Carol"), at("Dave"), at("Erin")], [CAME]);
  deliveries.outbound.deliver([at("Carol"), at("Erin")], [CAME]);
  // A notice about a room goes to those it names.
  const notice: ServerMessage = { type: "joined", room: "#Ops", nickname: "Alice" };
  deliveries.outbound.deliver([alice, at("Carol"), at("Erin")], [notice]);
  assert.deepEqual(
    published.map(({ channel, message }) => [channel, (message as { to: unknown }).to]),
    [
      ["room:#ops", "*"],
      ["room:#ops", "*"],
      ["all", "*"],
      ["all", "*"],
      ["all", "*"],
      ["all", ["Carol", "Erin"]],
      ["room:#ops", ["Carol", "Erin"]],
    ],
  );
});

Deno.test("Deliveries hands the bus what goes while the link is down, and says why a whisper went nowhere", () => {
  const { at, deliveries, failing, inner, link, published } = setUp();
  const whisper: ServerMessage = { type: "private", nickname: "Alice", message: "psst" };
  link.up = false;
  // The bus keeps it until the link is back (see held_messages.ts); file data cannot wait.
  assert.deepEqual(deliveries.outbound.deliver([at("Erin")], [whisper]), [at("Erin")]);
  assert.equal(deliveries.outbound.bulk(at("Erin"), HI), false);
  assert.deepEqual(published.map(({ channel }) => channel), ["node:n2"]);
  assert.deepEqual(inner.refusals, []);
  link.up = true;
  failing.add("node:n2");
  deliveries.outbound.deliver([at("Erin")], [whisper]);
  assert.deepEqual(inner.refusals, [{
    to: "Alice",
    message: "Cannot reach Erin: the link to their server is down; try again later",
    reason: undefined,
  }]);
});

Deno.test("Deliveries delivers what another node sends to the users named, or to all with * (of a room, for its lines)", () => {
  const { alice, bob, core, deliveries, inner, reaped } = setUp();
  deliveries.hear("n1", { kind: "deliver", to: ["bob", "Carol", "Nobody"], messages: [HI] });
  deliveries.hear("n1", { kind: "deliver", to: "*", messages: [HI] });
  deliveries.hear("n1", { kind: "deliver", to: ["Carol"], messages: [HI] });
  assert.deepEqual(inner.deliveries.map((d) => d.members), [[bob], [alice, bob]]);
  assert.equal(reaped(), 2, "the dead are reaped after each delivery here");
  // A room's lines to *: this node's members of that room, as this node knows them.
  core.handle(bob, { kind: "join", room: "#ops" });
  inner.deliveries.length = 0;
  const line: ServerMessage = { type: "room", room: "#OPS", nickname: "Carol", message: "hi" };
  deliveries.hear("n1", { kind: "deliver", to: "*", messages: [line] });
  assert.deepEqual(inner.deliveries.map((d) => d.members), [[bob]]);
  assert.throws(
    () => deliveries.hear("n1", { kind: "deliver", to: "Bob" as never, messages: [HI] }),
    { message: '"to" is neither "*" nor a list of names' },
  );
  assert.throws(
    () => deliveries.hear("n1", { kind: "deliver", to: "*", messages: [null as never] }),
    { message: '"messages" is not a list of messages' },
  );
});

Deno.test("Deliveries passes answers to a file offered from another node to that node, and back", () => {
  const { alice, bob, deliveries, inner, published, transfers } = setUp();
  const offer: ServerMessage = {
    type: "offer",
    id: "t1",
    from: "Carol",
    name: "a.txt",
    size: 1,
    sha256: "0".repeat(64),
  };
  deliveries.hear("n1", { kind: "deliver", to: ["Alice"], messages: [offer] });
  assert.equal(deliveries.forwardTransfer(alice, { type: "accept", id: "t1" }), true);
  assert.equal(deliveries.forwardTransfer(bob, { type: "accept", id: "t1" }), false);
  assert.equal(deliveries.forwardTransfer(alice, { type: "offer" }), false);
  assert.deepEqual(published, [{
    channel: "node:n1",
    message: { kind: "transfer", from: "Alice", request: { type: "accept", id: "t1" } },
  }]);
  // Chunks come as bulk deliveries; the sender's node hears the answers of users of other nodes.
  deliveries.hear("n1", { kind: "deliver", to: ["Alice"], messages: [HI], bulk: true });
  assert.deepEqual(inner.deliveries.at(-1)?.to, ["Alice"]);
  deliveries.hear("n1", { kind: "transfer", from: "Carol", request: { type: "accept", id: "t9" } });
  assert.deepEqual(transfers, ["Carol accept"]);
  assert.throws(
    () =>
      deliveries.hear("n2", {
        kind: "transfer",
        from: "Carol",
        request: { type: "accept", id: "t9" },
      }),
    { message: "not from a known user, or not a transfer message" },
  );
  // Once this node's user leaves, the files offered to it are forgotten.
  deliveries.forget(alice);
  assert.equal(deliveries.forwardTransfer(alice, { type: "accept", id: "t1" }), false);
});
