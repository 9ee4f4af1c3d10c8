/**
 * The cluster's bus: what makes several nodes one chat. Each node's core knows every user of
 * every node (those of other nodes as `RemoteMember`s); this module keeps them in step and carries
 * deliveries between the nodes through Redis pub/sub:
 *
 * - Presence: a node publishes each change to its own users (registered, renamed, left, in or
 *   out of a room) on the chat's `all` channel, and every other node mirrors it in its core. A
 *   node that joins says `hello`, and every node answers with its users on the newcomer's channel.
 * - Deliveries: when the core delivers to members of other nodes, the messages cross Redis once,
 *   on the channel of that one node or on `all`, with the recipients' names (or `*` for every
 *   user of those nodes); each node then delivers to its own users through the same outbound as
 *   local traffic (each message encoded once per wire). One publisher connection per node keeps
 *   every sender's messages in order.
 * - Nodes that die: a node whose lease has run out is gone, and every node tells its own users
 *   that the gone node's users left.
 *
 * @module
 */

import type { ServerMessage } from "../../protocol.ts";
import type { ChatCore } from "../core/chat.ts";
import type { ChatObserver, Member, Outbound } from "../core/types.ts";
import { formatDateTime } from "../format.ts";
import { nicknameKey } from "../values.ts";
import type { ClusterNode } from "./cluster_node.ts";
import { type RemoteInfo, RemoteMember } from "./remote_member.ts";

/** The version of the bus's messages. */
const BUS_VERSION = 1;

/** What a node says on the bus. */
type BusMessage =
  | { kind: "hello" }
  | { kind: "state"; members: (RemoteInfo & { rooms: string[] })[] }
  | { kind: "join"; member: RemoteInfo }
  | { kind: "leave"; nickname: string }
  | { kind: "nick"; old: string; nickname: string }
  | { kind: "room"; nickname: string; room: string; in: boolean }
  | { kind: "deliver"; to: "*" | string[]; messages: readonly ServerMessage[] };

/** How the bus is set up. */
export interface ClusterBusOptions<P extends Member> {
  node: ClusterNode;
  /** This node's own delivery (it skips members of other nodes). */
  inner: Outbound<P | RemoteMember>;
  /** After a delivery from another node: the dead are reaped. */
  afterDelivery: () => void;
  /** Where the bus's own lines go (problems on the bus). */
  log: (line: string) => void;
}

/** The bus of one node: see the module's comment. */
export class ClusterBus<P extends Member> {
  readonly #options: ClusterBusOptions<P>;
  #core: ChatCore<P | RemoteMember> | undefined;
  /** The users of each other node, by node id and nickname key. */
  readonly #remote = new Map<string, Map<string, RemoteMember>>();
  /** The kinds of bad bus message already logged (each is logged once). */
  readonly #logged = new Set<string>();
  #sweepTimer: ReturnType<typeof setInterval> | undefined;

  /** Creates the bus; it hears nothing until `start`. */
  constructor(options: ClusterBusOptions<P>) {
    this.#options = options;
  }

  /** Where the core delivers: this node's users directly, other nodes' through Redis. */
  readonly outbound: Outbound<P | RemoteMember> = {
    deliver: (recipients, messages) => {
      const all = [...recipients];
      const remote = all.filter((member): member is RemoteMember => member.remote === true);
      const accepted = this.#options.inner.deliver(all, messages);
      if (remote.length === 0) return accepted;
      this.#sendOn(remote, messages);
      return [...accepted, ...remote];
    },
    bulk: (member, message, frame) => this.#options.inner.bulk(member, message, frame),
    refuse: (member, message, reason) => this.#options.inner.refuse(member, message, reason),
    tooLong: (message) => this.#options.inner.tooLong(message),
  };

  /** What the core tells of its own users' changes: passed on to the other nodes. */
  readonly observer: ChatObserver<P | RemoteMember> = {
    registered: (member) => this.#publish("all", { kind: "join", member: info(member) }),
    renamed: (member, old) =>
      this.#publish("all", { kind: "nick", old, nickname: member.nickname! }),
    left: (member) => this.#publish("all", { kind: "leave", nickname: member.nickname! }),
    joinedRoom: (member, room) =>
      this.#publish("all", { kind: "room", nickname: member.nickname!, room, in: true }),
    leftRoom: (member, room) =>
      this.#publish("all", { kind: "room", nickname: member.nickname!, room, in: false }),
  };

  /** Starts hearing the other nodes, and asks them who is there. */
  async start(core: ChatCore<P | RemoteMember>): Promise<void> {
    this.#core = core;
    const { node } = this.#options;
    await node.subscribe(
      [node.channel("all"), node.channel(`node:${node.id}`)],
      (message) => this.#hear(message),
    );
    this.#publish("all", { kind: "hello" });
    this.#sweepTimer = setInterval(
      () => this.#sweep().catch(() => {}),
      node.settings.nodeTimeoutMs / 3,
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
    const to = remote.length === known ? "*" : remote.map((member) => member.nickname!);
    const channel = nodes.size === 1 ? `node:${[...nodes][0]}` : "all";
    this.#publish(channel, { kind: "deliver", to, messages });
  }

  #publish(channel: string, message: BusMessage): void {
    const { node } = this.#options;
    const text = JSON.stringify({ v: BUS_VERSION, node: node.id, ...message });
    node.publish(node.channel(channel), text).catch((error: Error) => {
      this.#logOnce("publish", `cluster: cannot publish: ${error.message}`);
    });
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
        const listed = new Set(message.members.map((member) => nicknameKey(member.nickname)));
        for (const [key, member] of users) {
          if (!listed.has(key)) this.#remove(from, member);
        }
        for (const each of message.members) {
          const member = this.#add(from, each);
          for (const room of each.rooms) core.roomRemote(member, room, true);
        }
        break;
      }
      case "join":
        this.#add(from, message.member);
        break;
      case "leave": {
        const member = users.get(nicknameKey(message.nickname));
        if (member !== undefined) this.#remove(from, member);
        break;
      }
      case "nick": {
        const member = users.get(nicknameKey(message.old));
        if (member === undefined) break;
        users.delete(nicknameKey(message.old));
        users.set(nicknameKey(message.nickname), member);
        core.renameRemote(member, message.nickname);
        break;
      }
      case "room": {
        const member = users.get(nicknameKey(message.nickname));
        if (member !== undefined) core.roomRemote(member, message.room, message.in);
        break;
      }
      case "deliver":
        this.#deliverHere(message.to, message.messages);
        break;
      default:
        throw new Error("unknown kind");
    }
  }

  /** Delivers `messages` to this node's users among `to` (`*`: all of them). */
  #deliverHere(to: "*" | string[], messages: readonly ServerMessage[]): void {
    const core = this.#core!;
    const recipients: (P | RemoteMember)[] = [];
    if (to === "*") {
      for (const member of core.members()) if (!member.remote) recipients.push(member);
    } else {
      for (const name of to) {
        const member = core.find(name);
        if (member !== undefined && !member.remote) recipients.push(member);
      }
    }
    if (recipients.length === 0) return;
    this.#options.inner.deliver(recipients, messages);
    this.#options.afterDelivery();
  }

  /** This node's own users and their rooms, for a node that said hello. */
  #localState(): (RemoteInfo & { rooms: string[] })[] {
    const core = this.#core!;
    return [...core.members()].filter((member) => !member.remote)
      .map((member) => ({ ...info(member), rooms: core.roomsOf(member) }));
  }

  /** Every few seconds: the users of nodes whose lease has run out are gone. */
  async #sweep(): Promise<void> {
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

  #add(node: string, info: RemoteInfo): RemoteMember {
    const users = this.#users(node);
    const key = nicknameKey(info.nickname);
    const known = users.get(key);
    if (known !== undefined) return known;
    const member = new RemoteMember(node, info);
    users.set(key, member);
    this.#core!.addRemote(member);
    return member;
  }

  #remove(node: string, member: RemoteMember, reason?: string): void {
    this.#users(node).delete(nicknameKey(member.nickname!));
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
