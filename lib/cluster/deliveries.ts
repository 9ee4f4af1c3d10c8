/**
 * Deliveries between the nodes of a cluster. When the core delivers to members of other nodes,
 * the messages cross Redis once, on the channel of that one node, of the room they are said in,
 * or `all`, with the recipients' names (or `*` for every user of those nodes). Lines said to
 * everyone, or in a room, always go to `*` on `all` or the room's channel while any other node is
 * known: each node that hears them delivers to its own users (in the room) as it knows them, so
 * that one who came a moment ago, not yet known to the sender's node, misses nothing said after it
 * was answered. Each node then delivers to its own users through the same outbound as local
 * traffic (each message encoded once per wire). One publisher connection per node keeps every sender's messages in order.
 * While Redis is away, they are kept by the bus and sent once it is back.
 *
 * File transfers: the sender's node runs each transfer (its window, its checks); the recipient's
 * node passes its user's answers and acknowledgements to it (`transfer`), and chunks come the
 * other way as bulk deliveries, so the same flow control holds across nodes.
 *
 * @module
 */

import type { ServerMessage, TransferMessage } from "../../protocol.ts";
import type { ChatCore } from "../core/chat.ts";
import type { Member, Outbound } from "../core/types.ts";
import { roomKey } from "../protocol/values.ts";
import type { DeliveryMessage, Publish } from "./bus_messages.ts";
import { ForeignTransfers } from "./foreign_transfers.ts";
import type { Presence } from "./presence.ts";
import { RemoteMember } from "./remote_member.ts";

/** Who is where, as deliveries need to know it (the node's `Presence`). */
export type Whereabouts<P extends Member> = Pick<
  Presence<P>,
  "locals" | "remoteCount" | "member" | "nodes"
>;

/** How deliveries are set up. */
export interface DeliveriesOptions<P extends Member> {
  /** This node's link to Redis: whether it is up. */
  link: { readonly up: boolean };
  /** This node's own delivery, to its own users. */
  inner: Outbound<P>;
  /** After a delivery from another node: the dead are reaped. */
  afterDelivery: () => void;
  /** Says a message on the bus. */
  publish: Publish;
  /** Who is on which node. */
  presence: Whereabouts<P>;
  /** Carries out a transfer request of a user of another node (the file transfers feature). */
  transfer: (member: RemoteMember, request: TransferMessage) => void;
}

/** The deliveries of one node to and from the others: see the module's comment. */
export class Deliveries<P extends Member> {
  readonly #options: DeliveriesOptions<P>;
  #core: ChatCore<P | RemoteMember> | undefined;
  /** Files offered to this node's users from other nodes: which node runs each. */
  readonly #foreign = new ForeignTransfers<P | RemoteMember>();

  /** Creates the deliveries of a node; nothing comes in before `attach`. */
  constructor(options: DeliveriesOptions<P>) {
    this.#options = options;
  }

  /** Where the core delivers: this node's users directly, other nodes' through Redis. */
  readonly outbound: Outbound<P | RemoteMember> = {
    deliver: (recipients, messages) => {
      const locals: P[] = [];
      const remote: RemoteMember[] = [];
      for (const member of recipients) {
        if (member instanceof RemoteMember) remote.push(member);
        else locals.push(member);
      }
      const accepted: (P | RemoteMember)[] = this.#options.inner.deliver(locals, messages);
      const audience = audienceOf(messages);
      if (audience !== undefined && this.#options.presence.nodes > 0) {
        // Said to everyone or in a room: to all there on the nodes that hear it, as each node
        // knows its own, so that one who came a moment ago, unknown here yet, hears it.
        this.#options.publish(audience, { kind: "deliver", to: "*", messages });
        return [...accepted, ...remote];
      }
      if (remote.length === 0) return accepted;
      // While the link is away, the bus keeps them (see `held_messages.ts`).
      this.#sendOn(remote, messages);
      return [...accepted, ...remote];
    },
    bulk: (member, message, frame) => {
      if (!(member instanceof RemoteMember)) {
        return this.#options.inner.bulk(member, message, frame);
      }
      if (!this.#options.link.up) return false;
      const deliver = { kind: "deliver" as const, to: [member.nickname!], messages: [message] };
      this.#options.publish(`node:${member.node}`, { ...deliver, bulk: true });
      return true;
    },
    refuse: (member, message, reason) => {
      if (member instanceof RemoteMember) this.#sendOn([member], [{ type: "error", message }]);
      else this.#options.inner.refuse(member, message, reason);
    },
    tooLong: (message) => this.#options.inner.tooLong(message),
  };

  /** The core whose users are delivered to. */
  attach(core: ChatCore<P | RemoteMember>): void {
    this.#core = core;
  }

  /**
   * Passes `request` of `peer` (this node's user) on to the node that runs its transfer, when a
   * user of another node offered the file; false when the transfer is not another node's.
   */
  forwardTransfer(peer: P, request: TransferMessage | { type: "offer" }): boolean {
    if (request.type === "offer") return false;
    const node = this.#foreign.nodeFor(peer, request);
    if (node === undefined) return false;
    this.#options.publish(
      `node:${node}`,
      { kind: "transfer", from: peer.nickname!, request },
      () => {
        this.#options.inner.refuse(peer, "Cannot reach the sender's server: the link is down");
      },
    );
    return true;
  }

  /** `member` of this node left: the files other nodes offered it are forgotten. */
  forget(member: P | RemoteMember): void {
    this.#foreign.forget(member);
  }

  /** Takes what node `from` sends to this node's users; throws on a message it cannot read. */
  hear(from: string, message: DeliveryMessage): void {
    if (message.kind === "deliver") {
      this.#deliverHere(from, message.to, message.messages, message.bulk === true);
      return;
    }
    const member = this.#options.presence.member(from, String(message.from));
    if (member === undefined || typeof message.request?.id !== "string") {
      throw new Error("not from a known user, or not a transfer message");
    }
    this.#options.transfer(member, message.request);
    this.#options.afterDelivery();
  }

  /**
   * Every connection of `users` (of users connected more than once), but for file transfers'
   * messages: a file goes to the user's first connection.
   */
  #connections(users: P[], messages: readonly ServerMessage[]): P[] {
    if (messages.some((message) => TRANSFER_TYPES.has(message.type))) return users;
    return users.flatMap((user) => this.#core!.connectionsOf(user) as P[]);
  }

  /**
   * Sends `messages` to `remote` members: on their node's channel when they share one, and as
   * `*` when they are every user of the other nodes.
   */
  #sendOn(remote: RemoteMember[], messages: readonly ServerMessage[]): void {
    const nodes = new Set(remote.map((member) => member.node));
    const known = this.#options.presence.remoteCount;
    // Messages said in one room go on its channel, which only nodes with users in it hear.
    const rooms = new Set(messages.map((m) => m.type === "private" ? undefined : roomOf(m)));
    const [room] = rooms.size === 1 ? rooms : [undefined];
    const everyone = remote.length === known && room === undefined;
    const to = everyone ? "*" : remote.map((member) => member.nickname!);
    const channel = nodes.size === 1
      ? `node:${[...nodes][0]}`
      : room !== undefined
      ? `room:${roomKey(room)}`
      : "all";
    this.#options.publish(channel, { kind: "deliver", to, messages }, () => {
      this.#undelivered(remote, messages);
    });
  }

  /** Tells the senders of private messages to `remote` members that they did not go. */
  #undelivered(remote: RemoteMember[], messages: readonly ServerMessage[]): void {
    for (const message of messages) {
      if (message.type !== "private") continue;
      const sender = this.#core?.find(message.nickname);
      if (sender === undefined || sender.remote) continue;
      this.#options.inner.refuse(
        sender,
        `Cannot reach ${remote.map((member) => member.nickname).join(", ")}: the link to ` +
          "their server is down; try again later",
      );
    }
  }

  /**
   * Delivers `messages` from node `from` to this node's users among `to` (`*`: all of them);
   * `bulk`: file data, behind everything else (see `Outbound.bulk`).
   */
  #deliverHere(
    from: string,
    to: "*" | string[],
    messages: readonly ServerMessage[],
    bulk: boolean,
  ) {
    if (to !== "*" && !(Array.isArray(to) && to.every((name) => typeof name === "string"))) {
      throw new Error('"to" is neither "*" nor a list of names');
    }
    if (!Array.isArray(messages) || !messages.every((m) => typeof m?.type === "string")) {
      throw new Error('"messages" is not a list of messages');
    }
    const recipients: P[] = [];
    const room = roomLinesOf(messages);
    if (to === "*" && room !== undefined) {
      for (const member of this.#core!.membersOf(room)) {
        if (!(member instanceof RemoteMember)) recipients.push(member);
      }
    } else if (to === "*") recipients.push(...this.#options.presence.locals());
    else {
      for (const name of to) {
        const member = this.#core!.find(name);
        if (member !== undefined && !(member instanceof RemoteMember)) recipients.push(member);
      }
    }
    if (recipients.length === 0) return;
    for (const message of messages) this.#foreign.note(from, recipients, message);
    if (bulk) { for (const member of recipients) this.#options.inner.bulk(member, messages[0]); }
    else this.#options.inner.deliver(this.#connections(recipients, messages), messages);
    this.#options.afterDelivery();
  }
}

/** The messages of file transfers. */
const TRANSFER_TYPES: ReadonlySet<string> = new Set([
  "offer",
  "accept",
  "reject",
  "cancel",
  "chunk",
  "received",
  "complete",
]);

/**
 * The channel of those `messages` are said to, when they are all lines said to everyone (`all`)
 * or in one room (its channel), not history; else undefined.
 */
function audienceOf(messages: readonly ServerMessage[]): string | undefined {
  if (messages.every((message) => message.type === "broadcast" && message.history !== true)) {
    return messages.length > 0 ? "all" : undefined;
  }
  const room = roomLinesOf(messages);
  return room === undefined ? undefined : `room:${roomKey(room)}`;
}

/** The room when `messages` are all lines said in that one room (not history), else undefined. */
function roomLinesOf(messages: readonly ServerMessage[]): string | undefined {
  const first = messages[0];
  if (first?.type !== "room") return undefined;
  const key = roomKey(first.room);
  const same = messages.every((message) =>
    message.type === "room" && message.history !== true && roomKey(message.room) === key
  );
  return same ? first.room : undefined;
}

/** The room a message is said in or about, if any. */
function roomOf(message: ServerMessage): string | undefined {
  return "room" in message && typeof message.room === "string" ? message.room : undefined;
}
