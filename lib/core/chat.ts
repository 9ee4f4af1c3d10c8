/**
 * The chat core: who is registered, the nickname rules, rooms, and who receives what. Commands
 * come in from any wire; deliveries go out through an `Outbound`, and console lines (those of
 * spec part A, and one per other event) through `log`. No I/O and no wire: it is tested
 * without sockets.
 *
 * @module
 */

import { EXTENSION_TYPES, type PrivateMessage, type ServerMessage } from "../../protocol.ts";
import { nicknameKey, nicknameProblem, parseTimestamp, roomProblem } from "../protocol/values.ts";
import { escapeControls, formatDateTime } from "../common/text.ts";
import { utf8ByteLength } from "../common/utf8.ts";
import { Rooms } from "./rooms.ts";
import type {
  AccountHooks,
  ChatCommand,
  ChatObserver,
  ErrorReason,
  Member,
  Outbound,
  RegisterCommand,
} from "./types.ts";

/** Most characters of one sender's consecutive broadcasts gathered before they go out together. */
export const BATCH_CHARS = 64 * 1024;

/** What the console shows for a client that has no client ID (CHAT/1.0 has none). */
export const NO_CLIENT_ID = "-";

/** How the core is set up. */
export interface ChatCoreOptions<M extends Member> {
  out: Outbound<M>;
  /** Where console lines go. */
  log: (line: string) => void;
  /** The wall clock, for the times printed and sent. */
  now?: () => Date;
  /** The accounts feature; without it there are no accounts, offline messages or history. */
  accounts?: AccountHooks<M>;
  /** Told of every change to a member's state (a cluster's bus). */
  observer?: ChatObserver<M>;
}

/** The refusal of an account's nickname to a client that has not logged in to it. */
export function accountRefusal(nickname: string): string {
  return `Nickname ${JSON.stringify(nickname)} is registered: log in with its password`;
}

/** One sender's consecutive broadcasts, delivered together (see `say`). */
interface Batch<M> {
  sender: M;
  messages: ServerMessage[];
  chars: number;
  /** The `Received:` line of each message, printed with the `Broadcasted:` line when sent. */
  received: string[];
}

/** A refusal: what the client is told, and why in a word. */
type Refusal = { message: string; reason?: ErrorReason };

/** The chat's state and rules. */
export class ChatCore<M extends Member> {
  readonly #out: Outbound<M>;
  readonly #log: (line: string) => void;
  readonly #now: () => Date;
  readonly #accounts: AccountHooks<M> | undefined;
  readonly #observer: ChatObserver<M> | undefined;
  /** Registered clients, in the order they registered. */
  readonly #members = new Set<M>();
  /** Registered clients by nickname key. */
  readonly #byNickname = new Map<string, M>();
  readonly #rooms = new Rooms<M>();
  /** Broadcasts taken but not yet delivered: they go out at `flush`. */
  #batch: Batch<M> | undefined;

  /** Creates an empty chat. */
  constructor(options: ChatCoreOptions<M>) {
    this.#out = options.out;
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
    this.#accounts = options.accounts;
    this.#observer = options.observer;
  }

  /** How many clients are registered. */
  get size(): number {
    return this.#members.size;
  }

  /** The registered client that goes by `nickname` (in any case), if any. */
  find(nickname: string): M | undefined {
    return this.#byNickname.get(nicknameKey(nickname));
  }

  /** The registered clients (of every node, in a cluster), in the order they registered. */
  members(): Iterable<M> {
    return this.#members.values();
  }

  /** The members of `room` (none when there is no such room). */
  membersOf(room: string): Iterable<M> {
    return this.#rooms.get(room)?.members ?? [];
  }

  /** The names of the rooms `member` is in. */
  roomsOf(member: M): string[] {
    return this.#rooms.roomsOf(member).map((room) => room.name);
  }

  /** The name of `room` when `member` is in it; undefined when not. */
  roomOf(member: M, room: string): string | undefined {
    const found = this.#rooms.get(room);
    return found !== undefined && found.members.has(member) ? found.name : undefined;
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
    switch (command.kind) {
      case "say":
        this.#say(member, command.text, command.timestamp);
        break;
      case "whisper":
        this.#whisper(member, command);
        break;
      case "room":
        this.#roomChat(member, command.room, command.text, command.timestamp);
        break;
      case "join":
        this.#join(member, command.room);
        break;
      case "leave":
        this.#leaveRoom(member, command.room);
        break;
      case "nick":
        this.#rename(member, command.nickname);
        break;
      case "list":
        this.#list(member);
        break;
    }
  }

  /**
   * Removes `member` from the chat (once registered; otherwise nothing): out of its rooms, its
   * departure logged, and, when `notify`, the others told who left and why (`reason`).
   */
  leave(member: M, reason: string, notify = true): void {
    // What was relayed before this departure reaches everyone, the leaver included.
    this.flush();
    if (member.nickname === undefined || !this.#members.delete(member)) return;
    this.#byNickname.delete(nicknameKey(member.nickname));
    const rooms = this.#rooms.leaveAll(member).map((room) => room.name);
    this.#observer?.left(member, reason, notify, rooms);
    if (member.account !== undefined) this.#accounts?.loggedOut(member);
    const now = this.#now();
    this.#log(`${formatDateTime(now)} :: ${member.nickname}: disconnected.`);
    if (notify) {
      this.#notify(this.#members, member, {
        type: "left",
        nickname: member.nickname,
        reason,
        timestamp: now.toISOString(),
      });
    }
  }

  /**
   * Adds `member`, registered on another node of a cluster: logged, but not welcomed, and
   * announced to this node's members only when `announce` (its node announced it, unless the
   * nodes could not reach each other then). Nothing if the nickname is known already.
   */
  addRemote(member: M, announce = false): void {
    const key = nicknameKey(member.nickname!);
    if (this.#byNickname.has(key)) return;
    this.flush();
    this.#members.add(member);
    this.#byNickname.set(key, member);
    const now = this.#now();
    this.#log(`${formatDateTime(now)} :: ${member.nickname}: connected.`);
    if (!announce) return;
    this.#notify(this.#locals(), member, {
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
    if (!this.#members.delete(member)) return;
    this.#byNickname.delete(nicknameKey(member.nickname!));
    this.#rooms.leaveAll(member);
    const now = this.#now();
    this.#log(`${formatDateTime(now)} :: ${member.nickname}: disconnected.`);
    if (reason === undefined) return;
    this.#notify(this.#locals(), member, {
      type: "left",
      nickname: member.nickname!,
      reason,
      timestamp: now.toISOString(),
    });
  }

  /** `member` of another node took `nickname` (its node tells everyone). */
  renameRemote(member: M, nickname: string): void {
    if (!this.#members.has(member)) return;
    this.#byNickname.delete(nicknameKey(member.nickname!));
    this.#byNickname.set(nicknameKey(nickname), member);
    member.nickname = nickname;
  }

  /** `member` of another node joined (`inRoom`) or left `room` (its node tells the others). */
  roomRemote(member: M, room: string, inRoom: boolean): void {
    if (!this.#members.has(member)) return;
    if (inRoom) this.#rooms.join(room, member);
    else this.#rooms.leave(room, member);
  }

  /** Delivers the gathered broadcasts and prints their `Received:` and `Broadcasted:` lines. */
  flush(): void {
    const batch = this.#batch;
    if (batch === undefined) return;
    this.#batch = undefined;
    const recipients = this.#out.deliver(this.#others(batch.sender), batch.messages);
    const broadcasted = `Broadcasted: ${recipients.map((peer) => peer.nickname).join(", ")}`;
    for (const received of batch.received) {
      this.#log(received);
      this.#log(broadcasted);
    }
  }

  *#others(sender: M): Iterable<M> {
    for (const member of this.#members) if (member !== sender) yield member;
  }

  #register(member: M, command: RegisterCommand): void {
    if (member.nickname !== undefined) {
      this.#refuse(member, {
        message: `Already registered as ${JSON.stringify(member.nickname)}`,
        reason: "registered",
      });
      return;
    }
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
    member.extensions = new Set(
      (command.extensions ?? []).filter((type) =>
        (EXTENSION_TYPES as readonly string[]).includes(type)
      ),
    );
    this.#members.add(member);
    this.#byNickname.set(nicknameKey(member.nickname), member);
    this.#observer?.registered(member);
    const now = this.#now();
    this.#log(`${formatDateTime(now)} :: ${member.nickname}: connected.`);
    this.#send(member, {
      type: "welcome",
      nickname: member.nickname,
      clientID: member.clientID,
      timestamp: now.toISOString(),
    });
    this.#notify(this.#members, member, {
      type: "joined",
      nickname: member.nickname,
      timestamp: now.toISOString(),
    });
    this.#accounts?.registered(member);
  }

  /** Why `nickname` cannot be taken now by `by` (registering or renaming), or undefined. */
  #nicknameProblem(nickname: string, by: M): Refusal | undefined {
    const problem = nicknameProblem(nickname);
    if (problem !== undefined) return { message: problem, reason: "registration" };
    const key = nicknameKey(nickname);
    const holder = this.#byNickname.get(key);
    if (holder !== undefined && holder !== by) {
      return { message: "Nickname already in use", reason: "taken" };
    }
    if (by.account !== key && this.#accounts?.isAccount(nickname)) {
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
    const received = `Received: IP:${sender.ip}, Port:${sender.port}, ` +
      `Client-Nickname:${sender.nickname}, ` +
      `ClientID:${escapeControls(sender.clientID ?? NO_CLIENT_ID)}, ` +
      `Date/Time:${formatDateTime(stamped.date)}, Msg-Size:${utf8ByteLength(text)}`;
    if (this.#batch !== undefined && this.#batch.sender !== sender) this.flush();
    const batch = this.#batch ??= { sender, messages: [], chars: 0, received: [] };
    batch.messages.push(message);
    batch.chars += text.length;
    batch.received.push(received);
    if (batch.chars >= BATCH_CHARS) this.flush();
  }

  #whisper(sender: M, command: Extract<ChatCommand, { kind: "whisper" }>): void {
    const { to, text, e2e, timestamp } = command;
    const recipient = this.#byNickname.get(nicknameKey(to));
    // To an account that is away, the message is kept for it (by the accounts feature).
    const away = recipient === undefined && this.#accounts?.isAccount(to) === true;
    if (recipient === undefined && !away) {
      this.#refuse(sender, { message: `No such user ${JSON.stringify(to)}` });
      return;
    }
    if (recipient === sender) {
      this.#refuse(sender, { message: "Cannot send a private message to yourself" });
      return;
    }
    if (recipient !== undefined && !recipient.extensions.has("private")) {
      this.#refuse(sender, {
        message: `User ${JSON.stringify(recipient.nickname)} cannot receive private messages: ` +
          "their client does not support them",
      });
      return;
    }
    const stamped = this.#stamp(timestamp);
    const message: PrivateMessage = e2e === undefined
      ? { type: "private", nickname: sender.nickname!, message: text, timestamp: stamped.timestamp }
      : { type: "private", nickname: sender.nickname!, e2e, timestamp: stamped.timestamp };
    if (!this.#fits(sender, message)) return;
    // An encrypted message's size is its ciphertext's (base64): the server sees nothing else.
    const size = e2e === undefined ? `${utf8ByteLength(text)}` : `${e2e.ct.length}, end-to-end`;
    this.#log(
      `${formatDateTime(stamped.date)} :: ${sender.nickname}: private message to ` +
        `${recipient?.nickname ?? `${to} (away, kept)`}, Msg-Size:${size}`,
    );
    if (recipient === undefined) this.#accounts!.keep(sender, to, message);
    else this.#send(recipient, message);
  }

  #roomChat(sender: M, name: string, text: string, timestamp: string | undefined): void {
    const room = this.#rooms.get(name);
    if (room === undefined || !room.members.has(sender)) {
      this.#refuse(sender, {
        message: room === undefined
          ? `No such room ${JSON.stringify(name)}`
          : `Not in room ${JSON.stringify(room.name)}: join it first`,
      });
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
    if (!this.#fits(sender, message)) return;
    this.#accounts?.relayed(message);
    const others = [...room.members].filter((member) => member !== sender);
    const recipients = this.#out.deliver(others, [message]);
    this.#log(
      `${formatDateTime(stamped.date)} :: ${sender.nickname}: message to ${room.name}, ` +
        `Msg-Size:${utf8ByteLength(text)}, delivered to: ` +
        recipients.map((member) => member.nickname).join(", "),
    );
  }

  #join(member: M, name: string): void {
    const problem = roomProblem(name);
    if (problem !== undefined) {
      this.#refuse(member, { message: problem });
      return;
    }
    const { room, already } = this.#rooms.join(name, member);
    // Asking to join is understanding rooms, whatever the client announced.
    if (!member.extensions.has("room")) member.extensions = new Set([...member.extensions, "room"]);
    const timestamp = this.#now().toISOString();
    this.#send(member, {
      type: "joined",
      nickname: member.nickname!,
      room: room.name,
      members: [...room.members].map((each) => each.nickname!),
      timestamp,
    });
    if (already) return;
    this.#observer?.joinedRoom(member, room.name);
    this.#log(`${formatDateTime(this.#now())} :: ${member.nickname}: joined ${room.name}.`);
    this.#notify(room.members, member, {
      type: "joined",
      nickname: member.nickname!,
      room: room.name,
      timestamp,
    });
  }

  #leaveRoom(member: M, name: string): void {
    const room = this.#rooms.leave(name, member);
    if (room === undefined) {
      this.#refuse(member, { message: `Not in room ${JSON.stringify(name)}` });
      return;
    }
    this.#observer?.leftRoom(member, room.name);
    const notice: ServerMessage = {
      type: "left",
      nickname: member.nickname!,
      room: room.name,
      timestamp: this.#now().toISOString(),
    };
    this.#send(member, notice);
    this.#notify(room.members, member, notice);
    this.#log(`${formatDateTime(this.#now())} :: ${member.nickname}: left ${room.name}.`);
  }

  #rename(member: M, nickname: string): void {
    const problem = this.#nicknameProblem(nickname, member);
    if (problem !== undefined) {
      this.#refuse(member, { message: problem.message });
      return;
    }
    const old = member.nickname!;
    if (member.account !== undefined && member.account !== nicknameKey(nickname)) {
      this.#accounts?.loggedOut(member);
    }
    this.#byNickname.delete(nicknameKey(old));
    this.#byNickname.set(nicknameKey(nickname), member);
    member.nickname = nickname;
    this.#observer?.renamed(member, old);
    const notice: ServerMessage = {
      type: "nick",
      old,
      nickname,
      timestamp: this.#now().toISOString(),
    };
    this.#send(member, notice);
    this.#notify(this.#members, member, notice);
    this.#log(`${formatDateTime(this.#now())} :: ${old}: changed nickname to ${nickname}.`);
  }

  #list(member: M): void {
    const names = (members: Iterable<M>) => [...members].map((each) => each.nickname!);
    this.#send(member, {
      type: "list",
      users: names(this.#members),
      rooms: this.#rooms.list().map((room) => ({ room: room.name, members: names(room.members) })),
    });
  }

  /** The message's own time when it gives a readable one, else now; and what to relay. */
  #stamp(timestamp: string | undefined): { date: Date; timestamp: string } {
    const sentAt = parseTimestamp(timestamp);
    if (sentAt !== undefined) return { date: sentAt, timestamp: timestamp! };
    const now = this.#now();
    return { date: now, timestamp: now.toISOString() };
  }

  /** Whether every wire can carry `message`; if not, the sender is told. */
  #fits(sender: M, message: ServerMessage): boolean {
    const limit = this.#out.tooLong(message);
    if (limit === undefined) return true;
    this.#refuse(sender, { message: `Message too long: a frame may take ${limit} bytes` });
    return false;
  }

  /** The members connected to this node (not those of other nodes of a cluster). */
  *#locals(): Iterable<M> {
    for (const member of this.#members) if (!member.remote) yield member;
  }

  /** Sends `notice` to those of `members` (other than `about`) that understand its type. */
  #notify(members: Iterable<M>, about: M, notice: ServerMessage): void {
    const recipients: M[] = [];
    for (const member of members) {
      if (member !== about && member.extensions.has(notice.type)) recipients.push(member);
    }
    if (recipients.length > 0) this.#out.deliver(recipients, [notice]);
  }

  #send(member: M, message: ServerMessage): void {
    this.#out.deliver([member], [message]);
  }

  #refuse(member: M, { message, reason }: Refusal): void {
    this.#out.refuse(member, message, reason);
  }
}
