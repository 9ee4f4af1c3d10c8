/**
 * The chat core: the rules of registering, nicknames, rooms, and who receives what. Commands
 * come in from any wire; deliveries go out through an `Outbound`, and console events (those of
 * spec part A, and one per other event, made by `console_lines.ts`) through `log`. No I/O and no
 * wire: it is tested without sockets.
 *
 * The state it rules over is `roster.ts`'s (who is registered) and `rooms.ts`'s, one entry per
 * user; an account connected from several clients at once has its other connections in
 * `connections.ts`, and every delivery to users goes through `#deliver`, which expands them to
 * their connections. A command's reply goes to the asking connection; what happens to the user
 * (rooms joined or left) goes to all of its connections. What stays here is one short method per
 * command, and it stays whole so that every rule of the chat reads in one place; the rules of
 * kept rooms (owners, private rooms, bans) are the rooms feature's (`lib/rooms/`), asked through
 * `RoomHooks`, and the methods it acts through (`putIn`, `putOut`, `tellRoom`) are here.
 *
 * @module
 */

import {
  EXTENSION_TYPES,
  type PrivateMessage,
  type RoomInfo,
  type ServerMessage,
} from "../../protocol.ts";
import {
  nicknameKey,
  nicknameProblem,
  parseTimestamp,
  roomKey,
  roomProblem,
} from "../protocol/values.ts";
import { utf8ByteLength } from "../common/utf8.ts";
import type { Log, LogEvent } from "../common/log_event.ts";
import {
  BROADCASTED,
  CONNECTED,
  DISCONNECTED,
  JOINED,
  LEFT,
  PRIVATE_MESSAGE,
  PUT_OUT,
  RECEIVED,
  REJOINED,
  RENAMED,
  ROOM_MESSAGE,
} from "./console_lines.ts";
import { Connections } from "./connections.ts";
import { Rooms } from "./rooms.ts";
import { Roster } from "./roster.ts";
import type {
  AccountHooks,
  ChatCommand,
  ChatObserver,
  ErrorReason,
  Member,
  Outbound,
  RegisterCommand,
  RoomHooks,
} from "./types.ts";

/** Most characters of one sender's consecutive broadcasts gathered before they go out together. */
export const BATCH_CHARS = 64 * 1024;

/** How the core is set up. */
export interface ChatCoreOptions<M extends Member> {
  /** Where deliveries and error replies go. */
  out: Outbound<M>;
  /** Where console events go. */
  log: Log;
  /** The wall clock, for the times printed and sent. */
  now?: () => Date;
  /** The accounts feature; without it there are no accounts, offline messages or history. */
  accounts?: AccountHooks<M>;
  /** Told of every change to a member's state (a cluster's bus). */
  observer?: ChatObserver<M>;
  /** Most connections of one account at once (1, the default: one per nickname, as guests). */
  connectionsPerAccount?: number;
  /** This chat's id (kept in the store), sent in every `welcome`. */
  chat?: string;
  /** The rooms feature: who may join, speak and see, and what is kept; without it, all open. */
  rooms?: RoomHooks<M>;
  /** Whether `user` is a server operator (the operators feature says): `/list` shows who is. */
  isOperator?: (user: M) => boolean;
}

/** The refusal of an account's nickname to a client that has not logged in to it. */
export function accountRefusal(nickname: string): string {
  return `Nickname ${JSON.stringify(nickname)} is registered: log in with its password`;
}

/** The members of `members` connected to this node (not those of other nodes of a cluster). */
function localsOf<M extends Member>(members: Iterable<M>): M[] {
  return [...members].filter((member) => !member.remote);
}

/** The extension types of `command` the server knows. */
function extensionsOf(command: RegisterCommand): Set<string> {
  return new Set(
    (command.extensions ?? []).filter((type) =>
      (EXTENSION_TYPES as readonly string[]).includes(type)
    ),
  );
}

/** One sender's consecutive broadcasts, delivered together (see `say`). */
interface Batch<M> {
  sender: M;
  messages: ServerMessage[];
  chars: number;
  /** The `Received:` event of each message, logged with the `Broadcasted:` one when sent. */
  received: LogEvent[];
}

/** A refusal: what the client is told, and why in a word. */
type Refusal = { message: string; reason?: ErrorReason };

/** The chat's state and rules. */
export class ChatCore<M extends Member> {
  readonly #out: Outbound<M>;
  readonly #log: Log;
  readonly #now: () => Date;
  readonly #accounts: AccountHooks<M> | undefined;
  readonly #observer: ChatObserver<M> | undefined;
  readonly #members = new Roster<M>();
  readonly #rooms = new Rooms<M>();
  /** The users connected more than once: their other connections, beside their entry. */
  readonly #connections = new Connections<M>();
  readonly #connectionsPerAccount: number;
  /** Broadcasts taken but not yet delivered: they go out at `flush`. */
  #batch: Batch<M> | undefined;
  readonly #chat: string | undefined;
  /** The rooms feature, set at construction or by `attachRooms`. */
  #roomHooks: RoomHooks<M> | undefined;
  readonly #isOperator: ((user: M) => boolean) | undefined;

  /** Creates an empty chat. */
  constructor(options: ChatCoreOptions<M>) {
    this.#out = options.out;
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
    this.#accounts = options.accounts;
    this.#observer = options.observer;
    this.#connectionsPerAccount = options.connectionsPerAccount ?? 1;
    this.#chat = options.chat;
    this.#isOperator = options.isOperator;
    this.#roomHooks = options.rooms;
  }

  /** Sets the rooms feature (made after the core, since it acts through it). */
  attachRooms(rooms: RoomHooks<M>): void {
    this.#roomHooks = rooms;
  }

  /**
   * Puts `user` in `room` as if it joined, without asking the rooms feature (it is a kept
   * member coming back): its connections and the room are told, as for a join.
   */
  putIn(user: M, room: string): void {
    this.flush();
    const { room: joined, already } = this.#rooms.join(room, user);
    if (already) return;
    const timestamp = this.#now().toISOString();
    const members = [...joined.members].map((each) => each.nickname!);
    const notice: ServerMessage = {
      type: "joined",
      nickname: user.nickname!,
      room: joined.name,
      timestamp,
    };
    this.#deliver([user], [{ ...notice, members }]);
    this.#observer?.joinedRoom(user, joined.name);
    this.#log(REJOINED.at(this.#now(), { nickname: user.nickname!, room: joined.name }));
    this.#notify(joined.members, user, notice);
  }

  /** Takes `user` out of `room` (kicked, banned, or the room closed): all are told it left. */
  putOut(user: M, room: string): boolean {
    this.flush();
    const left = this.#rooms.leave(room, user);
    if (left === undefined) return false;
    if (!user.remote) this.#observer?.leftRoom(user, left.name);
    this.#roomHooks?.departed(user, left.name);
    const notice: ServerMessage = {
      type: "left",
      nickname: user.nickname!,
      room: left.name,
      timestamp: this.#now().toISOString(),
    };
    this.#deliver([user], [notice]);
    this.#notify(left.members, user, notice);
    this.#log(PUT_OUT.at(this.#now(), { nickname: user.nickname!, room: left.name }));
    return true;
  }

  /**
   * Sends `message` to every connection of `users` and of the members of `room` that understands
   * its type (each once).
   */
  tellRoom(room: string | undefined, message: ServerMessage, users: Iterable<M> = []): void {
    this.flush();
    const all = new Set<M>(users);
    if (room !== undefined) { for (const member of this.membersOf(room)) all.add(member); }
    const recipients = [...this.#connections.expand(all)].filter((each) =>
      each.extensions.has(message.type)
    );
    if (recipients.length > 0) this.#out.deliver(recipients, [message]);
  }

  /** How many clients are registered. */
  get size(): number {
    return this.#members.size;
  }

  /** How many rooms there are (with someone in them). */
  get roomCount(): number {
    return this.#rooms.size;
  }

  /** The registered client that goes by `nickname` (in any case), if any. */
  find(nickname: string): M | undefined {
    return this.#members.find(nickname);
  }

  /** The user `connection` is a connection of, as the roster has it (itself when its only one). */
  userOf(connection: M): M {
    return this.#connections.entry(connection);
  }

  /** Every connection of `user` (a roster entry), the entry first. */
  connectionsOf(user: M): M[] {
    return this.#connections.all(user);
  }

  /** The registered clients (of every node, in a cluster), in the order they registered. */
  members(): Iterable<M> {
    return this.#members.members();
  }

  /** The members of `room` (none when there is no such room). */
  membersOf(room: string): Iterable<M> {
    return this.#rooms.get(room)?.members ?? [];
  }

  /** The names of the rooms `member` (any connection of its user) is in. */
  roomsOf(member: M): string[] {
    return this.#rooms.roomsOf(this.#connections.entry(member)).map((room) => room.name);
  }

  /** The name of `room` when `member` (any connection of its user) is in it; undefined when not. */
  roomOf(member: M, room: string): string | undefined {
    const found = this.#rooms.get(room);
    const user = this.#connections.entry(member);
    return found !== undefined && found.members.has(user) ? found.name : undefined;
  }

  /**
   * Carries out what `member` asks (a `disconnect` is the edge's to carry out, with `leave`;
   * account commands are the accounts feature's).
   */
  handle(member: M, command: ChatCommand): void {
    // Only consecutive broadcasts wait in a batch; anything else goes out after them.
    if (command.kind !== "say") this.flush();
    if (command.kind === "invalid") {
      this.#out.refuse(member, command.error, command.reason);
      return;
    }
    if (command.kind === "register") {
      this.#register(member, command);
      return;
    }
    if (member.nickname === undefined) {
      this.#out.refuse(member, 'Not registered: send a "nickname" message first', "unregistered");
      return;
    }
    const user = this.#connections.entry(member);
    switch (command.kind) {
      case "say":
        this.#say(member, command.text, command.timestamp);
        break;
      case "whisper":
        this.#whisper(user, member, command);
        break;
      case "room":
        this.#roomChat(user, member, command.room, command.text, command.timestamp);
        break;
      case "join":
        this.#join(user, member, command.room);
        break;
      case "leave":
        this.#leaveRoom(user, member, command.room, command.reason);
        break;
      case "nick":
        this.#rename(user, member, command.nickname);
        break;
      case "list":
        this.#list(member);
        break;
    }
  }

  /**
   * Removes `member` from the chat (once registered; otherwise nothing): out of its rooms, its
   * departure logged, and, when `notify`, the others told who left and why (`reason`). A
   * connection of a user connected more than once leaves alone, and nobody is told; when it was
   * the user's entry, the connection that takes its place is returned.
   */
  leave(member: M, reason: string, notify = true): M | undefined {
    // What was relayed before this departure reaches everyone, the leaver included.
    this.flush();
    if (member.nickname === undefined) return undefined;
    const stays = this.#connections.any ? this.#connections.remove(member) : undefined;
    if (stays !== undefined) return this.#leaveOne(member, stays);
    if (!this.#members.remove(member)) return undefined;
    const rooms = this.#rooms.leaveAll(member).map((room) => room.name);
    this.#observer?.left(member, reason, notify, rooms);
    for (const room of rooms) this.#roomHooks?.departed(member, room);
    if (member.account !== undefined) this.#accounts?.loggedOut(member);
    const now = this.#now();
    this.#log(DISCONNECTED.at(now, { nickname: member.nickname }));
    if (notify) {
      this.#notify(this.#members.members(), member, {
        type: "left",
        nickname: member.nickname,
        reason,
        timestamp: now.toISOString(),
      });
    }
    return undefined;
  }

  /**
   * Adds `member`, registered on another node of a cluster: logged, but not welcomed, and
   * announced to this node's members only when `announce` (its node announced it, unless the
   * nodes could not reach each other then). Nothing if the nickname is known already.
   */
  addRemote(member: M, announce = false): void {
    if (this.#members.find(member.nickname!) !== undefined) return;
    this.flush();
    this.#members.add(member);
    const now = this.#now();
    this.#log(this.#connected(now, member));
    if (!announce) return;
    this.#notify(this.#members.locals(), member, {
      type: "joined",
      nickname: member.nickname!,
      timestamp: now.toISOString(),
    });
  }

  /**
   * Removes `member` of another node. Its node tells everyone when it leaves; when the node itself
   * is gone, `reason` says why, and this node tells its own members.
   */
  removeRemote(member: M, reason?: string): void {
    this.flush();
    if (!this.#members.remove(member)) return;
    for (const room of this.#rooms.leaveAll(member)) this.#roomHooks?.departed(member, room.name);
    const now = this.#now();
    this.#log(DISCONNECTED.at(now, { nickname: member.nickname! }));
    if (reason === undefined) return;
    this.#notify(this.#members.locals(), member, {
      type: "left",
      nickname: member.nickname!,
      reason,
      timestamp: now.toISOString(),
    });
  }

  /** `member` of another node took `nickname` (its node tells everyone). */
  renameRemote(member: M, nickname: string): void {
    if (!this.#members.has(member)) return;
    const old = member.nickname!;
    this.#members.rename(member, nickname);
    this.#roomHooks?.renamed(member, old);
  }

  /**
   * `member` of another node joined (`inRoom`) or left `room`. Its node tells the others of a
   * leave; of a join, each node tells its own members (`announce`), once.
   */
  roomRemote(member: M, room: string, inRoom: boolean, announce = false): void {
    if (!this.#members.has(member)) return;
    if (inRoom) {
      const { room: joined, already } = this.#rooms.join(room, member);
      if (!announce || already) return;
      this.#notify(localsOf(joined.members), member, {
        type: "joined",
        nickname: member.nickname!,
        room: joined.name,
        timestamp: this.#now().toISOString(),
      });
    } else {
      const left = this.#rooms.leave(room, member);
      if (left !== undefined) this.#roomHooks?.departed(member, left.name);
    }
  }

  /** Delivers the gathered broadcasts and prints their `Received:` and `Broadcasted:` lines. */
  flush(): void {
    const batch = this.#batch;
    if (batch === undefined) return;
    this.#batch = undefined;
    const recipients = this.#deliver(this.#members.members(), batch.messages, batch.sender);
    const broadcasted = BROADCASTED.at(batch.received.at(-1)!.time, {
      nickname: batch.sender.nickname!,
      recipients: recipients.map((member) => member.nickname!),
    });
    for (const received of batch.received) {
      this.#log(received);
      this.#log(broadcasted);
    }
  }

  #register(member: M, command: RegisterCommand): void {
    if (member.nickname !== undefined) {
      this.#refuse(member, {
        message: `Already registered as ${JSON.stringify(member.nickname)}`,
        reason: "registered",
      });
      return;
    }
    const holder = this.#members.find(command.nickname);
    if (holder !== undefined && this.#another(holder, member, command)) return;
    const problem = this.#nicknameProblem(command.nickname, member);
    if (problem?.reason === "account" && command.extensions?.includes("login")) {
      this.#accounts!.askLogin(member, command);
      return;
    }
    if (problem !== undefined) {
      this.#refuse(member, problem);
      return;
    }
    member.nickname = command.nickname;
    member.clientID = command.clientID;
    member.extensions = extensionsOf(command);
    this.#members.add(member);
    this.#observer?.registered(member);
    const now = this.#now();
    this.#log(this.#connected(now, member));
    this.#send(member, this.#welcome(member, member.nickname, now));
    // Each other node of a cluster tells its own members, as it hears of the newcomer.
    this.#notify(this.#members.locals(), member, {
      type: "joined",
      nickname: member.nickname,
      timestamp: now.toISOString(),
    });
    this.#accounts?.registered(member);
    this.#roomHooks?.registered(member);
  }

  /**
   * Takes `member` registering as `holder`'s account as another connection of that user, or asks
   * it for the password first, or refuses it with why (connected at another node, or from too
   * many places); false when `holder`'s nickname is no account connected here to join.
   */
  #another(holder: M, member: M, command: RegisterCommand): boolean {
    const login = command.extensions?.includes("login") === true;
    if (holder.remote && login && this.#accounts?.isAccount(holder.nickname!)) {
      this.#refuse(member, {
        message: `${holder.nickname} is connected at another node of this chat: leave there first`,
        reason: "taken",
      });
      return true;
    }
    if (holder.remote || holder.account === undefined || this.#connectionsPerAccount < 2) {
      return false;
    }
    if (member.account === undefined) {
      if (!login || this.#accounts === undefined) return false;
      this.#accounts.askLogin(member, command);
      return true;
    }
    if (member.account !== holder.account) return false;
    const count = this.#connections.count(holder);
    if (count >= this.#connectionsPerAccount) {
      this.#refuse(member, {
        message: `${holder.nickname} is connected from ${count} places already, the most ` +
          "an account may be: leave one of them first",
        reason: "taken",
      });
      return true;
    }
    this.#attach(holder, member, command);
    return true;
  }

  /** Welcomes `connection` as another connection of `user`, in its rooms; nobody else is told. */
  #attach(user: M, connection: M, command: RegisterCommand): void {
    connection.nickname = user.nickname;
    connection.clientID = command.clientID;
    connection.extensions = extensionsOf(command);
    this.#connections.add(user, connection);
    const now = this.#now();
    const count = this.#connections.count(user);
    this.#log(this.#connected(now, connection, count));
    const timestamp = now.toISOString();
    this.#send(connection, this.#welcome(connection, user.nickname!, now));
    // Without its members: the user is in the room already (not a reply to a join).
    const rooms: ServerMessage[] = this.#rooms.roomsOf(user).map((room) => ({
      type: "joined",
      nickname: user.nickname!,
      room: room.name,
      timestamp,
    }));
    if (rooms.length > 0 && connection.extensions.has("joined")) this.#send(connection, ...rooms);
    this.#roomHooks?.attached(connection);
    this.#accounts?.registered(connection);
  }

  /** `connection` of a user connected more than once left; `entry` is the user's now. */
  #leaveOne(connection: M, entry: M): M | undefined {
    const replaced = this.#members.has(connection);
    if (replaced) {
      this.#members.replace(connection, entry);
      this.#rooms.replace(connection, entry);
    }
    if (connection.account !== undefined) this.#accounts?.loggedOut(connection);
    const stay = this.#connections.count(entry);
    this.#log(DISCONNECTED.at(this.#now(), { nickname: entry.nickname!, places: stay }));
    return replaced ? entry : undefined;
  }

  /** The event of `member` connected (of its account's `places`, when more than one). */
  #connected(now: Date, member: M, places?: number): LogEvent {
    return CONNECTED.at(now, {
      nickname: member.nickname!,
      ip: member.remote ? undefined : member.ip,
      port: member.remote ? undefined : member.port,
      places,
    });
  }

  /** The `welcome` of `connection`, as `nickname` (that of its user), to this chat. */
  #welcome(connection: M, nickname: string, now: Date): ServerMessage {
    return {
      type: "welcome",
      nickname,
      clientID: connection.clientID,
      timestamp: now.toISOString(),
      ...(this.#chat === undefined ? {} : { chat: this.#chat }),
    };
  }

  /** Why `nickname` cannot be taken now by `by` (registering or renaming), or undefined. */
  #nicknameProblem(nickname: string, by: M): Refusal | undefined {
    const problem = nicknameProblem(nickname);
    if (problem !== undefined) return { message: problem, reason: "registration" };
    const holder = this.#members.find(nickname);
    if (holder !== undefined && holder !== by) {
      return { message: "Nickname already in use", reason: "taken" };
    }
    if (by.account !== nicknameKey(nickname) && this.#accounts?.isAccount(nickname)) {
      return { message: accountRefusal(nickname), reason: "account" };
    }
    return undefined;
  }

  /**
   * Relays a chat line to everyone else. A sender's consecutive broadcasts (those of one read)
   * are gathered and go out together at `flush`: each wire encodes them once for all its
   * recipients, which then get them in one buffer.
   */
  #say(sender: M, text: string, timestamp: string | undefined): void {
    const stamped = this.#stamp(timestamp);
    const message: ServerMessage = {
      type: "broadcast",
      nickname: sender.nickname!,
      message: text,
      timestamp: stamped.timestamp,
    };
    if (!this.#fits(sender, message)) return;
    this.#accounts?.relayed(message);
    const received = RECEIVED.at(stamped.now, {
      ip: sender.ip,
      port: sender.port,
      nickname: sender.nickname!,
      client_id: sender.clientID,
      size: utf8ByteLength(text),
      sent_at: stamped.date,
    });
    if (this.#batch !== undefined && this.#batch.sender !== sender) this.flush();
    const batch = this.#batch ??= { sender, messages: [], chars: 0, received: [] };
    batch.messages.push(message);
    batch.chars += text.length;
    batch.received.push(received);
    if (batch.chars >= BATCH_CHARS) this.flush();
  }

  #whisper(
    sender: M,
    connection: M,
    command: Extract<ChatCommand, { kind: "whisper" }>,
  ): void {
    const { to, text, e2e, timestamp } = command;
    const recipient = this.#members.find(to);
    // To an account that is away, the message is kept for it (by the accounts feature).
    const away = recipient === undefined && this.#accounts?.isAccount(to) === true;
    if (recipient === undefined && !away) {
      this.#refuse(sender, { message: `No such user ${JSON.stringify(to)}` });
      return;
    }
    if (recipient === sender) {
      this.#refuse(connection, { message: "Cannot send a private message to yourself" });
      return;
    }
    if (recipient !== undefined && !recipient.extensions.has("private")) {
      this.#refuse(connection, {
        message: `User ${JSON.stringify(recipient.nickname)} cannot receive private messages: ` +
          "their client does not support them",
      });
      return;
    }
    const stamped = this.#stamp(timestamp);
    const message: PrivateMessage = e2e === undefined
      ? { type: "private", nickname: sender.nickname!, message: text, timestamp: stamped.timestamp }
      : { type: "private", nickname: sender.nickname!, e2e, timestamp: stamped.timestamp };
    if (!this.#fits(connection, message)) return;
    // An encrypted message's size is its ciphertext's (base64): the server sees nothing else.
    this.#log(PRIVATE_MESSAGE.at(stamped.now, {
      nickname: sender.nickname!,
      to: recipient?.nickname ?? to,
      away: recipient === undefined,
      size: e2e === undefined ? utf8ByteLength(text) : e2e.ct.length,
      e2e: e2e !== undefined,
      sent_at: stamped.date,
    }));
    if (recipient === undefined) this.#accounts!.keep(connection, to, message);
    else this.#deliver([recipient], [message]);
    // The sender's other connections show it as sent.
    if (this.#connections.count(sender) > 1) {
      const copy = { ...message, to: recipient?.nickname ?? to };
      this.#deliver([sender], [copy], connection);
    }
  }

  #roomChat(
    sender: M,
    connection: M,
    name: string,
    text: string,
    timestamp: string | undefined,
  ): void {
    const room = this.#rooms.get(name);
    if (room === undefined || !room.members.has(sender)) {
      this.#refuse(connection, {
        message: room === undefined
          ? `No such room ${JSON.stringify(name)}`
          : `Not in room ${JSON.stringify(room.name)}: join it first`,
      });
      return;
    }
    const muted = this.#roomHooks?.speakProblem(sender, room.name);
    if (muted !== undefined) {
      this.#refuse(connection, { message: muted });
      return;
    }
    const stamped = this.#stamp(timestamp);
    const message: ServerMessage = {
      type: "room",
      room: room.name,
      nickname: sender.nickname!,
      message: text,
      timestamp: stamped.timestamp,
    };
    if (!this.#fits(connection, message)) return;
    this.#accounts?.relayed(message);
    const recipients = this.#deliver(room.members, [message], connection);
    this.#log(ROOM_MESSAGE.at(stamped.now, {
      nickname: connection.nickname!,
      room: room.name,
      size: utf8ByteLength(text),
      recipients: recipients.map((member) => member.nickname!),
      sent_at: stamped.date,
    }));
  }

  #join(member: M, connection: M, name: string): void {
    const problem = roomProblem(name);
    if (problem !== undefined) {
      this.#refuse(connection, { message: problem });
      return;
    }
    const existing = this.#rooms.get(name);
    if (existing === undefined || !existing.members.has(member)) {
      const refusal = this.#roomHooks?.joinProblem(member, existing?.name ?? name);
      if (refusal !== undefined) {
        this.#refuse(connection, { message: refusal });
        return;
      }
    }
    const { room, already } = this.#rooms.join(name, member);
    if (!already) this.#roomHooks?.entered(member, room.name, existing === undefined);
    // Asking to join is understanding rooms, whatever the client announced.
    if (!connection.extensions.has("room")) {
      connection.extensions = new Set([...connection.extensions, "room"]);
    }
    const timestamp = this.#now().toISOString();
    const joined: ServerMessage = {
      type: "joined",
      nickname: member.nickname!,
      room: room.name,
      timestamp,
    };
    this.#send(connection, { ...joined, members: [...room.members].map((each) => each.nickname!) });
    if (already) return;
    // The user's other connections are in the room too (told without the members: no reply).
    this.#deliver([member], [joined], connection);
    this.#observer?.joinedRoom(member, room.name);
    this.#roomHooks?.joined(member, room.name, existing === undefined);
    this.#log(JOINED.at(this.#now(), { nickname: member.nickname!, room: room.name }));
    // Each other node of a cluster tells its own members, as it hears of the join.
    this.#notify(localsOf(room.members), member, {
      type: "joined",
      nickname: member.nickname!,
      room: room.name,
      timestamp,
    });
  }

  #leaveRoom(member: M, connection: M, name: string, reason?: string): void {
    const room = this.#rooms.leave(name, member);
    if (room === undefined) {
      this.#refuse(connection, { message: `Not in room ${JSON.stringify(name)}` });
      return;
    }
    this.#observer?.leftRoom(member, room.name);
    this.#roomHooks?.left(member, room.name);
    this.#roomHooks?.departed(member, room.name);
    const notice: ServerMessage = {
      type: "left",
      nickname: member.nickname!,
      room: room.name,
      ...(reason === undefined ? {} : { reason }),
      timestamp: this.#now().toISOString(),
    };
    this.#deliver([member], [notice]);
    this.#notify(room.members, member, notice);
    this.#log(LEFT.at(this.#now(), { nickname: member.nickname!, room: room.name }));
  }

  #rename(member: M, connection: M, nickname: string): void {
    const count = this.#connections.count(member);
    if (count > 1) {
      this.#refuse(connection, {
        message: `Cannot change the nickname while ${member.nickname} is connected from ` +
          `${count} places: leave the others first`,
      });
      return;
    }
    const problem = this.#nicknameProblem(nickname, member);
    if (problem !== undefined) {
      this.#refuse(member, { message: problem.message });
      return;
    }
    const old = member.nickname!;
    if (member.account !== undefined && member.account !== nicknameKey(nickname)) {
      this.#accounts?.loggedOut(member);
    }
    this.#members.rename(member, nickname);
    this.#observer?.renamed(member, old);
    this.#roomHooks?.renamed(member, old);
    const notice: ServerMessage = {
      type: "nick",
      old,
      nickname,
      timestamp: this.#now().toISOString(),
    };
    this.#send(member, notice);
    this.#notify(this.#members.members(), member, notice);
    this.#log(RENAMED.at(this.#now(), { old, nickname }));
  }

  #list(member: M): void {
    const names = (members: Iterable<M>) => [...members].map((each) => each.nickname!);
    const hooks = this.#roomHooks;
    const user = this.#connections.entry(member);
    const rooms: RoomInfo[] = this.#rooms.list().map((room) => ({
      room: room.name,
      members: names(room.members),
    }));
    // Rooms kept while nobody is in them are listed too, empty.
    for (const kept of hooks?.kept() ?? []) {
      if (this.#rooms.get(kept.room) === undefined) rooms.push({ room: kept.room, members: [] });
    }
    const shown = rooms.filter((room) => hooks === undefined || hooks.visible(user, room.room))
      .map((room) => {
        const topic = hooks?.topic(room.room);
        return topic ? { ...room, topic } : room;
      });
    shown.sort((a, b) => roomKey(a.room) < roomKey(b.room) ? -1 : 1);
    const operators = names([...this.#members.members()].filter((each) => this.#operator(each)));
    this.#send(member, {
      type: "list",
      users: names(this.#members.members()),
      rooms: shown,
      ...(operators.length === 0 ? {} : { operators }),
    });
  }

  /** Whether `user` is a server operator, as the operators feature says. */
  #operator(user: M): boolean {
    return this.#isOperator?.(user) === true;
  }

  /**
   * The message's own time when it gives a readable one, else now; what to relay; and now (the
   * time of its console event).
   */
  #stamp(timestamp: string | undefined): { date: Date; timestamp: string; now: Date } {
    const sentAt = parseTimestamp(timestamp);
    if (sentAt !== undefined) return { date: sentAt, timestamp: timestamp!, now: this.#now() };
    const now = this.#now();
    return { date: now, timestamp: now.toISOString(), now };
  }

  /** Whether every wire can carry `message`; if not, the sender is told. */
  #fits(sender: M, message: ServerMessage): boolean {
    const limit = this.#out.tooLong(message);
    if (limit === undefined) return true;
    this.#refuse(sender, { message: `Message too long: a frame may take ${limit} bytes` });
    return false;
  }

  /**
   * Sends `notice` to the connections of those of `members` (other than `about`) that understand
   * its type.
   */
  #notify(members: Iterable<M>, about: M, notice: ServerMessage): void {
    const recipients: M[] = [];
    for (const member of this.#connections.expand(members)) {
      if (this.#connections.entry(member) !== about && member.extensions.has(notice.type)) {
        recipients.push(member);
      }
    }
    if (recipients.length > 0) this.#out.deliver(recipients, [notice]);
  }

  /**
   * Delivers `messages` to every connection of `users` but `except` (the sending connection),
   * encoded once per wire for them all. Returns the users that took them, the sender's excepted.
   */
  #deliver(users: Iterable<M>, messages: readonly ServerMessage[], except?: M): M[] {
    if (!this.#connections.any) {
      const others = except === undefined ? users : [...users].filter((user) => user !== except);
      return this.#out.deliver(others, messages);
    }
    const accepted = this.#out.deliver(this.#connections.expand(users, except), messages);
    const sender = except === undefined ? undefined : this.#connections.entry(except);
    const took = new Set(accepted.map((connection) => this.#connections.entry(connection)));
    took.delete(sender!);
    return [...took];
  }

  /** Sends `messages` to one connection (a reply). */
  #send(connection: M, ...messages: ServerMessage[]): void {
    this.#out.deliver([connection], messages);
  }

  #refuse(member: M, { message, reason }: Refusal): void {
    this.#out.refuse(member, message, reason);
  }
}
