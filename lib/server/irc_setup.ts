/**
 * The IRC listener's setting up: its edge (`lib/irc/`) given what it reads of the chat (the core,
 * the rooms feature's records, the accounts and the operators) and what it does through the
 * server (hand on commands, queue bytes, gather a labelled command's replies, drop a client).
 *
 * @module
 */

import type { Accounts } from "../accounts/accounts.ts";
import type { ChatCore } from "../core/chat.ts";
import type { Command } from "../core/types.ts";
import { IrcEdge } from "../irc/irc_edge.ts";
import type { Operators } from "../operators/operators.ts";
import type { RoomRules } from "../rooms/room_rules.ts";
import type { RemoteMember } from "../cluster/remote_member.ts";
import type { Peer } from "./peer.ts";

/** Who the core knows: this node's connections, and in a cluster the users of other nodes. */
export type ChatMember = Peer | RemoteMember;

/** The channel of the everyone-chat on IRC. */
export const EVERYONE_CHANNEL = "&chat";

/** The IRC listener's settings. */
export interface IrcSettings {
  /** Its listeners (plain, and TLS with the TLS flags). */
  listeners: Deno.Listener[];
  /** The server's name on IRC. */
  serverName: string;
  /** Time a client may be silent before it is sent a `PING` (ms). */
  pingMs?: number;
  /** Time it has to answer (ms). */
  pingTimeoutMs?: number;
}

/** What the IRC listener reads and does through the server. */
export interface IrcParts {
  /** The chat core. */
  core: ChatCore<ChatMember>;
  /** The rooms feature. */
  rooms: RoomRules<ChatMember>;
  /** The accounts feature, when the server keeps accounts. */
  accounts: Accounts<ChatMember> | undefined;
  /** The server operators. */
  operators: Operators<ChatMember>;
  /** The clock. */
  now: () => Date;
  /** Hands a command of an IRC connection on, as a decoded frame is. */
  dispatch(peer: Peer, command: Command): void;
  /** Queues bytes for a connection, within its sendq. */
  enqueue(peer: Peer, bytes: Uint8Array): boolean;
  /** Closes a connection after its last word. */
  drop(peer: Peer, reason: string, lastWord: Uint8Array): void;
}

/** The IRC listener's edge for `settings`, on the server's `parts`. */
export function ircEdge(settings: IrcSettings, parts: IrcParts): IrcEdge<ChatMember> {
  const { core, rooms, accounts, operators } = parts;
  return new IrcEdge<ChatMember>({
    chat: {
      serverName: settings.serverName,
      everyone: EVERYONE_CHANNEL,
      startedAt: parts.now(),
      find: (nickname) => core.find(nickname),
      members: () => core.members(),
      get size() {
        return core.size;
      },
      membersOf: (room) => core.membersOf(room),
      roomsOf: (member) => core.roomsOf(member),
      roomOf: (member, room) => core.roomOf(member, room),
      record: (room) => rooms.record(room),
      identity: (member) => rooms.identity(core.userOf(member)),
      now: () => parts.now().getTime(),
      keptRooms: () => rooms.kept().map((kept) => kept.room),
      visible: (member, room) => rooms.visible(core.userOf(member), room),
      isOperator: (member) => operators.operates(member),
    },
    dispatch: (member, command) => parts.dispatch(member as Peer, command),
    send: (member, bytes) => parts.enqueue(member as Peer, bytes),
    gather: (member, on) => {
      const peer = member as Peer;
      const gathered = peer.gathered;
      peer.gathered = on ? [] : undefined;
      return gathered;
    },
    flush: () => core.flush(),
    drop: (member, reason, lastWord) => parts.drop(member as Peer, reason, lastWord),
    checkPassword: accounts &&
      ((member, nickname, password) => accounts.checkPassword(member, nickname, password)),
    isAccount: (nickname) => accounts?.isAccount(nickname) ?? false,
    oper: (member, account, password) => operators.oper(member, account, password),
    pingMs: settings.pingMs,
    pingTimeoutMs: settings.pingTimeoutMs,
  });
}
