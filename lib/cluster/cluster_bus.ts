/**
 * The cluster's bus: what makes several nodes one chat. Each node's core knows every user of
 * every node (those of other nodes as `RemoteMember`s); this module keeps them in step and carries
 * deliveries between the nodes through Redis pub/sub:
 *
 * - Presence: a node publishes each change to its own users (registered, renamed, left, in or
 *   out of a room) on the chat's `all` channel, and every other node mirrors it in its core. A
 *   node that joins says `hello`, and every node answers with its users on the newcomer's channel.
 * - Deliveries: when the core delivers to members of other nodes, the messages cross Redis once,
 *   on the channel of that one node, of the room they are said in, or `all`, with the recipients'
 *   names (or `*` for every user of those nodes); each node then delivers to its own users through
 *   the same outbound as local traffic (each message encoded once per wire). A node hears a room's
 *   channel only while one of its users is in the room: it says that its user joined a room only
 *   once it listens there. One publisher connection per node keeps every sender's messages in
 *   order.
 * - File transfers: the sender's node runs each transfer (its window, its checks); the recipient's
 *   node passes its user's answers and acknowledgements to it (`transfer`), and chunks come
 *   the other way as bulk deliveries, so the same flow control holds across nodes.
 * - Nodes that die: a node whose lease has run out is gone, and every node tells its own users
 *   that the gone node's users left.
 * - Redis going away: each node's chat goes on for its own users, who are told once; a private
 *   message to a user of another node meanwhile gets an error back. When Redis is back, the node
 *   claims its users' names again (see `NicknameClaims`), asks the others who is there and tells
 *   them who is here.
 *
 * @module
 */

import type { KeyBundle, ServerMessage, TransferMessage } from "../../protocol.ts";
import type { ChatCore } from "../core/chat.ts";
import type { ChatObserver, Member, Outbound, RegisterCommand } from "../core/types.ts";
import { formatDateTime } from "../common/text.ts";
import { nicknameKey, roomKey } from "../protocol/values.ts";
import { ForeignTransfers } from "./foreign_transfers.ts";
import { RoomChannels } from "./room_channels.ts";
import type { AccountChat } from "../accounts/accounts.ts";
import { type ClusterNode, SWEEPS_PER_TIMEOUT } from "./cluster_node.ts";
import { NicknameClaims } from "./nickname_claims.ts";
import { type RemoteInfo, RemoteMember } from "./remote_member.ts";

/** The version of the bus's messages. */
const BUS_VERSION = 1;

/** What a node says on the bus. */
type BusMessage =
  | { kind: "hello" }
  | { kind: "state"; members: (RemoteInfo & { rooms: string[] })[] }
  | { kind: "join"; member: RemoteInfo }
  /** A user left; with `reason` when its node told nobody (it is stopping): the others tell. */
  | { kind: "leave"; nickname: string; reason?: string }
  | { kind: "nick"; old: string; nickname: string }
  | { kind: "room"; nickname: string; room: string; in: boolean }
  /** The sender's node holds `nickname` by an earlier registration: others holding it rename. */
  | { kind: "took"; nickname: string }
  /** A user of the sender's node published its key bundle. */
  | { kind: "keys"; nickname: string; bundle: KeyBundle }
  /** An account was made (with its nickname) or given up (none) on the sender's node. */
  | { kind: "account"; key: string; nickname?: string }
  | { kind: "deliver"; to: "*" | string[]; messages: readonly ServerMessage[]; bulk?: boolean }
  /** A user of the sender's node answers or acknowledges a file sent from the receiving node. */
  | { kind: "transfer"; from: string; request: TransferMessage };

/** Why users of another node are said to have left when that became known only afterwards. */
const APART_REASON = "left while the servers could not reach each other";

/** What users are told when the link to Redis is lost. */
export const LINK_LOST_NOTICE = "The link to the other servers of this chat is down: until it is " +
  "back, only the users of this server hear you";

/** How the bus is set up. */
export interface ClusterBusOptions<P extends Member> {
  node: ClusterNode;
  /** Carries out a registration or rename once its nickname is held (the core's `handle`). */
  handle: (peer: P, command: RegisterCommand | { kind: "nick"; nickname: string }) => void;
  /** This node's own delivery, to its own users. */
  inner: Outbound<P>;
  /** After a delivery from another node: the dead are reaped. */
  afterDelivery: () => void;
  /** Where the bus's own lines go (problems on the bus). */
  log: (line: string) => void;
  /** The key bundle a user published (the key directory's), and setting one of another node. */
  /** The server's features that users of other nodes reach too. */
  features: () => BusFeatures<P | RemoteMember>;
}

/** What the bus needs of the server's features. */
export interface BusFeatures<M extends Member> {
  /** The key directory: the bundle a user published, and setting one of another node's users. */
  keys: {
    bundleOf(member: M): KeyBundle | undefined;
    setBundle(member: M, bundle: KeyBundle | undefined): void;
  };
  /** File transfers: a request of another node's user, and a user who is gone. */
  transfers: {
    handle(member: M, request: TransferMessage): boolean;
    left(member: M): void;
  };
  /** Accounts made or given up on another node, when the server keeps accounts. */
  accounts?: { learn(key: string, nickname: string | undefined): void };
}

/** The bus of one node: see the module's comment. */
export class ClusterBus<P extends Member> {
  readonly #options: ClusterBusOptions<P>;
  #core: ChatCore<P | RemoteMember> | undefined;
  /** The users of each other node, by node id and nickname key. */
  readonly #remote = new Map<string, Map<string, RemoteMember>>();
  /** Files offered to this node's users from other nodes: which node runs each. */
  readonly #foreign = new ForeignTransfers<P | RemoteMember>();
  /** The room channels this node hears. */
  readonly #rooms: RoomChannels;
  /** The kinds of bad bus message already logged (each is logged once). */
  readonly #logged = new Set<string>();
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  /** No node is taken for gone before this time (ms): after the link is back, all re-lease. */
  #sweepAfter = 0;
  /** The nicknames of this node's users, held in Redis. */
  readonly claims: NicknameClaims<P>;

  /** Creates the bus; it hears nothing until `start`. */
  constructor(options: ClusterBusOptions<P>) {
    this.#options = options;
    const { node } = options;
    this.#rooms = new RoomChannels({
      listen: (key) => node.listen(node.channel(`room:${key}`)),
      unlisten: (key) => node.unlisten(node.channel(`room:${key}`)),
    });
    this.claims = new NicknameClaims<P>({
      link: options.node,
      handle: (peer, command) => {
        options.handle(peer, command);
        options.afterDelivery();
      },
      refuse: (peer, message, reason) => options.inner.refuse(peer, message, reason),
      took: (nickname) => this.#publish("all", { kind: "took", nickname }),
      log: options.log,
    });
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
      if (remote.length === 0) return accepted;
      if (!this.#options.node.up) {
        this.#undelivered(remote, messages);
        return accepted;
      }
      this.#sendOn(remote, messages);
      return [...accepted, ...remote];
    },
    bulk: (member, message, frame) => {
      if (!(member instanceof RemoteMember)) {
        return this.#options.inner.bulk(member, message, frame);
      }
      if (!this.#options.node.up) return false;
      const deliver = { kind: "deliver" as const, to: [member.nickname!], messages: [message] };
      this.#publish(`node:${member.node}`, { ...deliver, bulk: true });
      return true;
    },
    refuse: (member, message, reason) => {
      if (member instanceof RemoteMember) this.#sendOn([member], [{ type: "error", message }]);
      else this.#options.inner.refuse(member, message, reason);
    },
    tooLong: (message) => this.#options.inner.tooLong(message),
  };

  /** What the core tells of its own users' changes: passed on to the other nodes. */
  readonly observer: ChatObserver<P | RemoteMember> = {
    registered: (member) => this.#publish("all", { kind: "join", member: info(member) }),
    renamed: (member, old) =>
      this.#publish("all", { kind: "nick", old, nickname: member.nickname! }),
    left: (member, reason, notified, rooms) => {
      this.#foreign.forget(member);
      this.#publish("all", {
        kind: "leave",
        nickname: member.nickname!,
        reason: notified ? undefined : reason,
      });
      for (const room of rooms) this.#releaseIfEmpty(room);
    },
    joinedRoom: (member, room) => {
      const said = () =>
        this.#publish("all", { kind: "room", nickname: member.nickname!, room, in: true });
      this.#rooms.listen(room).then(said, said);
    },
    leftRoom: (member, room) => {
      this.#publish("all", { kind: "room", nickname: member.nickname!, room, in: false });
      this.#releaseIfEmpty(room);
    },
  };

  /** Stops hearing `room`'s channel once no user of this node is in it. */
  #releaseIfEmpty(room: string): void {
    if (![...this.#core!.membersOf(room)].some((member) => !member.remote)) {
      this.#rooms.release(room);
    }
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
        if (member.nickname !== undefined) this.claims.adopt(member as P);
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
    if (request.type === "offer") return false;
    const node = this.#foreign.nodeFor(peer, request);
    if (node === undefined) return false;
    this.#publish(`node:${node}`, { kind: "transfer", from: peer.nickname!, request }, () => {
      this.#options.inner.refuse(peer, "Cannot reach the sender's server: the link is down");
    });
    return true;
  }

  /** A user of this node published `bundle`: the other nodes keep it too. */
  keysPublished(member: P | RemoteMember, bundle: KeyBundle): void {
    if (!member.remote) {
      this.#publish("all", { kind: "keys", nickname: member.nickname!, bundle });
    }
  }

  /** Starts hearing the other nodes, and asks them who is there. */
  async start(core: ChatCore<P | RemoteMember>): Promise<void> {
    this.#core = core;
    const { node } = this.#options;
    await node.subscribe(
      [node.channel("all"), node.channel(`node:${node.id}`)],
      (message) => this.#hear(message),
    );
    node.onLink((up, reason) => {
      if (!up) this.#lost(reason);
      else {
        this.#restored().catch((error: Error) => {
          this.#logOnce("restore", `cluster: could not re-establish everything: ${error.message}`);
        });
      }
    });
    this.#publish("all", { kind: "hello" });
    this.#sweepTimer = setInterval(
      () => this.#sweep().catch(() => {}),
      node.settings.nodeTimeoutMs / SWEEPS_PER_TIMEOUT,
    );
  }

  /** Stops looking for nodes that died. */
  stop(): void {
    clearInterval(this.#sweepTimer);
  }

  /**
   * Sends `messages` to `remote` members: on their node's channel when they share one, and as
   * `*` when they are every user of the other nodes.
   */
  #sendOn(remote: RemoteMember[], messages: readonly ServerMessage[]): void {
    const nodes = new Set(remote.map((member) => member.node));
    const known = [...this.#remote.values()].reduce((sum, users) => sum + users.size, 0);
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
    this.#publish(channel, { kind: "deliver", to, messages }, () => {
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
   * Publishes `message` on `channel`; `failed` is called when it cannot be, or when a node's
   * channel has nobody to hear it (that node is not listening).
   */
  #publish(channel: string, message: BusMessage, failed?: () => void): void {
    const { node } = this.#options;
    const text = JSON.stringify({ v: BUS_VERSION, node: node.id, ...message });
    node.publish(node.channel(channel), text).then((heard) => {
      if (Number(heard) === 0 && channel.startsWith("node:")) failed?.();
    }, () => failed?.());
  }

  /** The link to Redis is lost: said on the console, and to this node's users once. */
  #lost(reason = "no answer"): void {
    this.#options.log(`Cluster link lost: ${reason}; retrying`);
    this.#options.inner.deliver(this.#locals(), [{ type: "error", message: LINK_LOST_NOTICE }]);
    this.#options.afterDelivery();
  }

  /** The link is back: names claimed again, and the nodes tell each other who is there. */
  async #restored(): Promise<void> {
    this.#options.log("Cluster link restored");
    this.#sweepAfter = Date.now() + this.#options.node.settings.nodeTimeoutMs;
    await this.claims.reclaim();
    this.#resync();
    // Rooms joined while Redis was away are listened to now.
    for (const member of this.#locals()) {
      for (const room of this.#core!.roomsOf(member)) this.#rooms.listen(room).catch(() => {});
    }
    this.#publish("all", { kind: "hello" });
    this.#publish("all", { kind: "state", members: this.#localState() });
  }

  /** Handles one message from the bus. */
  #hear(text: string): void {
    let message: BusMessage & { v: number; node: string };
    try {
      message = JSON.parse(text);
    } catch {
      this.#logOnce("json", "cluster: ignored a message on the bus that is not JSON");
      return;
    }
    const { node } = this.#options;
    if (message?.v !== BUS_VERSION || typeof message.node !== "string") {
      this.#logOnce("version", "cluster: ignored a message on the bus of another version");
      return;
    }
    if (message.node === node.id) return;
    try {
      this.#apply(message.node, message);
    } catch (error) {
      this.#logOnce(
        `bad ${String(message.kind)}`,
        `cluster: ignored a bad "${String(message.kind)}" message: ${(error as Error).message}`,
      );
    }
  }

  #apply(from: string, message: BusMessage): void {
    const core = this.#core!;
    const users = this.#users(from);
    switch (message.kind) {
      case "hello":
        this.#publish(`node:${from}`, { kind: "state", members: this.#localState() });
        break;
      case "state": {
        // Who came and went while the nodes could not tell each other is announced now.
        const listed = new Set(message.members.map((member) => nicknameKey(member.nickname)));
        for (const [key, member] of users) {
          if (!listed.has(key)) this.#remove(from, member, APART_REASON);
        }
        for (const each of message.members) {
          const member = this.#add(from, each, true);
          for (const room of each.rooms) core.roomRemote(member, room, true);
        }
        break;
      }
      case "join":
        this.#add(from, message.member);
        break;
      case "leave": {
        const member = users.get(nicknameKey(message.nickname));
        const reason = typeof message.reason === "string" ? message.reason : undefined;
        if (member !== undefined) this.#remove(from, member, reason);
        break;
      }
      case "nick": {
        const member = users.get(nicknameKey(message.old));
        if (member === undefined) break;
        users.delete(nicknameKey(message.old));
        users.set(nicknameKey(message.nickname), member);
        if (core.find(message.old) === member) {
          core.renameRemote(member, message.nickname);
        } else {
          // Not in the core (its old name was in dispute with a user here): now it can be.
          member.nickname = message.nickname;
          this.#add(from, info(member));
        }
        break;
      }
      case "room": {
        const member = users.get(nicknameKey(message.nickname));
        if (member !== undefined) core.roomRemote(member, message.room, message.in);
        break;
      }
      case "deliver":
        this.#deliverHere(from, message.to, message.messages, message.bulk === true);
        break;
      case "transfer": {
        const member = users.get(nicknameKey(String(message.from)));
        if (member === undefined || typeof message.request?.id !== "string") {
          throw new Error("not from a known user, or not a transfer message");
        }
        this.#options.features().transfers.handle(member, message.request);
        this.#options.afterDelivery();
        break;
      }
      case "keys": {
        const member = users.get(nicknameKey(message.nickname));
        if (member !== undefined) this.#options.features().keys.setBundle(member, message.bundle);
        break;
      }
      case "account":
        if (typeof message.key !== "string") throw new Error("no account key");
        this.#options.features().accounts?.learn(message.key, message.nickname);
        break;
      case "took": {
        const member = core.find(message.nickname);
        if (member !== undefined && !member.remote) {
          this.claims.renameAway(member as P).then(() => {
            this.#resync();
            this.#publish("all", { kind: "state", members: this.#localState() });
          }).catch((error: Error) => {
            this.#logOnce(
              "rename",
              `cluster: could not rename ${member.nickname}: ${error.message}`,
            );
          });
        }
        break;
      }
      default:
        throw new Error("unknown kind");
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
    if (to === "*") recipients.push(...this.#locals());
    else {
      for (const name of to) {
        const member = this.#core!.find(name);
        if (member !== undefined && !(member instanceof RemoteMember)) recipients.push(member);
      }
    }
    if (recipients.length === 0) return;
    for (const message of messages) this.#foreign.note(from, recipients, message);
    if (bulk) { for (const member of recipients) this.#options.inner.bulk(member, messages[0]); }
    else this.#options.inner.deliver(recipients, messages);
    this.#options.afterDelivery();
  }

  /** This node's own users and their rooms, for a node that said hello. */
  #localState(): (RemoteInfo & { rooms: string[] })[] {
    return [...this.#locals()].map((member) => ({
      ...info(member),
      rooms: this.#core!.roomsOf(member),
      bundle: this.#options.features().keys.bundleOf(member),
    }));
  }

  /** This node's own users. */
  *#locals(): Iterable<P> {
    for (const member of this.#core!.members()) {
      if (!(member instanceof RemoteMember)) yield member;
    }
  }

  /** Every few seconds: the users of nodes whose lease has run out are gone. */
  async #sweep(): Promise<void> {
    if (!this.#options.node.up || Date.now() < this.#sweepAfter) return;
    const live = new Set(await this.#options.node.liveNodes());
    for (const [id, users] of this.#remote) {
      if (live.has(id)) continue;
      for (const member of users.values()) this.#remove(id, member, "their server is gone");
      this.#remote.delete(id);
      this.#say(`cluster: node ${id} is gone`);
    }
  }

  #users(node: string): Map<string, RemoteMember> {
    let users = this.#remote.get(node);
    if (users === undefined) this.#remote.set(node, users = new Map());
    return users;
  }

  /** The user `info` of `node`, added to the core unless a user of this node has the name. */
  #add(node: string, info: RemoteInfo, announce = false): RemoteMember {
    const users = this.#users(node);
    const key = nicknameKey(info.nickname);
    let member = users.get(key);
    if (member === undefined) users.set(key, member = new RemoteMember(node, info));
    if (info.bundle !== undefined) this.#options.features().keys.setBundle(member, info.bundle);
    if (this.#core!.find(info.nickname) === undefined) this.#core!.addRemote(member, announce);
    return member;
  }

  /** Adds to the core the users of other nodes it lacks (a name that was in dispute is free). */
  #resync(): void {
    for (const [node, users] of this.#remote) {
      for (const member of users.values()) this.#add(node, info(member), true);
    }
  }

  #remove(node: string, member: RemoteMember, reason?: string): void {
    this.#users(node).delete(nicknameKey(member.nickname!));
    const features = this.#options.features();
    features.keys.setBundle(member, undefined);
    features.transfers.left(member);
    this.#core!.removeRemote(member, reason);
  }

  #logOnce(kind: string, line: string): void {
    if (this.#logged.has(kind)) return;
    this.#logged.add(kind);
    this.#say(line);
  }

  /** Logs `text` as a server event line, with the date and time. */
  #say(text: string): void {
    this.#options.log(`${formatDateTime(new Date())} :: ${text}`);
  }
}

/** What the other nodes are told of `member`. */
function info(member: Member): RemoteInfo {
  return {
    nickname: member.nickname!,
    clientID: member.clientID,
    extensions: [...member.extensions],
  };
}

/** The room a message is said in or about, if any. */
function roomOf(message: ServerMessage): string | undefined {
  return "room" in message && typeof message.room === "string" ? message.room : undefined;
}
