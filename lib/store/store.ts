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
  /** Its public key bundle for end-to-end messages (JSON, as published), once published. */
  keyBundle?: string;
}

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
  /** Removes an account and every message kept for it. */
  deleteAccount(key: string): Promise<void>;
  /** Keeps the account's public key bundle (JSON); false if there is no such account. */
  setKeyBundle(key: string, bundle: string): Promise<boolean>;
  /** Notes when an account's holder was last connected. */
  seen(key: string, at: number): Promise<void>;
  /** Keeps a private message for account `key`, unless its queue is full. */
  keep(key: string, message: Omit<KeptMessage, "id">): Promise<KeepResult>;
  /** The messages kept for `key` that have not expired by `now`, oldest first. */
  waiting(key: string, now: number): Promise<KeptMessage[]>;
  /** Forgets the messages kept for `key` up to number `id`: they arrived. */
  acknowledge(key: string, id: number): Promise<void>;
  /** Adds a message to history (durable with the next commit; nobody waits for it). */
  remember(entry: HistoryEntry): void;
  /**
   * The last `limit` history entries of `target` kept at `now`, received after `since` if
   * given, oldest first.
   */
  history(target: string, limit: number, now: number, since?: number): Promise<HistoryPage>;
  /** Writes what is pending and closes; the store is not used after. */
  close(): Promise<void>;
}
