/**
 * The cluster's bus: what makes several nodes one chat. Each node's core knows every user of
 * every node, and the nodes carry deliveries between them through Redis pub/sub; the bus hears
 * the other nodes and puts together the parts that do so:
 *
 * - `Presence`: who is on which node, mirrored in each core, and nodes that die.
 * - `Deliveries`: messages for users of other nodes, and file transfers across nodes.
 * - `NicknameClaims`: no two nodes grant one nickname.
 * - The other features' news: accounts made or given up, and key bundles published.
 * - Redis going away: each node's chat goes on for its own users, who are told once, and what
 *   they say to users of other nodes is kept (`held_messages.ts`). When Redis is back, the node
 *   claims its users' names again, asks the others who is there and tells them who is here; once
 *   the others hear the bus again, what was kept is sent, in order. A message sent twice (its
 *   first sending could not be confirmed) is heard once: each node's kept messages are numbered.
 *
 * What the nodes say to each other is in `bus_messages.ts`.
 *
 * @module
 */

import type { KeyBundle, TransferMessage } from "../../protocol.ts";
import type { ChatCore } from "../core/chat.ts";
import type { ChatObserver, Member, Outbound } from "../core/types.ts";
import type { Log } from "../common/log_event.ts";
import type { AccountChat } from "../accounts/accounts.ts";
import type { OperatorNews } from "../operators/operators.ts";
import {
  type BusMessage,
  decodeBusMessage,
  encodeBusMessage,
  type HeardMessage,
} from "./bus_messages.ts";
import type { ClusterNode } from "./cluster_node.ts";
import { Deliveries } from "./deliveries.ts";
import { HeldMessages } from "./held_messages.ts";
import { type NameCommand, NicknameClaims } from "./nickname_claims.ts";
import { Presence, type PresenceFeatures } from "./presence.ts";
import type { RemoteMember } from "./remote_member.ts";
import { nicknameKey } from "../protocol/values.ts";
import { CLUSTER_LINK_LOST, CLUSTER_LINK_RESTORED, CLUSTER_PROBLEM } from "./cluster_events.ts";

/** What users are told when the link to Redis is lost. */
export const LINK_LOST_NOTICE: string = "The link to the other servers of this chat is down: " +
  "the users of this server hear you now, those of the others once it is back";

/** What a user is told when some of its lines were kept too long (or too many) to be sent. */
export const HELD_TOO_LONG_NOTICE: string = "Some of your lines did not reach the users of the " +
  "other servers of this chat: the link to them was down too long";

/** How the bus is set up. */
export interface ClusterBusOptions<P extends Member> {
  /** This server's membership of the cluster: its link to Redis. */
  node: ClusterNode;
  /** Carries out a registration or rename once its nickname is held (the core's `handle`). */
  handle: (peer: P, command: NameCommand) => void;
  /** This node's own delivery, to its own users. */
  inner: Outbound<P>;
  /** After a delivery from another node: the dead are reaped. */
  afterDelivery: () => void;
  /** Where the bus's own lines go (problems on the bus). */
  log: Log;
  /** The server's features that users of other nodes reach too. */
  features: () => BusFeatures<P | RemoteMember>;
  /** Writes nothing more to `peer` until `until` settles (see `PresenceOptions.hold`). */
  hold?: (peer: P, until: Promise<void>) => void;
}

/** What the bus needs of the server's features. */
export interface BusFeatures<M extends Member> extends PresenceFeatures<M> {
  /** File transfers: a request of another node's user, and a user who is gone. */
  transfers: {
    handle(member: M, request: TransferMessage): boolean;
    left(member: M): void;
  };
  /** Accounts made or given up on another node, when the server keeps accounts. */
  accounts?: { learn(key: string, nickname: string | undefined): void };
  /** Kept rooms changed on another node (see `RoomRules.hear`). */
  rooms?: { hear(key: string, data: string | undefined, out?: string, invite?: string): void };
  /** Operators' kills and bans at another node. */
  operators?: { heard(news: OperatorNews): void };
}

/** Longest a private message waits for its recipient, a user of another node not known yet. */
const ARRIVAL_WAIT_MS = 1000;
/** How often the recipient such a message waits for is looked for. */
const ARRIVAL_POLL_MS = 5;

/** The bus of one node: see the module's comment. */
export class ClusterBus<P extends Member> {
  readonly #options: ClusterBusOptions<P>;
  #core: ChatCore<P | RemoteMember> | undefined;
  readonly #presence: Presence<P>;
  readonly #deliveries: Deliveries<P>;
  /** What this node's users say to other nodes' users, kept while the link is away. */
  readonly #held: HeldMessages;
  /** The last kept message heard from each node, by number: each is heard once. */
  readonly #lastSeq = new Map<string, number>();
  /** Users told that their lines were dropped, since the link was last restored. */
  readonly #toldDropped = new Set<Member>();
  /** Counts the link's restorations: a wait for an earlier one does not release what is kept. */
  #restorations = 0;
  /** Messages heard from other nodes. */
  #heard = 0;
  /** The kinds of bad bus message already logged (each is logged once). */
  readonly #logged = new Set<string>();
  /** The nicknames of this node's users, held in Redis. */
  readonly claims: NicknameClaims<P>;
  /** Where the core delivers: this node's users directly, other nodes' through Redis. */
  readonly outbound: Outbound<P | RemoteMember>;
  /** What the core tells of its own users' changes: passed on to the other nodes. */
  readonly observer: ChatObserver<P | RemoteMember>;

  /** Creates the bus; it hears nothing until `start`. */
  constructor(options: ClusterBusOptions<P>) {
    this.#options = options;
    const { node, inner, afterDelivery } = options;
    const publish = this.#publish.bind(this);
    this.#held = new HeldMessages({
      send: (channel, message, seq) =>
        node.publish(node.channel(channel), encodeBusMessage(node.id, message, seq)),
      dropped: (message) => this.#dropped(message),
    });
    this.#presence = new Presence<P>({
      node,
      publish,
      holding: () => this.#held.holding,
      left: (member) => this.#deliveries.forget(member),
      hold: options.hold,
      log: options.log,
      features: options.features,
    });
    this.#deliveries = new Deliveries<P>({
      link: node,
      inner,
      afterDelivery,
      publish,
      presence: this.#presence,
      transfer: (member, request) => options.features().transfers.handle(member, request),
    });
    this.claims = new NicknameClaims<P>({
      link: node,
      handle: (peer, command) => {
        options.handle(peer, command);
        afterDelivery();
      },
      refuse: (peer, message, reason) => inner.refuse(peer, message, reason),
      took: (nickname) => this.#publish("all", { kind: "took", nickname }),
      log: options.log,
    });
    this.outbound = this.#deliveries.outbound;
    this.observer = this.#presence.observer;
  }

  /**
   * Room `key` changed here (`data` undefined: closed), `out` must leave it, or `invite` (a guest
   * of another node) is invited into it: the others learn.
   */
  roomChanged(key: string, data: string | undefined, out?: string, invite?: string): void {
    this.#publish("all", { kind: "rooms", key, data, out, invite });
  }

  /** An operator here killed a user of another node, or set or lifted a ban: the others hear. */
  operatorNews(news: OperatorNews): void {
    this.#publish("all", news);
  }

  /** An account was made or given up here: the other nodes learn of it. */
  accountChanged(key: string, nickname: string | undefined): void {
    this.#publish("all", { kind: "account", key, nickname });
  }

  /**
   * What the accounts feature registers through once a login is checked: the core at once (the
   * feature expects it), the nickname claimed just after.
   */
  chatFor(core: ChatCore<P | RemoteMember>): AccountChat<P | RemoteMember> {
    return {
      handle: (member, command) => {
        core.handle(member, command);
        // Another connection of a user here already holds the name.
        const entry = core.userOf(member) === member;
        if (member.nickname !== undefined && entry) this.claims.adopt(member as P);
      },
      find: (nickname) => core.find(nickname),
      roomOf: (member, room) => core.roomOf(member, room),
    };
  }

  /**
   * Passes `request` of `peer` (this node's user) on to the node that runs its transfer, when a
   * user of another node offered the file; false when the transfer is not another node's.
   */
  forwardTransfer(peer: P, request: TransferMessage | { type: "offer" }): boolean {
    return this.#deliveries.forwardTransfer(peer, request);
  }

  /** A user of this node published `bundle`: the other nodes keep it too. */
  keysPublished(member: P | RemoteMember, bundle: KeyBundle): void {
    if (!member.remote) {
      this.#publish("all", { kind: "keys", nickname: member.nickname!, bundle });
    }
  }

  /** How many messages this node has heard from the others (for the metrics). */
  get heard(): number {
    return this.#heard;
  }

  /**
   * Resolves once this node knows `nickname`, when a user of another node holds it but was not
   * heard of here yet (it came a moment ago), or at once when nobody else holds it; after
   * `ARRIVAL_WAIT_MS` at most. A private message to a user that new waits for it.
   */
  async arrival(nickname: string): Promise<void> {
    const { node } = this.#options;
    if (!node.up || this.#core?.find(nickname) !== undefined) return;
    const holder = await node.holderOf(nicknameKey(nickname)).catch(() => undefined);
    if (holder === undefined || holder === node.id) return;
    const until = Date.now() + ARRIVAL_WAIT_MS;
    while (this.#core?.find(nickname) === undefined && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, ARRIVAL_POLL_MS));
    }
  }

  /** The nodes this node knows of, itself included. */
  get nodesSeen(): number {
    return this.#presence.nodes + 1;
  }

  /** Starts hearing the other nodes, and resolves once they have said who is there. */
  async start(core: ChatCore<P | RemoteMember>): Promise<void> {
    this.#core = core;
    this.#presence.attach(core);
    this.#deliveries.attach(core);
    const { node } = this.#options;
    await node.subscribe(
      [node.channel("all"), node.channel(`node:${node.id}`)],
      (message) => this.#hear(message),
    );
    node.onLink((up, reason) => {
      if (!up) this.#lost(reason);
      else {
        this.#restored().catch((error: Error) => {
          this.#logOnce("restore", `could not re-establish everything: ${error.message}`);
        });
      }
    });
    await this.#presence.start();
  }

  /** Stops looking for nodes that died. */
  stop(): void {
    this.#presence.stop();
  }

  /**
   * Publishes `message` on `channel`; `failed` is called when it cannot be, or when a node's
   * channel has nobody to hear it (that node is not listening). What users say to others, and
   * accounts made, are kept while the link is away; the rest is repaired by `state` once back.
   */
  #publish(channel: string, message: BusMessage, failed?: () => void): void {
    if ((message.kind === "deliver" && message.bulk !== true) || message.kind === "account") {
      this.#held.publish(channel, message, failed);
      return;
    }
    const { node } = this.#options;
    node.publish(node.channel(channel), encodeBusMessage(node.id, message)).then((heard) => {
      if (Number(heard) === 0 && channel.startsWith("node:")) failed?.();
    }, () => failed?.());
  }

  /** The link to Redis is lost: said on the console, and to this node's users once. */
  #lost(reason = "no answer"): void {
    this.#held.hold();
    this.#options.log(CLUSTER_LINK_LOST.at(new Date(), { reason }));
    const notice = { type: "error" as const, message: LINK_LOST_NOTICE };
    this.#options.inner.deliver(this.#presence.locals(), [notice]);
    this.#options.afterDelivery();
  }

  /**
   * The link is back: names claimed again, and the nodes tell each other who is there; once every
   * node with users hears the bus again (or `--node-timeout` has passed), what was kept is sent.
   */
  async #restored(): Promise<void> {
    const restoration = ++this.#restorations;
    this.#options.log(CLUSTER_LINK_RESTORED.at(new Date(), {}));
    this.#presence.linkBack();
    await this.claims.reclaim();
    this.#presence.rejoin();
    await this.#presence.heardAgainFromAll(this.#options.node.settings.nodeTimeoutMs);
    if (restoration !== this.#restorations || !this.#options.node.up) return;
    this.#toldDropped.clear();
    this.#held.release();
  }

  /** `message` was kept too long to be sent: the users of this node who said it are told, once. */
  #dropped(message: BusMessage): void {
    if (message.kind !== "deliver") return;
    for (const said of message.messages) {
      if (said.type !== "broadcast" && said.type !== "room" && said.type !== "private") continue;
      const sender = this.#core?.find(said.nickname);
      if (sender === undefined || sender.remote || this.#toldDropped.has(sender)) continue;
      this.#toldDropped.add(sender);
      this.#options.inner.refuse(sender as P, HELD_TOO_LONG_NOTICE);
    }
  }

  /** Handles one message from the bus. */
  #hear(text: string): void {
    let message: HeardMessage;
    try {
      message = decodeBusMessage(text);
    } catch (error) {
      const ignored = (error as Error).message;
      this.#logOnce(ignored, `ignored ${ignored}`);
      return;
    }
    if (message.node === this.#options.node.id) return;
    this.#heard++;
    if (typeof message.seq === "number") {
      // Sent again because its first sending could not be confirmed: heard once.
      if (message.seq <= (this.#lastSeq.get(message.node) ?? 0)) return;
      this.#lastSeq.set(message.node, message.seq);
    }
    try {
      this.#apply(message.node, message);
    } catch (error) {
      this.#logOnce(
        `bad ${String(message.kind)}`,
        `ignored a bad "${String(message.kind)}" message: ${(error as Error).message}`,
      );
    }
  }

  /** Hands `message` of node `from` to the part that hears it. */
  #apply(from: string, message: BusMessage): void {
    this.#presence.heardFrom(from);
    switch (message.kind) {
      case "hello":
      case "state":
      case "join":
      case "leave":
      case "nick":
      case "room":
      case "keys":
      case "digest":
      case "sync":
        this.#presence.hear(from, message);
        break;
      case "deliver":
      case "transfer":
        this.#deliveries.hear(from, message);
        break;
      case "account":
        if (typeof message.key !== "string") throw new Error("no account key");
        this.#options.features().accounts?.learn(message.key, message.nickname);
        break;
      case "rooms":
        if (typeof message.key !== "string") throw new Error("no room key");
        this.#options.features().rooms?.hear(
          message.key,
          typeof message.data === "string" ? message.data : undefined,
          typeof message.out === "string" ? message.out : undefined,
          typeof message.invite === "string" ? message.invite : undefined,
        );
        break;
      case "took":
        this.#took(message.nickname);
        break;
      case "kill":
      case "ban":
      case "unban":
        this.#options.features().operators?.heard(message);
        break;
      default:
        throw new Error("unknown kind");
    }
  }

  /** Another node holds `nickname` by an earlier registration: a user here holding it renames. */
  #took(nickname: string): void {
    const member = this.#core!.find(nickname);
    if (member === undefined || member.remote) return;
    this.claims.renameAway(member as P).then(() => {
      this.#presence.resync();
      this.#presence.announce();
    }).catch((error: Error) => {
      this.#logOnce("rename", `could not rename ${member.nickname}: ${error.message}`);
    });
  }

  #logOnce(kind: string, problem: string): void {
    if (this.#logged.has(kind)) return;
    this.#logged.add(kind);
    this.#options.log(CLUSTER_PROBLEM.at(new Date(), { problem }));
  }
}
