/**
 * What the nodes of a cluster say to each other on the bus: the messages, by the part of the bus
 * that hears them (presence, deliveries, the other features), and their text on Redis: JSON with
 * the bus's version, the id of the node that says it and, for what a node keeps while Redis is
 * away, a number that rises with each such message (so that one said again is heard once).
 *
 * @module
 */

import type { KeyBundle, ServerMessage, TransferMessage } from "../../protocol.ts";
import type { OperatorNews } from "../operators/operators.ts";
import type { RemoteInfo } from "./remote_member.ts";

/** The version of the bus's messages. */
const BUS_VERSION = 1;

/** A user of the sender's node as a node that asks who is there learns of it: with its rooms. */
export interface MemberState extends RemoteInfo {
  /** The rooms it is in. */
  rooms: string[];
}

/** Who is on the sender's node, and what they do: the other nodes mirror it. */
export type PresenceMessage =
  /** A node joined (or its link came back): every node answers with `state`. */
  | { kind: "hello" }
  /**
   * Every user of the sender's node: those missing from it are gone. `kept`: the sender kept what
   * its users were told while its link was away, notices included, and sends it next.
   */
  | { kind: "state"; members: MemberState[]; kept?: boolean }
  /** A user of the sender's node registered. */
  | { kind: "join"; member: RemoteInfo }
  /** A user left; with `reason` when its node told nobody (it is stopping): the others tell. */
  | { kind: "leave"; nickname: string; reason?: string }
  /** A user of the sender's node renamed itself. */
  | { kind: "nick"; old: string; nickname: string }
  /** A user of the sender's node went in (`in`) or out of `room`. */
  | { kind: "room"; nickname: string; room: string; in: boolean }
  /** A user of the sender's node published its key bundle. */
  | { kind: "keys"; nickname: string; bundle: KeyBundle }
  /** What the sender's node has, in short (see `digest.ts`): a node that sees otherwise asks. */
  | { kind: "digest"; count: number; hash: string }
  /** The sender's view of the receiving node differs: the receiver answers with `state`. */
  | { kind: "sync" };

/** What crosses between nodes on its way to users. */
export type DeliveryMessage =
  /**
   * `messages` for users of the receiving node among `to` (`*`: all of them); `bulk`: file
   * data, behind everything else.
   */
  | { kind: "deliver"; to: "*" | string[]; messages: readonly ServerMessage[]; bulk?: boolean }
  /** A user of the sender's node answers or acknowledges a file sent from the receiving node. */
  | { kind: "transfer"; from: string; request: TransferMessage };

/** What a node says on the bus. */
export type BusMessage =
  | PresenceMessage
  | DeliveryMessage
  /** The sender's node holds `nickname` by an earlier registration: others holding it rename. */
  | { kind: "took"; nickname: string }
  /**
   * Room `key`'s record changed on the sender's node (`data`, its JSON; none: closed); `out`: the
   * node of that user takes it out of the room (kicked, banned, closed); `invite`: the node of that
   * guest lets its connection in (invited).
   */
  | { kind: "rooms"; key: string; data?: string; out?: string; invite?: string }
  /** An account was made (with its nickname) or given up (none) on the sender's node. */
  | { kind: "account"; key: string; nickname?: string }
  /** An operator's kill of a user of another node, or a server ban set or lifted. */
  | OperatorNews;

/** A message heard on the bus: with the bus's version and the id of the node that said it. */
export type HeardMessage = BusMessage & {
  /** The version of the bus the sender speaks. */
  v: number;
  /** The id of the node that said it. */
  node: string;
  /** Its number among what the node keeps while Redis is away (see `held_messages.ts`). */
  seq?: number;
};

/**
 * Says `message` on the bus's `channel` (`all`, `node:<id>` or `room:<key>`); `failed` is called
 * when it cannot be, or when a node's channel has nobody to hear it (that node is not listening).
 */
export type Publish = (channel: string, message: BusMessage, failed?: () => void) => void;

/** The text of `message` said by node `node`, as its `seq`th kept message when given. */
export function encodeBusMessage(node: string, message: BusMessage, seq?: number): string {
  return JSON.stringify(
    seq === undefined
      ? { v: BUS_VERSION, node, ...message }
      : { v: BUS_VERSION, node, seq, ...message },
  );
}

/**
 * Reads a message heard on the bus, as it is (its fields are checked by the part that hears it);
 * throws, saying what is ignored, when it is not JSON or not of this version.
 */
export function decodeBusMessage(text: string): HeardMessage {
  let message: HeardMessage;
  try {
    message = JSON.parse(text);
  } catch {
    throw new Error("a message on the bus that is not JSON");
  }
  if (message?.v !== BUS_VERSION || typeof message.node !== "string") {
    throw new Error("a message on the bus of another version");
  }
  return message;
}
