/**
 * What the server keeps beyond a connection: accounts, private messages kept for accounts that
 * are away (the offline queue), and the history of what was said to everyone and to each room.
 * One interface with versions behind it (in memory, SQLite, Redis for a cluster), which all
 * pass the shared suite of `store_suite.ts`.
 *
 * @module
 */

/** The history target of messages to everyone (a room's target is its `roomKey`). */
export const EVERYONE = "*";

/** An account: a nickname that only its password holder may take. */
export interface Account {
  /** The nickname as registered. */
  nickname: string;
  /** The password's salted slow hash (see `accounts/passwords.ts`), never the password. */
  passwordHash: string;
  /** When it was registered, in milliseconds since the epoch. */
  created: number;
  /** When its holder was last connected, in milliseconds since the epoch. */
  lastSeen: number;
}

/**
 * A device of an account: its public keys, its name, whether the account approved it (the first
 * by being first, any other by an approved device's signature, which the clients check), and how
 * far it has read the messages kept for the account.
 */
export interface StoredDevice {
  /** Its id, from its Ed25519 key (see `web/common/device_ids.js`). */
  id: string;
  /** Its name for people. */
  name: string;
  /** Its public key bundle (JSON, as published). */
  bundle: string;
  /** Whether the account approved it. */
  approved: boolean;
  /** The approving device's Ed25519 key (base64); absent for the first device. */
  by?: string;
  /** The approving device's signature (base64); absent for the first device. */
  sig?: string;
  /** When it was added, in milliseconds since the epoch. */
  added: number;
  /** The highest number of a kept message it acknowledged (0: none yet). */
  acked: number;
}

/** What `putDevice` is given: everything but the cursor, which only `acknowledge` moves. */
export type NewDevice = Omit<StoredDevice, "acked">;

/** A private message kept for an account that was away. */
export interface KeptMessage {
  /** Its number, rising with each message kept: acknowledgements name one. */
  id: number;
  /** The sender's nickname. */
  from: string;
  /** The text; empty when the message is encrypted end to end. */
  text: string;
  /** The end-to-end envelope (JSON, as relayed), when the message is encrypted. */
  e2e?: string;
  /**
   * A notice kept in place of a message (JSON, the server message as it would have gone): an
   * `unread` for a sender who was away; then `text` is empty.
   */
  notice?: string;
  /** The time the message was sent, as relayed (ISO 8601). */
  timestamp: string;
  /** When the server received it, in milliseconds since the epoch. */
  at: number;
}

/** A message to everyone or to a room, as history keeps it. */
export interface HistoryEntry {
  /** `EVERYONE`, or the room's key. */
  target: string;
  /** The room's name as it was said to; undefined for everyone. */
  room?: string;
  /** The sender's nickname. */
  nickname: string;
  /** The text of the chat line. */
  text: string;
  /** The time the message was sent, as relayed (ISO 8601). */
  timestamp: string;
  /** When the server received it, in milliseconds since the epoch. */
  at: number;
}

/** A room kept by the rooms feature: its `roomKey` and its record (JSON), opaque to the store. */
export interface StoredRoom {
  /** The room's `roomKey`. */
  key: string;
  /** Its record, as the rooms feature wrote it. */
  data: string;
}

/**
 * A server ban (set by an operator's `/serverban`): a user (an account's or a guest's nickname)
 * or an address refused at connect and at registration, until `until` or until lifted.
 */
export interface ServerBan {
  /** What is banned: `user:<nicknameKey>` or `address:<ip>`. */
  key: string;
  /** The nickname or address as the operator gave it. */
  target: string;
  /** The operator who set it (its nickname then). */
  by: string;
  /** Why, as the operator said; absent when it gave no reason. */
  reason?: string;
  /** When it was set, in milliseconds since the epoch. */
  at: number;
  /** When it ends, in milliseconds since the epoch; absent: until lifted. */
  until?: number;
}

/** How much a store keeps; each bound is a named default in `lib/server/limits.ts` with a flag. */
export interface StoreBounds {
  /** Most private messages kept for one account. */
  offlineMax: number;
  /** How long a kept private message waits before it is dropped (ms). */
  offlineMaxAgeMs: number;
  /** Most history messages kept per target (everyone, or a room). */
  historyMax: number;
  /** How long history is kept (ms). */
  historyMaxAgeMs: number;
}

/** What asking for history gives: the entries (oldest first), and how many are older. */
export interface HistoryPage {
  /** The entries given, oldest first. */
  entries: HistoryEntry[];
  /** Kept entries older than those given (within the `since` asked for, if any). */
  earlier: number;
}

/** The outcome of keeping a message: its number, or why it was not kept. */
export type KeepResult = { ok: true; id: number } | { ok: false; reason: "full" };

/**
 * The store. Every method that writes resolves once the write is durable (committed); a
 * version may gather the writes of one turn of the event loop into one commit. Keys are
 * `nicknameKey`s. Times are passed in, never read from a clock.
 */
export interface Store {
  /** A line saying where the data lives, for the server's start-up output. */
  readonly description: string;
  /** The nickname of every account (to tell account names from others without a lookup). */
  accountNames(): Promise<string[]>;
  /** The account of `key`, if there is one. */
  account(key: string): Promise<Account | undefined>;
  /** Registers an account; false when `key` has one already. */
  createAccount(key: string, account: Account): Promise<boolean>;
  /** Replaces an account's password hash; false when there is no such account. */
  setPassword(key: string, passwordHash: string): Promise<boolean>;
  /** Removes an account, its devices and every message kept for it. */
  deleteAccount(key: string): Promise<void>;
  /** The devices of account `key`, in the order they were added (none: no devices, or no account). */
  devices(key: string): Promise<StoredDevice[]>;
  /**
   * Adds a device to account `key`, or updates the one with its id (its name, bundle and
   * approval; where it stands in the list, when it was added and its cursor stay). False when
   * there is no such account. The caller keeps to `MAX_DEVICES`.
   */
  putDevice(key: string, device: NewDevice): Promise<boolean>;
  /**
   * Removes device `id` of account `key` and its cursor (kept messages every remaining approved
   * device has are dropped); false when there is no such device.
   */
  removeDevice(key: string, id: string): Promise<boolean>;
  /** Notes when an account's holder was last connected. */
  seen(key: string, at: number): Promise<void>;
  /** Keeps a private message for account `key`, unless its queue is full. */
  keep(key: string, message: Omit<KeptMessage, "id">): Promise<KeepResult>;
  /**
   * The messages kept for `key` that have not expired by `now`, oldest first; with `device`,
   * only those that device of the account has not acknowledged.
   */
  waiting(key: string, now: number, device?: string): Promise<KeptMessage[]>;
  /**
   * The messages kept for `key` up to number `id` arrived, on `device` if given. An account
   * without devices forgets them at once (whoever acknowledges); otherwise the device's cursor
   * moves to `id`, and a message is forgotten once every approved device's cursor has passed it
   * (a device the account does not have, or no device given, changes nothing).
   */
  acknowledge(key: string, id: number, device?: string): Promise<void>;
  /** Adds a message to history (durable with the next commit; nobody waits for it). */
  remember(entry: HistoryEntry): void;
  /**
   * The last `limit` history entries of `target` kept at `now`, received after `since` if
   * given, oldest first.
   */
  history(target: string, limit: number, now: number, since?: number): Promise<HistoryPage>;
  /** Every kept room (see `lib/rooms/`): its key and its record as the rooms feature wrote it. */
  rooms(): Promise<StoredRoom[]>;
  /** The kept room of `key`'s record, if there is one. */
  room(key: string): Promise<string | undefined>;
  /** Keeps room `key`'s record (`data`, the rooms feature's JSON), replacing what was kept. */
  putRoom(key: string, data: string): Promise<void>;
  /** Forgets room `key`. */
  deleteRoom(key: string): Promise<void>;
  /**
   * Forgets the history of `target` (a room's key: the room was closed, and a room made later
   * under its name must not show what was said in it).
   */
  forgetHistory(target: string): Promise<void>;
  /**
   * This chat's id (see `newChatId`): made the first time it is asked for and kept, the same for
   * every server on this store (a cluster's nodes agree on it).
   */
  chatId(): Promise<string>;
  /** Every server ban kept (expired ones included: the caller drops them). */
  serverBans(): Promise<ServerBan[]>;
  /** Keeps `ban`, replacing the one of its key. The caller keeps to its bound. */
  putServerBan(ban: ServerBan): Promise<void>;
  /** Removes the ban of `key`; false when there was none. */
  removeServerBan(key: string): Promise<boolean>;
  /**
   * What keeps the store from working, in a few words, or undefined when it works: a cheap check
   * for the readiness probe (`/readyz`) that changes nothing the chat keeps.
   */
  problem(): Promise<string | undefined>;
  /** Writes what is pending and closes; the store is not used after. */
  close(): Promise<void>;
}

/** A new chat id: 16 random bytes in base64url without padding (22 characters). */
export function newChatId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/**
 * Up to which number the messages kept for an account with `devices` may be forgotten: the
 * lowest cursor of its approved devices (of all of them when none is approved).
 */
export function keptThrough(devices: readonly StoredDevice[]): number {
  const approved = devices.filter((device) => device.approved);
  const counted = approved.length > 0 ? approved : devices;
  return Math.min(...counted.map((device) => device.acked));
}

/** A server ban as read back: only the fields a ban has (a store may add nulls or drop fields). */
export function serverBanOf(value: Record<string, unknown>): ServerBan | undefined {
  const { key, target, by, reason, at, until } = value;
  if (typeof key !== "string" || typeof target !== "string" || typeof by !== "string") {
    return undefined;
  }
  if (typeof at !== "number") return undefined;
  const ban: ServerBan = { key, target, by, at };
  if (typeof reason === "string") ban.reason = reason;
  if (typeof until === "number") ban.until = until;
  return ban;
}
