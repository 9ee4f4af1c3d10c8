/**
 * Delivery to this server's connections: what the core (or a cluster's bus) hands over is
 * encoded once per wire in use, and the same bytes are appended to each recipient's outbox.
 * Nothing here waits.
 *
 * @module
 */

import { MAX_FRAME_BYTES, type ServerMessage } from "../../protocol.ts";
import { concat } from "../common/bytes.ts";
import type { ErrorReason, Outbound } from "../core/types.ts";
import type { Tally } from "../common/tally.ts";
import type { Wire } from "../wire/wire.ts";
import { WIRES } from "../wire/wires.ts";
import type { FlowControl } from "./flow_control.ts";
import type { Peer } from "./peer.ts";

/** What ends a JSON frame passed on as it came. */
const NEWLINE = new Uint8Array([0x0a]);
/** Bytes not encoded yet (a wire's recipients may all take theirs alone). */
const lazy = new Uint8Array();

/** What delivery counts, for the server's metrics. */
export interface DeliveryTallies {
  /** Messages queued, one per message and recipient. */
  deliveries: Tally;
  /** Refusals, by reason (`other`: a refusal without one). */
  refusals: Readonly<Record<ErrorReason | "other", Tally>>;
}

/**
 * The `Outbound` of this server's connections, queuing through `flow` (which applies the sendq
 * and notes congestion), counting on `tallies` when given.
 */
export function peerDelivery(
  flow: Pick<FlowControl, "enqueue">,
  tallies?: DeliveryTallies,
): Outbound<Peer> {
  return {
    deliver: (recipients, messages) => {
      const accepted: Peer[] = [];
      // Recipients mostly speak one wire: the encodings of the others are kept aside.
      let wire: Wire | undefined;
      let bytes: Uint8Array | undefined;
      // Whether this wire's readers are asked one by one if the messages name them.
      let ask = false;
      let others: { wire: Wire; bytes: Uint8Array | undefined; ask: boolean }[] | undefined;
      for (const peer of recipients) {
        if (peer.wire !== wire) {
          if (wire !== undefined && !others?.some((other) => other.wire === wire)) {
            (others ??= []).push({ wire, bytes, ask });
          }
          wire = peer.wire;
          const seen = others?.find((other) => other.wire === wire);
          // Encoded once for all, unless they name their reader (then for it alone, below).
          bytes = seen === undefined ? lazy : seen.bytes;
          ask = seen?.ask ??
            (wire.personal !== undefined && (wire.personalToSome?.(messages) ?? true));
        }
        let sent: Uint8Array | undefined;
        if (ask && wire.personal!(messages, peer)) sent = wire.encodeFor!(messages, peer);
        else {
          if (bytes === lazy) bytes = wire.encode(messages);
          sent = bytes;
        }
        if (sent !== undefined && flow.enqueue(peer, sent)) accepted.push(peer);
      }
      tallies?.deliveries.inc(accepted.length * messages.length);
      return accepted;
    },
    refuse: (peer, message, reason) => {
      tallies?.refusals[reason ?? "other"].inc();
      const bytes = peer.wire.encodeError(message, reason, peer);
      if (bytes.length > 0) flow.enqueue(peer, bytes);
    },
    bulk: (peer, message, frame) => {
      const bytes = frame !== undefined && peer.wire === WIRES.json
        ? concat([frame, NEWLINE], frame.length + 1)
        : peer.wire.encode([message]);
      return bytes !== undefined && peer.outbox.enqueueBulk(bytes);
    },
    tooLong,
  };
}

/** The frame limit `message` would pass on some wire, or undefined when every wire takes it. */
function tooLong(message: ServerMessage): number | undefined {
  // JSON writes a UTF-16 unit in at most 6 bytes; the other fields are short: most messages
  // are far from the limit, and need no trial encoding.
  const text = "message" in message ? message.message ?? "" : "";
  if (text.length * 6 + 1024 < MAX_FRAME_BYTES) {
    return undefined;
  }
  for (const wire of Object.values(WIRES)) {
    const bytes = wire.encode([message]);
    // What clients accept is the protocol's limit, whatever this server takes in.
    if (bytes !== undefined && bytes.length - 1 > MAX_FRAME_BYTES) return MAX_FRAME_BYTES;
  }
  return undefined;
}
