import assert from "node:assert/strict";
import type { ServerMessage } from "../../protocol.ts";
import type { Wire } from "../wire/wire.ts";
import { peerDelivery } from "./delivery.ts";
import type { Peer } from "./peer.ts";

/** A wire that counts what it is asked, whose readers `named` are written for alone. */
function countingWire(toSome: boolean, named: Set<unknown>) {
  const asked = { personal: 0, encode: 0, encodeFor: 0 };
  const wire = {
    encode: () => (asked.encode++, new Uint8Array([1])),
    personal: (
      _messages: readonly ServerMessage[],
      to: unknown,
    ) => (asked.personal++, named.has(to)),
    personalToSome: () => toSome,
    encodeFor: () => (asked.encodeFor++, new Uint8Array([2])),
  } as unknown as Wire;
  return { wire, asked };
}

function deliverTo(wire: Wire, readers: number, named: (peers: Peer[]) => void = () => {}) {
  const peers = Array.from({ length: readers }, () => ({ wire }) as unknown as Peer);
  named(peers);
  const sent: number[] = [];
  const delivery = peerDelivery({ enqueue: (_peer, bytes) => (sent.push(bytes[0]), true) });
  const messages = [{ type: "broadcast", nickname: "a", message: "hi" }] as ServerMessage[];
  return { accepted: delivery.deliver(peers, messages).length, sent };
}

Deno.test("deliver() asks no reader whether it is named when the wire says none is", () => {
  const { wire, asked } = countingWire(false, new Set());
  const { accepted, sent } = deliverTo(wire, 100);
  assert.equal(accepted, 100);
  assert.deepEqual(asked, { personal: 0, encode: 1, encodeFor: 0 });
  assert.ok(sent.every((byte) => byte === 1));
});

Deno.test("deliver() asks every reader when the wire says some may be named", () => {
  const named = new Set<unknown>();
  const { wire, asked } = countingWire(true, named);
  const { sent } = deliverTo(wire, 10, (peers) => named.add(peers[3]));
  assert.deepEqual(asked, { personal: 10, encode: 1, encodeFor: 1 });
  assert.deepEqual(sent, [1, 1, 1, 2, 1, 1, 1, 1, 1, 1]);
});

Deno.test("deliver() counts a delivery per message and recipient that took it; refuse() by reason", () => {
  const counts = { deliveries: 0, taken: 0, other: 0 };
  const tally = (key: keyof typeof counts) => ({ inc: (n = 1) => counts[key] += n });
  const nothing = { inc: () => {} };
  const { wire } = countingWire(false, new Set());
  const peers = Array.from({ length: 5 }, () => ({ wire }) as unknown as Peer);
  const full = peers[2];
  const delivery = peerDelivery({ enqueue: (peer) => peer !== full }, {
    deliveries: tally("deliveries"),
    refusals: {
      taken: tally("taken"),
      other: tally("other"),
      registered: nothing,
      registration: nothing,
      unregistered: nothing,
      account: nothing,
    },
  });
  const messages = [
    { type: "broadcast", nickname: "a", message: "one" },
    { type: "broadcast", nickname: "a", message: "two" },
  ] as ServerMessage[];
  assert.equal(delivery.deliver(peers, messages).length, 4);
  assert.equal(counts.deliveries, 8);
  const refusing = { wire: { encodeError: () => new Uint8Array([3]) } } as unknown as Peer;
  delivery.refuse(refusing, "Nickname taken", "taken");
  delivery.refuse(refusing, "No such user");
  assert.deepEqual(counts, { deliveries: 8, taken: 1, other: 1 });
});
