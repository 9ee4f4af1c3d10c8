/**
 * Presence in a cluster: each node's core knows every user of every node (those of other nodes as
 * `RemoteMember`s), and this module keeps them in step. A node publishes each change to its own
 * users (registered, renamed, left, in or out of a room) on the chat's `all` channel, and every
 * other node mirrors it in its core. A node that joins says `hello`, and every node answers with
 * its users on the newcomer's channel. A node whose lease has run out is gone, and every node
 * tells its own users that the gone node's users left.
 *
 * A node hears a room's channel only while one of its users is in the room (what is said in a
 * room crosses on its channel): it says that its user joined a room only once it listens there.
 *
 * @module
 */

import type { KeyBundle } from "../../protocol.ts";
import type { ChatCore } from "../core/chat.ts";
import type { ChatObserver, Member } from "../core/types.ts";
import { nicknameKey } from "../protocol/values.ts";
import type { MemberState, PresenceMessage, Publish } from "./bus_messages.ts";
import { type ClusterNode, SWEEPS_PER_TIMEOUT } from "./cluster_node.ts";
import { type RemoteInfo, RemoteMember } from "./remote_member.ts";
import { RoomChannels } from "./room_channels.ts";

/** Why users of another node are said to have left when that became known only afterwards. */
const APART_REASON = "left while the servers could not reach each other";

/** What presence uses of the node: room channels, and which nodes are live. */
export type PresenceLink = Pick<
  ClusterNode,
  "up" | "settings" | "liveNodes" | "channel" | "listen" | "unlisten"
>;

/** What presence needs of the server's features. */
export interface PresenceFeatures<M extends Member> {
  /** The key directory: the bundle a user published, and setting one of another node's users. */
  keys: {
    bundleOf(member: M): KeyBundle | undefined;
    setBundle(member: M, bundle: KeyBundle | undefined): void;
  };
  /** File transfers: a user who is gone. */
  transfers: { left(member: M): void };
}

/** How presence is set up. */
export interface PresenceOptions<P extends Member> {
  /** This node's link to Redis. */
  node: PresenceLink;
  /** Says a message on the bus. */
  publish: Publish;
  /** A user of this node left (what other nodes offered it is forgotten). */
  left: (member: P | RemoteMember) => void;
  /** Logs a server event line (a node is gone). */
  say: (text: string) => void;
  /** The server's features that keep something of each user. */
  features: () => PresenceFeatures<P | RemoteMember>;
}

/** Who is on which node of the cluster, as one node sees it: see the module's comment. */
export class Presence<P extends Member> {
  readonly #options: PresenceOptions<P>;
  #core: ChatCore<P | RemoteMember> | undefined;
  /** The users of each other node, by node id and nickname key. */
  readonly #remote = new Map<string, Map<string, RemoteMember>>();
  /** The room channels this node hears. */
  readonly #rooms: RoomChannels;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  /** No node is taken for gone before this time (ms): after the link is back, all re-lease. */
  #sweepAfter = 0;

  /** Creates the presence of a node; it knows nobody until `attach`. */
  constructor(options: PresenceOptions<P>) {
    this.#options = options;
    const { node } = options;
    this.#rooms = new RoomChannels({
      listen: (key) => node.listen(node.channel(`room:${key}`)),
      unlisten: (key) => node.unlisten(node.channel(`room:${key}`)),
    });
  }

  /** What the core tells of its own users' changes: passed on to the other nodes. */
  readonly observer: ChatObserver<P | RemoteMember> = {
    registered: (member) => this.#options.publish("all", { kind: "join", member: info(member) }),
    renamed: (member, old) =>
      this.#options.publish("all", { kind: "nick", old, nickname: member.nickname! }),
    left: (member, reason, notified, rooms) => {
      this.#options.left(member);
      this.#options.publish("all", {
        kind: "leave",
        nickname: member.nickname!,
        reason: notified ? undefined : reason,
      });
      for (const room of rooms) this.#releaseIfEmpty(room);
    },
    joinedRoom: (member, room) => {
      const said = () =>
        this.#options.publish("all", { kind: "room", nickname: member.nickname!, room, in: true });
      this.#rooms.listen(room).then(said, said);
    },
    leftRoom: (member, room) => {
      this.#options.publish("all", { kind: "room", nickname: member.nickname!, room, in: false });
      this.#releaseIfEmpty(room);
    },
  };

  /** The core whose members are kept in step. */
  attach(core: ChatCore<P | RemoteMember>): void {
    this.#core = core;
  }

  /** Asks the other nodes who is there, and from now on looks for nodes that died. */
  start(): void {
    this.hello();
    this.#sweepTimer = setInterval(
      () => this.#sweep().catch(() => {}),
      this.#options.node.settings.nodeTimeoutMs / SWEEPS_PER_TIMEOUT,
    );
  }

  /** Stops looking for nodes that died. */
  stop(): void {
    clearInterval(this.#sweepTimer);
  }

  /** This node's own users. */
  *locals(): Iterable<P> {
    for (const member of this.#core!.members()) {
      if (!(member instanceof RemoteMember)) yield member;
    }
  }

  /** How many users the other nodes have, as far as this node knows. */
  get remoteCount(): number {
    return [...this.#remote.values()].reduce((sum, users) => sum + users.size, 0);
  }

  /** The user of node `node` named `nickname` (in any case), if known here. */
  member(node: string, nickname: string): RemoteMember | undefined {
    return this.#remote.get(node)?.get(nicknameKey(nickname));
  }

  /**
   * Node `node` said something: it is watched from now on, so that it is said to be gone should
   * its lease run out, even while no user of it is known.
   */
  heardFrom(node: string): void {
    this.#users(node);
  }

  /** Mirrors what node `from` says of its users; throws on a message it cannot read. */
  hear(from: string, message: PresenceMessage): void {
    switch (message.kind) {
      case "hello":
        this.announce(`node:${from}`);
        break;
      case "state":
        this.#state(from, message.members);
        break;
      case "join":
        this.#add(from, message.member);
        break;
      case "leave": {
        const member = this.member(from, message.nickname);
        const reason = typeof message.reason === "string" ? message.reason : undefined;
        if (member !== undefined) this.#remove(from, member, reason);
        break;
      }
      case "nick":
        this.#renamed(from, message.old, message.nickname);
        break;
      case "room": {
        const member = this.member(from, message.nickname);
        if (member !== undefined) this.#core!.roomRemote(member, message.room, message.in);
        break;
      }
      case "keys": {
        const member = this.member(from, message.nickname);
        if (member !== undefined) this.#options.features().keys.setBundle(member, message.bundle);
        break;
      }
    }
  }

  /** Asks the other nodes who is there: each answers on this node's channel. */
  hello(): void {
    this.#options.publish("all", { kind: "hello" });
  }

  /** Tells who is on this node, on `channel`: every node, unless one asked. */
  announce(channel = "all"): void {
    this.#options.publish(channel, { kind: "state", members: this.#localState() });
  }

  /** The link to Redis is back: no node is taken for gone until each could renew its lease. */
  linkBack(): void {
    this.#sweepAfter = Date.now() + this.#options.node.settings.nodeTimeoutMs;
  }

  /**
   * Once this node's names are claimed again after the link was back: the nodes tell each other
   * who is there, and rooms joined while Redis was away are listened to now.
   */
  rejoin(): void {
    this.resync();
    for (const member of this.locals()) {
      for (const room of this.#core!.roomsOf(member)) this.#rooms.listen(room).catch(() => {});
    }
    this.hello();
    this.announce();
  }

  /** Adds to the core the users of other nodes it lacks (a name that was in dispute is free). */
  resync(): void {
    for (const [node, users] of this.#remote) {
      for (const member of users.values()) this.#add(node, info(member), true);
    }
  }

  /** Who came and went while the nodes could not tell each other is announced now. */
  #state(from: string, members: MemberState[]): void {
    const users = this.#users(from);
    const listed = new Set(members.map((member) => nicknameKey(member.nickname)));
    for (const [key, member] of users) {
      if (!listed.has(key)) this.#remove(from, member, APART_REASON);
    }
    for (const each of members) {
      const member = this.#add(from, each, true);
      for (const room of each.rooms) this.#core!.roomRemote(member, room, true);
    }
  }

  /** The user `old` of node `from` is now `nickname`. */
  #renamed(from: string, old: string, nickname: string): void {
    const users = this.#users(from);
    const member = users.get(nicknameKey(old));
    if (member === undefined) return;
    users.delete(nicknameKey(old));
    users.set(nicknameKey(nickname), member);
    if (this.#core!.find(old) === member) {
      this.#core!.renameRemote(member, nickname);
    } else {
      // Not in the core (its old name was in dispute with a user here): now it can be.
      member.nickname = nickname;
      this.#add(from, info(member));
    }
  }

  /** Stops hearing `room`'s channel once no user of this node is in it. */
  #releaseIfEmpty(room: string): void {
    if (![...this.#core!.membersOf(room)].some((member) => !member.remote)) {
      this.#rooms.release(room);
    }
  }

  /** This node's own users and their rooms, for a node that said hello. */
  #localState(): MemberState[] {
    return [...this.locals()].map((member) => ({
      ...info(member),
      rooms: this.#core!.roomsOf(member),
      bundle: this.#options.features().keys.bundleOf(member),
    }));
  }

  /** Every few seconds: the users of nodes whose lease has run out are gone. */
  async #sweep(): Promise<void> {
    const { node } = this.#options;
    if (!node.up || Date.now() < this.#sweepAfter) return;
    const live = new Set(await node.liveNodes());
    for (const [id, users] of this.#remote) {
      if (live.has(id)) continue;
      for (const member of users.values()) this.#remove(id, member, "their server is gone");
      this.#remote.delete(id);
      this.#options.say(`cluster: node ${id} is gone`);
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

  #remove(node: string, member: RemoteMember, reason?: string): void {
    this.#users(node).delete(nicknameKey(member.nickname!));
    const features = this.#options.features();
    features.keys.setBundle(member, undefined);
    features.transfers.left(member);
    this.#core!.removeRemote(member, reason);
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
