/**
 * What the chat core takes in and gives out, whatever wire a client speaks: the commands a wire
 * adapter decodes, what the core knows of a client, and the outbound side it delivers through.
 *
 * The core speaks in the message types of `protocol.ts` (the data model of spec part C and its
 * extensions); turning them into bytes is each wire adapter's job.
 *
 * @module
 */

import type {
  AccountAction,
  BroadcastMessage,
  E2eEnvelope,
  KeyBundle,
  OfferRequest,
  OperatorAction,
  PrivateMessage,
  RoomMessage,
  ServerMessage,
  TransferMessage,
} from "../../protocol.ts";

/** Registration; a wire without client IDs (CHAT/1.0) leaves `clientID` out. */
export type RegisterCommand = {
  kind: "register";
  nickname: string;
  clientID?: string;
  extensions?: readonly string[];
};

/** What a client asks of its account, offline messages and history (the accounts feature). */
export type AccountCommand =
  /** The password of the account the server asked about, from device `device` if it has keys. */
  | { kind: "login"; password: string; device?: string }
  | { kind: "account"; action: AccountAction; password?: string }
  /** The last `count` messages to everyone, or to `room`. */
  | { kind: "history"; room?: string; count?: number }
  /** Offline messages up to `id` arrived. */
  | { kind: "ack"; id: number };

/** Publishing one's key bundle (as device `device`, its name), or asking for a user's (the key directory's). */
export type KeysCommand =
  | { kind: "keys"; bundle: KeyBundle; device?: string; nickname?: undefined }
  | { kind: "keys"; nickname: string; ref?: string; bundle?: undefined; device?: undefined };

/**
 * What a client asks of its account's devices, or tells a sender (the key directory's):
 * approving device `device` (`by` the approver's Ed25519 key, `sig` its signature), removing
 * one, and telling `to` that its message of time `t` could not be opened on device `device`.
 */
export type DevicesCommand =
  | { kind: "approve"; device: string; by: string; sig: string }
  | { kind: "revoke"; device: string }
  | { kind: "unread"; to: string; t: string; reason: string; device?: string };

/** What a client asks of a kept room's rules (the rooms feature's, `lib/rooms/`). */
export type RoomsCommand =
  /** Show (no `topic`) or set a room's topic. */
  | { kind: "topic"; room: string; topic?: string }
  | { kind: "invite"; room: string; nickname: string }
  /** A moderator's `action` (of `MODERATE_ACTIONS`) on `nickname`. */
  | {
    kind: "moderate";
    room: string;
    action: string;
    nickname: string;
    minutes?: number;
    reason?: string;
  }
  /** A room's `setting` (of `ROOM_SETTINGS`) changed to `value`, or shown. */
  | { kind: "settings"; room: string; setting: string; value?: string }
  | { kind: "bans"; room: string };

/**
 * What a server operator asks (the operators feature's): `kill` or `serverban` user (or address)
 * `target`, for `seconds` when given, with `reason`; `serverunban` `target`; `wall` `text`.
 */
export type OperatorCommand = {
  kind: "operator";
  action: OperatorAction;
  target?: string;
  seconds?: number;
  reason?: string;
  text?: string;
};

/** What a client asks of a file transfer (the file transfer feature's). */
export type TransferCommand = { kind: "transfer"; request: OfferRequest | TransferMessage };

/** What a client asks of the chat, decoded from any wire. */
export type Command =
  | RegisterCommand
  | AccountCommand
  | KeysCommand
  | DevicesCommand
  | TransferCommand
  | RoomsCommand
  | OperatorCommand
  /** A chat line to everyone; `timestamp` as the client sent it, if it did. */
  | { kind: "say"; text: string; timestamp?: string }
  /** A private message: `text` in the clear, or `e2e` (then `text` is empty). */
  | { kind: "whisper"; to: string; text: string; e2e?: E2eEnvelope; timestamp?: string }
  | { kind: "room"; room: string; text: string; timestamp?: string }
  | { kind: "join"; room: string }
  /** Leaving a room; `reason`, when given, is told to the room (IRC's `PART :reason`). */
  | { kind: "leave"; room: string; reason?: string }
  | { kind: "nick"; nickname: string }
  | { kind: "list" }
  /**
   * Leaving: the connection's edge closes it (with the wire's acknowledgement, if any); `reason`
   * is what the others are told, when the client gave one (IRC's `QUIT :reason`).
   */
  | { kind: "disconnect"; reason?: string }
  /** Input that could not be read: the error to reply with. */
  | { kind: "invalid"; error: string; reason?: ErrorReason };

/** What the chat core itself carries out: every command but leaving and the features'. */
export type ChatCommand = Exclude<
  Command,
  | { kind: "disconnect" }
  | AccountCommand
  | KeysCommand
  | DevicesCommand
  | TransferCommand
  | RoomsCommand
  | OperatorCommand
>;

/**
 * Why a request was refused, for wires whose replies are codes rather than text (CHAT/1.0
 * answers `401` to a taken name and `400 Invalid registration` to the registration problems).
 */
export type ErrorReason =
  /** The nickname is connected already (through any wire). */
  | "taken"
  /** This connection has registered already. */
  | "registered"
  /** A registration that breaks the rules (malformed, or a name that may not be used). */
  | "registration"
  /** A request that needs a registration first. */
  | "unregistered"
  /** The nickname is an account's, and the client has not logged in to it. */
  | "account";

/** What the core knows of a client (a server connection implements it). */
export interface Member {
  /** Set once registered. */
  nickname: string | undefined;
  /** The client ID given at registration; undefined on wires without one. */
  clientID: string | undefined;
  /** The address the client connects from. */
  readonly ip: string;
  /** The port the client connects from. */
  readonly port: number;
  /** The extension message types (of `EXTENSION_TYPES`) the client understands. */
  extensions: ReadonlySet<string>;
  /** The key of the account it has logged in to (or registered); undefined for a guest. */
  account: string | undefined;
  /** Set once its connection is being closed. */
  readonly closing: boolean;
  /** Set for a member connected to another node of a cluster (its node delivers to it). */
  readonly remote?: boolean;
}

/**
 * What the core tells of changes to its own members' state (registered, renamed, left, in or out
 * of a room), when asked: a cluster passes them on to the other nodes. Members of other nodes,
 * changed through the core's `remote` methods, are not told of.
 */
export interface ChatObserver<M extends Member> {
  /** `member` registered (and was welcomed). */
  registered(member: M): void;
  /** `member`, formerly `old`, took the nickname it now has. */
  renamed(member: M, old: string): void;
  /**
   * `member` left for `reason`, out of `rooms`; `notified`: the others were told (not when the
   * server stops).
   */
  left(member: M, reason: string, notified: boolean, rooms: readonly string[]): void;
  /** `member` joined `room` (its name as the room has it). */
  joinedRoom(member: M, room: string): void;
  /** `member` left `room`. */
  leftRoom(member: M, room: string): void;
}

/** Where the core's deliveries go: the transports, each message encoded once per wire. */
export interface Outbound<M extends Member> {
  /**
   * Queues `messages`, in order, for each of `recipients`; never waits. Returns those that took
   * them (a recipient whose outbox is full is dropped later, after the loop that found it).
   */
  deliver(recipients: Iterable<M>, messages: readonly ServerMessage[]): M[];
  /**
   * Queues bulk data (a file's chunk) for `member`, behind everything else in its outbox and
   * outside its sendq: the sender's window bounds it. `frame`, when given, is the message as a
   * JSON client framed it, passed on as it is rather than encoded again. False when the member
   * cannot take it.
   */
  bulk(member: M, message: ServerMessage, frame?: Uint8Array): boolean;
  /** Queues an error reply for `member`. */
  refuse(member: M, message: string, reason?: ErrorReason): void;
  /** The frame limit, in bytes, that `message` would pass on some wire; undefined if none. */
  tooLong(message: ServerMessage): number | undefined;
}

/**
 * What the core asks of the accounts feature, when there is one: whether a nickname needs a
 * login, and what to keep (private messages for those away, and history).
 */
export interface AccountHooks<M extends Member> {
  /** Whether `nickname` is an account's: only a client logged in to it may take it. */
  isAccount(nickname: string): boolean;
  /** `member` asked for an account's nickname and can log in: ask for the password. */
  askLogin(member: M, command: RegisterCommand): void;
  /** `member` has registered (and been welcomed): deliver what waited for it. */
  registered(member: M): void;
  /** Keeps `message` for `to`, an account that is not connected, telling `sender` how it went. */
  keep(sender: M, to: string, message: PrivateMessage): void;
  /** A message to everyone or to a room went out: remember it. */
  relayed(message: BroadcastMessage | RoomMessage): void;
  /** `member` leaves its account: it left the chat, or took a nickname that is not the account's. */
  loggedOut(member: M): void;
}

/**
 * What the core asks of the rooms feature, when there is one (`lib/rooms/`): who may join, speak
 * in and see a room, and what it keeps of them. `user` is always a roster entry.
 */
export interface RoomHooks<M extends Member> {
  /** Why `user` may not join `room` (a valid name), or undefined when it may. */
  joinProblem(user: M, room: string): string | undefined;
  /** Why `user` may not speak in `room` (it is in it), or undefined when it may. */
  speakProblem(user: M, room: string): string | undefined;
  /** Whether `user` may see `room` listed. */
  visible(user: M, room: string): boolean;
  /**
   * `user` is in `room` now by joining it (its name as the room has it; `made`: the room was just
   * made), before anyone is told: what the feature keeps of it is so when the join is shown.
   */
  entered(user: M, room: string, made: boolean): void;
  /** `user` joined `room`, and was told so: it is told of the room what the feature says. */
  joined(user: M, room: string, made: boolean): void;
  /** `user` left `room` by asking to (not by disconnecting). */
  left(user: M, room: string): void;
  /**
   * `user` (of this node or another) is out of `room`, however it went: it left, was put out, or
   * is gone from the chat (after `left`, when it asked to).
   */
  departed(user: M, room: string): void;
  /** `user` (of this node or another) went by `old` until now. */
  renamed(user: M, old: string): void;
  /** `user` is registered (and welcomed): put it back in its kept rooms. */
  registered(user: M): void;
  /**
   * `connection`, another connection of a user already here, was welcomed and told the rooms its
   * user is in: it is told of them what the first connection was told on joining.
   */
  attached(connection: M): void;
  /** The rooms kept while nobody is in them, by name, with their topics. */
  kept(): { room: string; topic?: string }[];
  /** The topic of `room`, if it has one. */
  topic(room: string): string | undefined;
}
