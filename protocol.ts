/**
 * The wire protocol shared by ChatServer and ChatClient: message types, their schemas
 * (checked by `lib/protocol/json_decode.ts`), decoding and encoding, and the limits (spec part C).
 *
 * Nothing outside this module builds or parses JSON for the wire.
 *
 * It is long because it is one table of the wire's messages, kept whole so that a message type,
 * its fields and its schema are read and changed in one place, for both sides.
 *
 * @module
 */

import {
  BUNDLE_OPTIONAL,
  COUNT,
  COUNT_OPTIONAL,
  type Decoded,
  decodeWith,
  E2E_OPTIONAL,
  type FieldRule,
  FLAG_OPTIONAL,
  TEXT,
  TEXT_OPTIONAL,
} from "./lib/protocol/json_decode.ts";

/** Largest frame (one JSON object) either side accepts, in bytes. */
export const MAX_FRAME_BYTES = 64 * 1024;

// The extension types and the file transfer's chunk and window are kept in a plain module that
// the web page loads as it is; the decoder's result type is the schema checker's.
export { CHUNK_BYTES, EXTENSION_TYPES, WINDOW_CHUNKS } from "./web/common/protocol.js";
export {
  DEVICE_ID_CHARS,
  deviceId,
  deviceNameProblem,
  isDeviceId,
  MAX_DEVICE_NAME_CHARS,
  MAX_DEVICES,
  UNREAD_REASONS,
} from "./web/common/device_ids.js";
export type { Decoded } from "./lib/protocol/json_decode.ts";
import {
  ROOM_CLIENT_FIELDS,
  ROOM_SERVER_FIELDS,
  type RoomClientMessage,
  type RoomServerMessage,
} from "./lib/protocol/room_messages.ts";
export * from "./lib/protocol/room_messages.ts";

// ---------------------------------------------------------------------------
// Messages

/** Registration: the first message a client sends. */
export interface NicknameMessage {
  /** The message type. */
  type: "nickname";
  /** The nickname asked for (1 to 32 characters, no white space, no leading `#`). */
  nickname: string;
  /** The client's own label for itself, shown in the server's console lines. */
  clientID: string;
  /** ISO 8601 time the client sent it; absent when the sender gave none. */
  timestamp?: string;
  /**
   * The extension types (of `EXTENSION_TYPES`) the client understands. A client that announces
   * none is a baseline client: it is sent only the types of spec part C and acknowledgements.
   */
  extensions?: string[];
}

/** A chat line from a client, to everyone. */
export interface ChatMessage {
  /** The message type. */
  type: "message";
  /** The nickname the sender claims; the server ignores it and uses the registered one. */
  nickname?: string;
  /** The text of the chat line. */
  message: string;
  /** ISO 8601 time the client sent it; absent when the sender gave none (the server stamps it). */
  timestamp?: string;
}

/** A client's request to leave. */
export interface DisconnectMessage {
  /** The message type. */
  type: "disconnect";
  /** The sender's nickname, as the spec sends it; the server goes by the connection. */
  nickname?: string;
  /** The sender's client ID, as the spec sends it; the server goes by the connection. */
  clientID?: string;
}

/**
 * A private message to one user: `message` in the clear, or `e2e`, end-to-end encrypted for the
 * recipient (see `E2eEnvelope`), never both.
 */
export interface PrivateRequest {
  /** The message type. */
  type: "private";
  /** The recipient's nickname, in any case. */
  to: string;
  /** The text in the clear; absent when `e2e` carries it. */
  message?: string;
  /** The text encrypted end to end; absent when `message` carries it in the clear. */
  e2e?: E2eEnvelope;
  /** ISO 8601 time the client sent it; absent when the sender gave none (the server stamps it). */
  timestamp?: string;
}

/**
 * A private message, or a file offer's header, encrypted end to end (made and read by
 * `web/common/e2e.js`; the server relays and keeps it as it is): the session key sealed for the
 * recipient (`key`), the session's id and the
 * message's number in it (`sid`, `n`), the time it was written (`t`, bound in with the names), and
 * the AES-GCM nonce and ciphertext (`iv`, `ct`), in base64; and the sender's own key bundle, so
 * that a message read later (kept while its recipient was away) can be checked when the sender is
 * gone, against the key the recipient pinned or, the first time, pinning it.
 */
export interface E2eEnvelope {
  /** The scheme's version, as in the sealed key (1). */
  v: number;
  /** The session's id, in base64. */
  sid: string;
  /** The message's number in its session, from 1; a number seen before is a replay. */
  n: number;
  /** ISO 8601 time the message was written, bound in with the names. */
  t: string;
  /** The AES-GCM nonce, in base64. */
  iv: string;
  /**
   * The ciphertext, in base64: the text of a message, or an offer's real name, size and
   * checksum as JSON. Only the frame limit bounds it.
   */
  ct: string;
  /**
   * The session key sealed for each device that may read the message, by device id (see
   * `web/common/device_ids.js`): the recipient's approved devices and the sender's own other
   * ones. One sealed key per device, one copy of the message.
   */
  keys?: Record<string, SealedKey>;
  /**
   * The session key sealed for the recipient's only key, as clients made it before devices
   * (kept messages may still carry it); absent when `keys` carries the sealed keys.
   */
  key?: SealedKey;
  /** The sender's own key bundle; absent when the sender sent none. */
  bundle?: KeyBundle;
}

/** A session key sealed by the sender for the recipient: see `sealSession` in `web/common/e2e.js`. */
export interface SealedKey {
  /** The scheme's version (1). */
  v: number;
  /** The id of the session whose key this is, in base64. */
  sid: string;
  /** The sender's ephemeral X25519 public key, agreed with the recipient's, in base64. */
  eph: string;
  /** The AES-GCM nonce of the sealing, in base64. */
  iv: string;
  /** The session key, encrypted for the recipient, in base64. */
  key: string;
  /** The sender's Ed25519 signature over the sealed key and both names, in base64. */
  sig: string;
}

/** A chat line to a room the sender is in. */
export interface RoomRequest {
  /** The message type. */
  type: "room";
  /** The room's name (`#` and 1 to 31 more characters), in any case. */
  room: string;
  /** The text of the chat line. */
  message: string;
  /** ISO 8601 time the client sent it; absent when the sender gave none (the server stamps it). */
  timestamp?: string;
}

/** Joining a room (creating it if nobody is in it). */
export interface JoinRequest {
  /** The message type. */
  type: "join";
  /** The room's name (`#` and 1 to 31 more characters), in any case. */
  room: string;
}

/** Leaving a room. */
export interface LeaveRequest {
  /** The message type. */
  type: "leave";
  /** The room's name, in any case. */
  room: string;
}

/** Changing one's nickname. */
export interface NickRequest {
  /** The message type. */
  type: "nick";
  /** The new nickname, under the same rules as at registration. */
  nickname: string;
}

/** Asking who is connected and which rooms there are. */
export interface ListRequest {
  /** The message type. */
  type: "list";
}

/** Logging in: the password of the account the server asked about with its `login` message. */
export interface LoginRequest {
  /** The message type. */
  type: "login";
  /** The account's password, as typed. */
  password: string;
  /**
   * The id of the logging-in device (from its keys), when it has one: messages kept for the
   * account are delivered to each device once, and kept until each device has them.
   */
  device?: string;
}

/** What a client may do with the account of its nickname. */
export type AccountAction = "register" | "password" | "unregister";

/** Every account action, as the wire spells them. */
export const ACCOUNT_ACTIONS: readonly AccountAction[] = ["register", "password", "unregister"];

/**
 * Managing the account of one's nickname: claim it (`register`, with a `password`), change its
 * password (`password`, with the new one) or give it up (`unregister`).
 */
export interface AccountRequest {
  /** The message type. */
  type: "account";
  /** One of `ACCOUNT_ACTIONS`; any other is refused with an error that names them. */
  action: string;
  /** The password (8 to 1024 characters) of `register`, or the new one of `password`. */
  password?: string;
}

/** Asking for the last `count` messages to everyone, or to `room`. */
export interface HistoryRequest {
  /** The message type. */
  type: "history";
  /** The room, which the sender must be in; absent for the messages to everyone. */
  room?: string;
  /** How many messages; absent for the default (20). */
  count?: number;
}

/** What a server operator may do, as the wire spells it. */
export type OperatorAction = "kill" | "serverban" | "serverunban" | "wall";

/** Every operator action, as the wire spells them. */
export const OPERATOR_ACTIONS: readonly OperatorAction[] = [
  "kill",
  "serverban",
  "serverunban",
  "wall",
];

/**
 * A server operator's command (only a client logged in to an account named by `--operator` may):
 * `kill` disconnects user `target`; `serverban` bans user or address `target` (for `seconds`, or
 * until lifted); `serverunban` lifts it; `wall` announces `message` to everyone.
 */
export interface OperatorRequest {
  /** The message type. */
  type: "operator";
  /** One of `OPERATOR_ACTIONS`; any other is refused with an error that names them. */
  action: string;
  /** The user (or, for bans, the address) acted on; absent for `wall`. */
  target?: string;
  /** How long a `serverban` lasts, in seconds; absent: until lifted. */
  seconds?: number;
  /** Why, for `kill` and `serverban`, as the user is told. */
  reason?: string;
  /** The announcement of `wall`. */
  message?: string;
}

/** Acknowledging the offline messages up to `id`: the server may forget them. */
export interface AckRequest {
  /** The message type. */
  type: "ack";
  /** The number of the last kept message that arrived (the `id` of its `private`). */
  id: number;
}

/**
 * A public key bundle for end-to-end private messages (see `web/common/e2e.js`): an X25519 key (`dh`)
 * and an Ed25519 key (`sign`) in base64, and the signature of both by the latter. The server keeps
 * and hands out bundles; it has no use for them itself.
 */
export interface KeyBundle {
  /** The scheme's version (1). */
  v: number;
  /** The X25519 public key, for key agreement: base64 of 32 bytes. */
  dh: string;
  /** The Ed25519 public key, which signs the bundle: base64 of 32 bytes. */
  sign: string;
  /** The Ed25519 signature of both keys, in base64. */
  sig: string;
}

/** Most characters in a field of a key bundle (its base64 keys take 44, its signature 88). */
export { MAX_KEY_FIELD_CHARS } from "./lib/protocol/json_decode.ts";

/**
 * Publishing one's own key bundle (`bundle`), or asking for the bundle of `nickname`: the answer
 * is a `keys` message from the server either way.
 */
export interface KeysRequest {
  /** The message type. */
  type: "keys";
  /** One's own bundle, to publish; absent when asking for someone else's. */
  bundle?: KeyBundle;
  /** Whose bundle to send; absent when publishing one's own. */
  nickname?: string;
  /** When publishing: this device's name for people (`terminal on <host>`, `web page`). */
  device?: string;
  /** When asking: the client's name for the request, given back in the answer (or the error). */
  ref?: string;
}

/**
 * Approving device `device` of one's account, from a device of it that is approved already:
 * `sig` is the approver's Ed25519 signature (see `signApproval` in `web/common/approvals.js`)
 * and `by` its Ed25519 public key, in base64.
 */
export interface ApproveRequest {
  /** The message type. */
  type: "approve";
  /** The id of the device approved. */
  device: string;
  /** The approving device's Ed25519 public key, in base64. */
  by: string;
  /** The approving device's signature over the approved device's keys, name and account. */
  sig: string;
}

/** Removing device `device` from one's account: nothing is sealed to it any more. */
export interface RevokeRequest {
  /** The message type. */
  type: "revoke";
  /** The id of the device removed. */
  device: string;
}

/**
 * Telling `to` that an end-to-end message of theirs, written at `t`, could not be opened on this
 * device, and why (`reason`, words for people).
 */
export interface UnreadRequest {
  /** The message type. */
  type: "unread";
  /** Who sent the message. */
  to: string;
  /** The message's own time (its envelope's `t`). */
  t: string;
  /** Why it could not be opened, in words for people. */
  reason: string;
  /** The name of the device that could not open it. */
  device?: string;
}

/** Offering a file to a connected user; `id` is the sender's own name for the transfer. */
export interface OfferRequest {
  /** The message type. */
  type: "offer";
  /** The sender's name for the transfer: 1 to 64 of `A-Z a-z 0-9 - _`, not in use. */
  id: string;
  /** The recipient's nickname, in any case. */
  to: string;
  /** The file's name (`encrypted-file` when `e2e` carries the real one). */
  name: string;
  /** The file's size in bytes, as it crosses the server. */
  size: number;
  /** The SHA-256 of the whole file, in hex. */
  sha256: string;
  /** End to end: the real name, size and checksum, sealed for the recipient (see `E2eEnvelope`). */
  e2e?: E2eEnvelope;
}

/**
 * The messages of a transfer that both sides send and receive as they are: the recipient's
 * answer (`accept`, `reject`), a `chunk` of data (base64) and its acknowledgement (`received`),
 * the recipient's word that the file checks out (`complete`), and `cancel` from either side.
 */
export type TransferMessage =
  | { type: "accept"; id: string }
  | { type: "reject"; id: string }
  | { type: "cancel"; id: string; reason?: string }
  | { type: "chunk"; id: string; seq: number; data: string }
  | { type: "received"; id: string; seq: number }
  | { type: "complete"; id: string };

/** The types of the transfer messages and of offers: all that belongs to file transfer. */
const FILE_TYPES: ReadonlySet<string> = new Set([
  "offer",
  "accept",
  "reject",
  "cancel",
  "chunk",
  "received",
  "complete",
]);

/** Whether `message` belongs to a file transfer (an offer, or a `TransferMessage`). */
export function isFileMessage<M extends { type: string }>(
  message: M,
): message is Extract<M, OfferRequest | OfferNotice | TransferMessage> {
  return FILE_TYPES.has(message.type);
}

/** Everything a client may send. */
export type ClientMessage =
  | NicknameMessage
  | ChatMessage
  | DisconnectMessage
  | PrivateRequest
  | RoomRequest
  | JoinRequest
  | LeaveRequest
  | NickRequest
  | ListRequest
  | LoginRequest
  | AccountRequest
  | HistoryRequest
  | AckRequest
  | OperatorRequest
  | KeysRequest
  | ApproveRequest
  | RevokeRequest
  | UnreadRequest
  | OfferRequest
  | RoomClientMessage
  | TransferMessage;

/** A chat line relayed by the server to everyone but its sender. */
export interface BroadcastMessage {
  /** The message type. */
  type: "broadcast";
  /** The sender, as registered. */
  nickname: string;
  /** The text of the chat line. */
  message: string;
  /**
   * ISO 8601 time the sender gave, or the server's time of receipt when it gave none. Always sent
   * by this server; other servers may leave it out.
   */
  timestamp?: string;
  /** Set on a message said before the recipient asked (history), not as it happened. */
  history?: boolean;
}

/** The server's reply to anything it refuses. */
export interface ErrorMessage {
  /** The message type. */
  type: "error";
  /** What was wrong, in words meant for the user. */
  message: string;
  /** The `ref` of the request refused, when it gave one (a key lookup). */
  ref?: string;
}

/** The server's acknowledgement of a registration. */
export interface WelcomeMessage {
  /** The message type. */
  type: "welcome";
  /** The nickname registered; other servers may leave it out. */
  nickname?: string;
  /** The client ID of the registration; other servers may leave it out. */
  clientID?: string;
  /** ISO 8601 time of the registration, by the server's clock; other servers may leave it out. */
  timestamp?: string;
  /**
   * This chat's id: random, made once and kept in the server's store (shared by a cluster's
   * nodes), so that a client knows the same chat at any address, port or node.
   */
  chat?: string;
}

/** The server's acknowledgement of a disconnect request; the connection closes after it. */
export interface GoodbyeMessage {
  /** The message type. */
  type: "goodbye";
  /** ISO 8601 time, by the server's clock; other servers may leave it out. */
  timestamp?: string;
}

/** The server's notice that it is shutting down; the connection closes after it. */
export interface ShutdownMessage {
  /** The message type. */
  type: "shutdown";
  /** Words for the user; other servers may leave it out. */
  message?: string;
  /** ISO 8601 time, by the server's clock; other servers may leave it out. */
  timestamp?: string;
}

/**
 * A private message, delivered to its one recipient; `nickname` is the sender. It carries
 * `message` in the clear, or `e2e`, encrypted end to end.
 */
export interface PrivateMessage {
  /** The message type. */
  type: "private";
  /** The sender, as registered. */
  nickname: string;
  /** The text in the clear; absent when `e2e` carries it. */
  message?: string;
  /** The text encrypted end to end, as the sender sent it; absent when `message` carries it. */
  e2e?: E2eEnvelope;
  /** ISO 8601 time the sender gave, or the server's time of receipt when it gave none. */
  timestamp?: string;
  /** Set on a message kept while the recipient was away; acknowledge it with `ack`. */
  offline?: boolean;
  /** The kept message's number, for `ack`. */
  id?: number;
  /**
   * Set on the copy of a private message the user sent from another of its connections: the
   * recipient, as registered (`nickname` is then the user itself).
   */
  to?: string;
}

/** A room's chat line, delivered to its other members; `nickname` is the sender. */
export interface RoomMessage {
  /** The message type. */
  type: "room";
  /** The room's name, as its first member spelt it. */
  room: string;
  /** The sender, as registered. */
  nickname: string;
  /** The text of the chat line. */
  message: string;
  /** ISO 8601 time the sender gave, or the server's time of receipt when it gave none. */
  timestamp?: string;
  /** Set on a message said before the recipient asked (history). */
  history?: boolean;
}

/**
 * Someone joined: the chat (no `room`), or a room. The one who joined a room gets it too, with
 * the room's `members`, as the confirmation.
 */
export interface JoinedNotice {
  /** The message type. */
  type: "joined";
  /** Who joined. */
  nickname: string;
  /** The room joined; absent when someone joined the chat. */
  room?: string;
  /** The room's members, the joiner included; only in the joiner's own confirmation. */
  members?: string[];
  /** ISO 8601 time, by the server's clock. */
  timestamp?: string;
}

/** Someone left: the chat (no `room`, with the `reason`), or a room (the leaver gets it too). */
export interface LeftNotice {
  /** The message type. */
  type: "left";
  /** Who left. */
  nickname: string;
  /** The room left; absent when someone left the chat. */
  room?: string;
  /** Why they left the chat (`disconnected`, `connection lost`, `removed (...)`); absent for a room. */
  reason?: string;
  /** ISO 8601 time, by the server's clock. */
  timestamp?: string;
}

/** Someone changed nickname (the one who did gets it too, as the confirmation). */
export interface NickNotice {
  /** The message type. */
  type: "nick";
  /** The nickname before. */
  old: string;
  /** The nickname now. */
  nickname: string;
  /** ISO 8601 time, by the server's clock. */
  timestamp?: string;
}

/** One room in a `list` reply. */
export interface RoomInfo {
  /** The room's name, as its first member spelt it. */
  room: string;
  /** Who is in it. */
  members: string[];
  /** Its topic, when it has one (issue 23). */
  topic?: string;
}

/** The reply to a `list` request: who is connected, in the order they came, and the rooms. */
export interface ListReply {
  /** The message type. */
  type: "list";
  /** The nicknames of everyone connected, in the order they came. */
  users: string[];
  /** Every room, by name. */
  rooms: RoomInfo[];
  /** Those of `users` who are server operators (logged in); absent when none is. */
  operators?: string[];
}

/**
 * A server operator's announcement to everyone (`/wall`), to clients that announce the type; the
 * others get it as a `broadcast` from `ANNOUNCEMENT_SENDER`.
 */
export interface AnnouncementMessage {
  /** The message type. */
  type: "announcement";
  /** The operator who made it. */
  nickname: string;
  /** What it says. */
  message: string;
  /** ISO 8601 time, by the server's clock. */
  timestamp?: string;
}

/** What an operator's command did, in words for the operator who asked. */
export interface OperatorNotice {
  /** The message type. */
  type: "operator";
  /** The action done. */
  action: OperatorAction;
  /** The user or address acted on. */
  target?: string;
  /** What was done, as a sentence. */
  message: string;
  /** ISO 8601 time, by the server's clock. */
  timestamp?: string;
}

/** The nickname asked for is an account's: send its password with a `login` message. */
export interface LoginPrompt {
  /** The message type. */
  type: "login";
  /** The account's nickname. */
  nickname: string;
  /** This chat's id, as in `welcome`: a client opens its keys with it before it logs in. */
  chat?: string;
}

/** An account action done: `nickname`'s account registered, its password changed, or given up. */
export interface AccountNotice {
  /** The message type. */
  type: "account";
  /** The action done. */
  action: AccountAction;
  /** The account's nickname. */
  nickname: string;
  /** ISO 8601 time, by the server's clock. */
  timestamp?: string;
}

/** A private message to `to`, who is away, is kept: it will be delivered when they return. */
export interface QueuedNotice {
  /** The message type. */
  type: "queued";
  /** The recipient who is away. */
  to: string;
  /** The kept message's own timestamp. */
  timestamp?: string;
}

/**
 * The end of a run of history (to everyone, or to `room`): `count` messages shown, `earlier`
 * more kept before them.
 */
export interface HistoryEnd {
  /** The message type. */
  type: "history";
  /** The room whose history it was; absent for the messages to everyone. */
  room?: string;
  /** How many messages the run showed. */
  count: number;
  /** How many more are kept before them. */
  earlier: number;
}

/**
 * The key bundle of `nickname` (one's own, after publishing it), or none when that user has
 * published none: a client of the baseline protocol, or one without keys.
 */
export interface KeysReply {
  /** The message type. */
  type: "keys";
  /** Whose bundle it is, as registered. */
  nickname: string;
  /**
   * The bundle; absent when that user has published none. With several devices, that of the
   * first approved one (for clients that know of one key per user).
   */
  bundle?: KeyBundle;
  /** Every device of that user, approved or not, in the order they were added. */
  devices?: DeviceInfo[];
  /** In the answer to publishing: the id of the publishing device. */
  device?: string;
  /**
   * Set when the server sends one's own account's devices by itself, because they changed (a
   * device added, approved or removed), not in answer to a request.
   */
  changed?: boolean;
  /** The `ref` of the lookup this answers, when it gave one. */
  ref?: string;
}

/**
 * A device of a user: its keys, its name, and whether the account approved it: the first device
 * by being first (`approved` without `by`), any other by the signature `sig` of an approved
 * device whose Ed25519 key is `by`. Clients check the signature; the server only keeps it.
 */
export interface DeviceInfo {
  /** The device's id (see `web/common/device_ids.js`). */
  id: string;
  /** The device's name for people. */
  name: string;
  /** The device's public keys. */
  bundle: KeyBundle;
  /** Whether the account approved it. */
  approved: boolean;
  /** The approving device's Ed25519 public key, in base64; absent for the first device. */
  by?: string;
  /** The approving device's signature, in base64; absent for the first device. */
  sig?: string;
  /** ISO 8601 time the device was added. */
  added?: string;
}

/**
 * A device of `nickname`'s could not open an end-to-end message the recipient sent at `t`
 * (`reason` says why).
 */
export interface UnreadNotice {
  /** The message type. */
  type: "unread";
  /** Who could not open it. */
  nickname: string;
  /** The message's own time (its envelope's `t`). */
  t: string;
  /** Why, in words for people. */
  reason: string;
  /** The name of the device that could not open it. */
  device?: string;
  /** Set on a notice kept while its recipient was away; acknowledge it with `ack`. */
  offline?: boolean;
  /** The kept notice's number, for `ack`. */
  id?: number;
}

/** A file offered by `from`: answer with `accept` or `reject` and the same `id`. */
export interface OfferNotice {
  /** The message type. */
  type: "offer";
  /** The sender's name for the transfer. */
  id: string;
  /** The sender, as registered. */
  from: string;
  /** The file's name, made safe (`encrypted-file` when `e2e` carries the real one). */
  name: string;
  /** The file's size in bytes, as it crosses the server. */
  size: number;
  /** The SHA-256 of the whole file (as it crosses the server), in hex. */
  sha256: string;
  /** End to end: the real name, size and checksum, sealed for the recipient. */
  e2e?: E2eEnvelope;
  /** ISO 8601 time of the offer, by the server's clock. */
  timestamp?: string;
}

/** Everything the server may send. */
export type ServerMessage =
  | BroadcastMessage
  | ErrorMessage
  | WelcomeMessage
  | GoodbyeMessage
  | ShutdownMessage
  | PrivateMessage
  | RoomMessage
  | JoinedNotice
  | LeftNotice
  | NickNotice
  | ListReply
  | AnnouncementMessage
  | OperatorNotice
  | LoginPrompt
  | AccountNotice
  | QueuedNotice
  | HistoryEnd
  | KeysReply
  | UnreadNotice
  | OfferNotice
  | RoomServerMessage
  | TransferMessage;

/** The fields of the transfer messages, the same both ways. */
const TRANSFER_FIELDS: Record<TransferMessage["type"], Record<string, FieldRule>> = {
  accept: { id: TEXT },
  reject: { id: TEXT },
  cancel: { id: TEXT, reason: TEXT_OPTIONAL },
  chunk: { id: TEXT, seq: COUNT, data: TEXT },
  received: { id: TEXT, seq: COUNT },
  complete: { id: TEXT },
};

/** The fields of each client message type. */
const CLIENT_FIELDS: Record<ClientMessage["type"], Record<string, FieldRule>> = {
  nickname: {
    nickname: TEXT,
    clientID: TEXT,
    timestamp: TEXT_OPTIONAL,
    extensions: ["strings", false],
  },
  message: { nickname: TEXT_OPTIONAL, message: TEXT, timestamp: TEXT_OPTIONAL },
  disconnect: { nickname: TEXT_OPTIONAL, clientID: TEXT_OPTIONAL },
  private: { to: TEXT, message: TEXT_OPTIONAL, e2e: E2E_OPTIONAL, timestamp: TEXT_OPTIONAL },
  room: { room: TEXT, message: TEXT, timestamp: TEXT_OPTIONAL },
  join: { room: TEXT },
  leave: { room: TEXT },
  nick: { nickname: TEXT },
  list: {},
  login: { password: TEXT, device: TEXT_OPTIONAL },
  account: { action: TEXT, password: TEXT_OPTIONAL },
  history: { room: TEXT_OPTIONAL, count: COUNT_OPTIONAL },
  ack: { id: COUNT },
  operator: {
    action: TEXT,
    target: TEXT_OPTIONAL,
    seconds: COUNT_OPTIONAL,
    reason: TEXT_OPTIONAL,
    message: TEXT_OPTIONAL,
  },
  keys: {
    bundle: BUNDLE_OPTIONAL,
    nickname: TEXT_OPTIONAL,
    device: TEXT_OPTIONAL,
    ref: TEXT_OPTIONAL,
  },
  approve: { device: TEXT, by: TEXT, sig: TEXT },
  revoke: { device: TEXT },
  unread: { to: TEXT, t: TEXT, reason: TEXT, device: TEXT_OPTIONAL },
  offer: { id: TEXT, to: TEXT, name: TEXT, size: COUNT, sha256: TEXT, e2e: E2E_OPTIONAL },
  ...ROOM_CLIENT_FIELDS,
  ...TRANSFER_FIELDS,
};

/** The fields of each server message type. */
const SERVER_FIELDS: Record<ServerMessage["type"], Record<string, FieldRule>> = {
  broadcast: { nickname: TEXT, message: TEXT, timestamp: TEXT_OPTIONAL, history: FLAG_OPTIONAL },
  error: { message: TEXT, ref: TEXT_OPTIONAL },
  welcome: {
    nickname: TEXT_OPTIONAL,
    clientID: TEXT_OPTIONAL,
    timestamp: TEXT_OPTIONAL,
    chat: TEXT_OPTIONAL,
  },
  goodbye: { timestamp: TEXT_OPTIONAL },
  shutdown: { message: TEXT_OPTIONAL, timestamp: TEXT_OPTIONAL },
  private: {
    nickname: TEXT,
    message: TEXT_OPTIONAL,
    e2e: E2E_OPTIONAL,
    timestamp: TEXT_OPTIONAL,
    offline: FLAG_OPTIONAL,
    id: COUNT_OPTIONAL,
    to: TEXT_OPTIONAL,
  },
  room: {
    room: TEXT,
    nickname: TEXT,
    message: TEXT,
    timestamp: TEXT_OPTIONAL,
    history: FLAG_OPTIONAL,
  },
  joined: {
    nickname: TEXT,
    room: TEXT_OPTIONAL,
    members: ["strings", false],
    timestamp: TEXT_OPTIONAL,
  },
  left: { nickname: TEXT, room: TEXT_OPTIONAL, reason: TEXT_OPTIONAL, timestamp: TEXT_OPTIONAL },
  nick: { old: TEXT, nickname: TEXT, timestamp: TEXT_OPTIONAL },
  list: { users: ["strings", true], rooms: ["rooms", true], operators: ["strings", false] },
  announcement: { nickname: TEXT, message: TEXT, timestamp: TEXT_OPTIONAL },
  operator: { action: TEXT, target: TEXT_OPTIONAL, message: TEXT, timestamp: TEXT_OPTIONAL },
  login: { nickname: TEXT, chat: TEXT_OPTIONAL },
  account: { action: TEXT, nickname: TEXT, timestamp: TEXT_OPTIONAL },
  queued: { to: TEXT, timestamp: TEXT_OPTIONAL },
  history: { room: TEXT_OPTIONAL, count: COUNT, earlier: COUNT },
  keys: {
    nickname: TEXT,
    bundle: BUNDLE_OPTIONAL,
    devices: ["devices", false],
    device: TEXT_OPTIONAL,
    changed: FLAG_OPTIONAL,
    ref: TEXT_OPTIONAL,
  },
  unread: {
    nickname: TEXT,
    t: TEXT,
    reason: TEXT,
    device: TEXT_OPTIONAL,
    offline: FLAG_OPTIONAL,
    id: COUNT_OPTIONAL,
  },
  offer: {
    id: TEXT,
    from: TEXT,
    name: TEXT,
    size: COUNT,
    sha256: TEXT,
    e2e: E2E_OPTIONAL,
    timestamp: TEXT_OPTIONAL,
  },
  ...ROOM_SERVER_FIELDS,
  ...TRANSFER_FIELDS,
};

/** Every type a client may send. */
export const CLIENT_MESSAGE_TYPES = Object.keys(CLIENT_FIELDS) as ClientMessage["type"][];
/** Every type the server may send. */
export const SERVER_MESSAGE_TYPES = Object.keys(SERVER_FIELDS) as ServerMessage["type"][];

const utf8Encoder = new TextEncoder();

/** The spec's own spelling of a field, read as ours. */
const ALIASES = { nickname: { timestamp: "timstamp" } };

/** Decodes one frame sent by a client. */
export function decodeClientMessage(frame: Uint8Array): Decoded<ClientMessage> {
  return checkPrivate(decodeWith(frame, CLIENT_FIELDS, ALIASES)) as Decoded<ClientMessage>;
}

/** Decodes one frame sent by the server. */
export function decodeServerMessage(frame: Uint8Array): Decoded<ServerMessage> {
  return checkPrivate(decodeWith(frame, SERVER_FIELDS)) as Decoded<ServerMessage>;
}

/** A private message carries `message` or `e2e`, exactly one of them. */
function checkPrivate(decoded: Decoded<Record<string, unknown>>): Decoded<unknown> {
  if (decoded.kind !== "message" || decoded.message.type !== "private") return decoded;
  const { message, e2e } = decoded.message;
  if (message === undefined && e2e === undefined) {
    return { kind: "invalid", error: `Invalid "private" message: missing field "message"` };
  }
  if (message !== undefined && e2e !== undefined) {
    return {
      kind: "invalid",
      error: `Invalid "private" message: give "message", or "e2e" when end-to-end encrypted, ` +
        "not both",
    };
  }
  return decoded;
}

/** Encodes a message as one line of JSON (JSON Lines), ready to write. */
export function encodeMessage(message: ClientMessage | ServerMessage): Uint8Array {
  return utf8Encoder.encode(JSON.stringify(message) + "\n");
}
