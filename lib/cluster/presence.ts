/**
 * Presence in a cluster: each node's core knows every user of every node (those of other nodes as
 * `RemoteMember`s), and this module keeps them in step. A node publishes each change to its own
 * users (registered, renamed, left, in or out of a room) on the chat's `all` channel, and every
 * other node mirrors it in its core. A node that joins says `hello`, and every node answers with
 * its users on the newcomer's channel. A node whose lease has run out is gone, and every node
 * tells its own users that the gone node's users left.
 *
 * One name, two nodes: a user back on a restarted node may be heard of before its old node is
 * found gone. It waits here, known but not in the core, and enters the core (announced) as soon
 * as the name is free; the same holds for a name in dispute with a user of this node.
 *
 * Views converge on their own: every node publishes the digest of its users (`digest.ts`) each
 * quarter of `--node-timeout`, and a node whose view of it differs asks for its `state` (`sync`),
 * which replaces that view whole. So whatever was lost, views agree again within a quarter of the
 * timeout and a round trip.
 *
 * A node hears a room's channel only while one of its users is in the room (what is said in a
 * room crosses on its channel): it says that its user joined a room only once it listens there,
 * and holds its answer to that user until then (`hold`).
 *
 * It runs past 450 lines because mirroring, waiting names and the digest's repair act on one view
 * of the other nodes' users, which must change in one place.
 *
 * @module
 */

import type { KeyBundle } from "../../protocol.ts";
import type { ChatCore } from "../core/chat.ts";
import type { ChatObserver, Member } from "../core/types.ts";
import { nicknameKey, roomKey } from "../protocol/values.ts";
import type { MemberState, PresenceMessage, Publish } from "./bus_messages.ts";
import { type ClusterNode, SWEEPS_PER_TIMEOUT } from "./cluster_node.ts";
import { type Digest, type DigestEntry, digestOf, sameDigest } from "./digest.ts";
import { type RemoteInfo, RemoteMember } from "./remote_member.ts";
import { RoomChannels } from "./room_channels.ts";
import type { Log } from "../common/log_event.ts";
import { CLUSTER_NODE_GONE } from "./cluster_events.ts";

/** Why users of another node are said to have left when that became known only afterwards. */
const APART_REASON = "left while the servers could not reach each other";

/** What presence uses of the node: room channels, and which nodes are live. */
export type PresenceLink = Pick<
  ClusterNode,
  "id" | "up" | "settings" | "liveNodes" | "channel" | "listen" | "unlisten"
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
  /**
   * Whether this node keeps what its users say for the other nodes (its link was lost): the
   * notices of who came and went meanwhile are among it, so its `state` announces nothing.
   */
  holding: () => boolean;
  /**
   * Writes nothing more to `member`, a user of this node, until `until` settles (the outbox's
   * `hold`): its answer to a join waits until this node hears the room's channel.
   */
  hold?: (member: P, until: Promise<void>) => void;
  /** A user of this node left (what other nodes offered it is forgotten). */
  left: (member: P | RemoteMember) => void;
  /** Where console events go (a node is gone). */
  log: Log;
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
  /** Nodes to hear from since the link came back, and what to call once all have been heard. */
  #awaited: { nodes: Set<string>; done: () => void } | undefined;

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
    renamed: (member, old) => {
      this.#options.publish("all", { kind: "nick", old, nickname: member.nickname! });
      this.#fillLater(old);
    },
    left: (member, reason, notified, rooms) => {
      this.#options.left(member);
      this.#options.publish("all", {
        kind: "leave",
        nickname: member.nickname!,
        reason: notified ? undefined : reason,
      });
      for (const room of rooms) this.#releaseIfEmpty(room);
      this.#fillLater(member.nickname!);
    },
    joinedRoom: (member, room) => {
      const said = () =>
        this.#options.publish("all", { kind: "room", nickname: member.nickname!, room, in: true });
      const heard = this.#rooms.heard(room);
      const listening = this.#rooms.listen(room).then(said, said);
      // The user is told it is in once this node hears what is said there.
      if (!heard && !member.remote) this.#options.hold?.(member as P, listening);
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

  /**
   * Asks the other nodes who is there, and from now on, each quarter of `--node-timeout`, looks
   * for nodes that died and tells the others the digest of this node's users. Resolves once every
   * other live node has answered (or `--node-timeout` has passed): a user let in before would not
   * be announced to the users of a node not heard yet, nor told of them.
   */
  async start(): Promise<void> {
    const { node } = this.#options;
    const live = await node.liveNodes().catch(() => [] as string[]);
    const answered = this.#awaitNodes(
      new Set(live.filter((id) => id !== node.id)),
      node.settings.nodeTimeoutMs,
    );
    this.hello();
    this.#sweepTimer = setInterval(() => {
      this.#sweep().catch(() => {});
      if (node.up) this.#options.publish("all", { kind: "digest", ...this.digest() });
    }, node.settings.nodeTimeoutMs / SWEEPS_PER_TIMEOUT);
    await answered;
  }

  /** Stops looking for nodes that died, and waiting for nodes to speak again. */
  stop(): void {
    clearInterval(this.#sweepTimer);
    this.#awaited?.done();
  }

  /** This node's own users. */
  *locals(): Iterable<P> {
    for (const member of this.#core!.members()) {
      if (!(member instanceof RemoteMember)) yield member;
    }
  }

  /** The digest of this node's own users (see `digest.ts`). */
  digest(): Digest {
    return digestOf([...this.locals()].map((member) => ({
      nickname: member.nickname!,
      rooms: this.#core!.roomsOf(member),
      bundle: this.#options.features().keys.bundleOf(member)?.sig,
    })));
  }

  /** How many other nodes this node hears of (until their lease runs out). */
  get nodes(): number {
    return this.#remote.size;
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
        this.#heardAgain(from);
        break;
      case "state":
        this.#state(from, message.members, message.kept === true);
        this.#heardAgain(from);
        break;
      case "digest":
        this.#compare(from, message);
        break;
      case "sync":
        this.announce(`node:${from}`);
        break;
      case "join":
        // The newcomer's node told only its own users: this node tells its own.
        this.#add(from, message.member, true);
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
        // Its node told only its own users of a join: this node tells its own.
        if (member !== undefined) {
          this.#room(member, String(message.room), message.in === true, true);
        }
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
    const members = this.#localState();
    this.#options.publish(
      channel,
      this.#options.holding() ? { kind: "state", members, kept: true } : { kind: "state", members },
    );
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
    for (const users of this.#remote.values()) {
      for (const member of users.values()) this.#enter(member, true);
    }
  }

  /**
   * Resolves once every node that has users known here has said it hears the bus again (its
   * `hello` or its `state`), or after `ms`: what was kept for them may then be sent.
   */
  heardAgainFromAll(ms: number): Promise<void> {
    return this.#awaitNodes(
      new Set([...this.#remote].filter(([, users]) => users.size > 0).map(([id]) => id)),
      ms,
    );
  }

  /** Resolves once each of `nodes` has said `hello` or its `state`, or after `ms`. */
  #awaitNodes(nodes: Set<string>, ms: number): Promise<void> {
    this.#awaited?.done();
    if (nodes.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        if (this.#awaited?.done === done) this.#awaited = undefined;
        resolve();
      };
      this.#awaited = { nodes, done };
    });
  }

  /** Node `from` hears the bus again. */
  #heardAgain(from: string): void {
    const awaited = this.#awaited;
    if (awaited === undefined) return;
    awaited.nodes.delete(from);
    if (awaited.nodes.size === 0) awaited.done();
  }

  /**
   * Replaces what this node knows of node `from` with its `members`: those missing are gone, the
   * others are added and put in exactly the rooms listed. Who came is announced; who went too
   * (while the nodes could not tell each other, or a message was lost), unless `from` `kept` the
   * notices of leaving and they come on their own.
   */
  #state(from: string, members: MemberState[], kept: boolean): void {
    const users = this.#users(from);
    const listed = new Set(members.map((member) => nicknameKey(member.nickname)));
    for (const [key, member] of users) {
      if (!listed.has(key)) this.#remove(from, member, kept ? undefined : APART_REASON);
    }
    for (const each of members) {
      // Announced here even when `from` kept its notices: a node tells only its own of a join.
      const member = this.#add(from, each, true);
      const rooms = new Set(each.rooms.map(roomKey));
      for (const [key, room] of [...member.rooms]) {
        if (!rooms.has(key)) this.#room(member, room, false);
      }
      for (const room of each.rooms) this.#room(member, room, true, true);
    }
  }

  /** Node `from` says its users are `digest`: when this node believes otherwise, it asks. */
  #compare(from: string, digest: Digest): void {
    const users = this.#remote.get(from);
    const view = digestOf([...(users?.values() ?? [])].map((member) => this.#entry(member)));
    if (!sameDigest(view, digest)) this.#options.publish(`node:${from}`, { kind: "sync" });
    for (const member of users?.values() ?? []) this.#enter(member, true);
  }

  /** What a digest counts of `member`, a user of another node, as this node knows it. */
  #entry(member: RemoteMember): DigestEntry {
    return {
      nickname: member.nickname!,
      rooms: member.rooms.values(),
      bundle: this.#options.features().keys.bundleOf(member)?.sig,
    };
  }

  /**
   * `member` of another node went in (`inRoom`) or out of `room`: in the core too, if it is;
   * a join new here is told to this node's users in the room when `announce`.
   */
  #room(member: RemoteMember, room: string, inRoom: boolean, announce = false): void {
    if (inRoom) member.rooms.set(roomKey(room), room);
    else member.rooms.delete(roomKey(room));
    this.#core!.roomRemote(member, room, inRoom, announce);
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
      this.#fill(old);
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
      this.#options.log(CLUSTER_NODE_GONE.at(new Date(), { node: id }));
    }
  }

  #users(node: string): Map<string, RemoteMember> {
    let users = this.#remote.get(node);
    if (users === undefined) this.#remote.set(node, users = new Map());
    return users;
  }

  /**
   * The user `info` of `node`, added to the core unless another has the name here (then it waits,
   * and enters once the name is free).
   */
  #add(node: string, info: RemoteInfo, announce = false): RemoteMember {
    const users = this.#users(node);
    const key = nicknameKey(info.nickname);
    let member = users.get(key);
    if (member === undefined) users.set(key, member = new RemoteMember(node, info));
    if (info.bundle !== undefined) this.#options.features().keys.setBundle(member, info.bundle);
    this.#enter(member, announce);
    return member;
  }

  /** Puts `member` in the core, in its rooms, when its name is free there. */
  #enter(member: RemoteMember, announce: boolean): void {
    if (this.#core!.find(member.nickname!) !== undefined) return;
    this.#core!.addRemote(member, announce);
    for (const room of member.rooms.values()) this.#core!.roomRemote(member, room, true);
  }

  #remove(node: string, member: RemoteMember, reason?: string): void {
    this.#users(node).delete(nicknameKey(member.nickname!));
    const features = this.#options.features();
    features.keys.setBundle(member, undefined);
    features.transfers.left(member);
    this.#core!.removeRemote(member, reason);
    this.#fill(member.nickname!);
  }

  /** A name is free here: a user of another node that waits for it enters (announced). */
  #fill(nickname: string): void {
    if (this.#core!.find(nickname) !== undefined) return;
    const key = nicknameKey(nickname);
    for (const users of this.#remote.values()) {
      const waiting = users.get(key);
      if (waiting !== undefined) {
        this.#enter(waiting, true);
        return;
      }
    }
  }

  /** As `#fill`, once the core has done with the change that freed the name. */
  #fillLater(nickname: string): void {
    queueMicrotask(() => this.#fill(nickname));
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
