/**
 * The kept rooms as this node holds them, and what every part of the rooms feature does with
 * them: keeps a record (in the store, and tells the other nodes of a cluster) or forgets it, tells
 * people of a room, and reads from a record who may do what in it (an operator moderates every
 * room). The room hooks (`room_rules.ts`), the room commands (`room_commands.ts`,
 * `room_moderation.ts`) and the timer of timed bans and mutes (`room_timer.ts`) all act through
 * it, so that none of them holds state of its own.
 *
 * @module
 */

import type { ServerMessage } from "../../protocol.ts";
import type { ChatCore } from "../core/chat.ts";
import { type EventKind, eventKind, type Log } from "../common/log_event.ts";
import { eventLine, STORE_ERROR } from "../core/console_lines.ts";
import type { Member, Outbound } from "../core/types.ts";
import { nicknameKey, roomKey } from "../protocol/values.ts";
import type { Store } from "../store/store.ts";
import { roomInfo } from "./room_replies.ts";
import { Identities } from "./identities.ts";
import {
  type Identity,
  keptInStore,
  MAX_INVITATIONS,
  type Restriction,
  restrictionOf,
  roleOf,
  type RoomRecord,
  storable,
  untilText,
} from "./room_record.ts";

/**
 * `nickname` (`operator`: acting as a server operator, not as a role of its own in the room) did
 * `action` in `room` (`action` names the room, as the line says it).
 */
export const ROOM_ACTION: EventKind<{
  nickname: string;
  operator: boolean;
  room: string;
  action: string;
}> = eventKind(
  "room_action",
  "info",
  (f, time) => eventLine(time, `${f.nickname}${f.operator ? " (operator)" : ""}: ${f.action}.`),
);

/** What the kept rooms need from the server. */
export interface RoomStateOptions<M extends Member> {
  /** Where deliveries go. */
  out: Outbound<M>;
  /** Where room records are kept; none: nothing outlasts the process. */
  store?: Store;
  /** Console events. */
  log: Log;
  /** The clock. */
  now?: () => Date;
  /**
   * The nickname of the account `nickname` is (in any case), or undefined when it is none: to
   * invite or ban an account that is away, and to know a user of another node's account.
   */
  accountName?: (nickname: string) => string | undefined;
  /** Whether a user is a server operator, who moderates every room (false by default). */
  isOperator?: (user: M) => boolean;
  /**
   * Tells the other nodes of a cluster that room `key` changed (`data` undefined: gone), that
   * `out` must leave it, or that `invite`, a guest of another node, is invited into it.
   */
  publish?: (key: string, data: string | undefined, out?: string, invite?: string) => void;
}

/** The kept rooms of this node, and the acts on them the rooms feature shares. */
export class RoomState<M extends Member> {
  readonly #out: Outbound<M>;
  readonly #store: Store | undefined;
  readonly #log: Log;
  readonly #now: () => Date;
  readonly #isOperator: (user: M) => boolean;
  readonly #accountName: (nickname: string) => string | undefined;
  readonly #publish: RoomStateOptions<M>["publish"];
  readonly #records = new Map<string, RoomRecord>();
  /**
   * Guests invited, by room key: the very connections invited (so that taking their nickname
   * after they left lets nobody in).
   */
  readonly #guestInvites = new Map<string, Set<M>>();
  readonly #identities: Identities<M>;
  #core: ChatCore<M> | undefined;

  /** Holds no room yet; `core` is set when the feature is attached. */
  constructor(options: RoomStateOptions<M>) {
    this.#out = options.out;
    this.#store = options.store;
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
    this.#isOperator = options.isOperator ?? (() => false);
    this.#accountName = options.accountName ?? (() => undefined);
    this.#identities = new Identities(this.#accountName);
    this.#publish = options.publish;
  }

  /** The core the feature acts through, once attached. */
  get core(): ChatCore<M> | undefined {
    return this.#core;
  }

  /** Acts through `core` from now on. */
  set core(core: ChatCore<M> | undefined) {
    this.#core = core;
  }

  /** Where deliveries go. */
  get out(): Outbound<M> {
    return this.#out;
  }

  /** Where room records are kept, if anywhere. */
  get store(): Store | undefined {
    return this.#store;
  }

  /** The records of the kept rooms, by room key. */
  get records(): Map<string, RoomRecord> {
    return this.#records;
  }

  /** Who someone is for the rules (`identities.ts`). */
  get identities(): Identities<M> {
    return this.#identities;
  }

  /** Says on the console that the store could not do `action`. */
  storeFailed(action: string, error: Error): void {
    this.#log(STORE_ERROR.at(this.#now(), { action, error: error.message }));
  }

  /** The nickname of the account `nickname` is, or undefined when it is none. */
  accountName(nickname: string): string | undefined {
    return this.#accountName(nickname);
  }

  // --- Keeping ---

  /**
   * Keeps `record` (in the store, when `keptInStore`, without its guests' roles; and on the other
   * nodes, whole).
   */
  save(key: string, record: RoomRecord): void {
    this.#records.set(key, record);
    this.#keep(key, record);
    this.#publish?.(key, JSON.stringify(record));
  }

  /** Forgets room `key` (here, in the store and on the other nodes). */
  forget(key: string): void {
    const record = this.#records.get(key);
    this.drop(key);
    if (record === undefined || record.owner !== undefined || record.stored) {
      this.#store?.deleteRoom(key).catch((error: Error) =>
        this.storeFailed(`forget room ${key}`, error)
      );
    }
    this.#publish?.(key, undefined);
  }

  /** Forgets room `key` here only (another node forgets it too, and says so). */
  drop(key: string): void {
    this.#records.delete(key);
    this.#guestInvites.delete(key);
  }

  /**
   * Whether `record` is a room of guests that nobody is in and that keeps no account: over, to be
   * forgotten.
   */
  vacant(record: RoomRecord): boolean {
    if (keptInStore(record)) return false;
    for (const _ of this.#core?.membersOf(record.name) ?? []) return false;
    return true;
  }

  /** Writes `record` to the store, or takes a room of guests' out of it once it keeps nobody. */
  #keep(key: string, record: RoomRecord): void {
    const store = this.#store;
    if (store === undefined) return;
    if (keptInStore(record)) {
      record.stored = true;
      store.putRoom(key, JSON.stringify(storable(record))).catch((error: Error) =>
        this.storeFailed(`keep room ${record.name}`, error)
      );
    } else if (record.stored) {
      delete record.stored;
      store.deleteRoom(key).catch((error: Error) => this.storeFailed(`forget room ${key}`, error));
    }
  }

  /** Asks the node of `nickname`, a guest of another node, to let it into room `key`. */
  publishInvite(key: string, record: RoomRecord, nickname: string | undefined): void {
    this.#publish?.(key, JSON.stringify(record), undefined, nickname);
  }

  /** Takes `user` out of the room: here, or at its node. */
  putOut(key: string, user: M, record: RoomRecord | undefined): void {
    if (user.remote) {
      this.#publish?.(
        key,
        record === undefined ? undefined : JSON.stringify(record),
        user.nickname,
      );
    } else this.#core!.putOut(user, record?.name ?? key);
  }

  /**
   * Lets guest `user` (a connection of this node) into room `key`; false when the room has the
   * most invitations there may be (those of guests gone since are forgotten first).
   */
  inviteGuest(key: string, user: M): boolean {
    let guests = this.#guestInvites.get(key);
    if (guests === undefined) this.#guestInvites.set(key, guests = new Set());
    for (const guest of guests) if (guest.closing) guests.delete(guest);
    if (guests.size >= MAX_INVITATIONS) return false;
    guests.add(user);
    return true;
  }

  /** Forgets the invitation of guest `user` into room `key`: it came in. */
  guestCame(key: string, user: M): void {
    this.#guestInvites.get(key)?.delete(user);
  }

  // --- Telling ---

  /** Tells `record`'s room (and `also`) `message`. */
  tellRoom(record: RoomRecord, message: ServerMessage, also: M[] = []): void {
    this.#core!.tellRoom(record.name, message, also);
  }

  /** Tells `user` (all its connections) `message`. */
  tellUser(user: M, message: ServerMessage): void {
    this.#core!.tellRoom(undefined, message, [user]);
  }

  /** Refuses what `connection` asked, saying why. */
  refuse(connection: M, message: string): void {
    this.#out.refuse(connection, message);
  }

  /** The `roominfo` of `record`, with who is in its room now. */
  info(record: RoomRecord): ServerMessage {
    const present = [...this.#core!.membersOf(record.name)].map((member) => ({
      nickname: member.nickname!,
      who: this.identity(member),
    }));
    return roomInfo(record, present, this.nowMs());
  }

  /** Tells `users` (all their connections, or only these with `only`) of a room joined. */
  tellJoined(users: M[], record: RoomRecord, only = false): void {
    const messages: ServerMessage[] = [this.info(record)];
    if (record.topic !== "") {
      messages.unshift({ type: "topic", room: record.name, topic: record.topic });
    }
    for (const message of messages) {
      if (!only) this.#core?.tellRoom(undefined, message, users);
      else {
        const able = users.filter((each) => each.extensions.has(message.type));
        if (able.length > 0) this.#out.deliver(able, [message]);
      }
    }
  }

  /** Tells `user` (or only that connection, with `only`) of the invitations waiting for it. */
  tellInvitations(user: M, account: string, only = false): void {
    for (const record of this.#records.values()) {
      const by = record.invited[account];
      if (by === undefined) continue;
      if (!only) this.tellUser(user, this.invited(record, by));
      else if (user.extensions.has("invited")) {
        this.#out.deliver([user], [this.invited(record, by)]);
      }
    }
  }

  /**
   * Tells this node's users in `record`'s room (and those restricted) that `ended` are over: each
   * node tells its own, so that nobody is told twice.
   */
  tellEnded(record: RoomRecord, ended: Restriction[]): void {
    const here = [...(this.#core?.membersOf(record.name) ?? [])].filter((each) => !each.remote);
    for (const each of ended) {
      const target = this.#core?.find(each.nickname);
      this.#core?.tellRoom(undefined, {
        type: "moderated",
        room: record.name,
        action: each.kind === "ban" ? "unban" : "unmute",
        nickname: each.nickname,
        reason: "time is up",
        timestamp: this.stamp(),
      }, target === undefined || target.remote ? here : [...here, target]);
    }
  }

  /** The `invited` message of an invitation into `record` by `by`. */
  invited(record: RoomRecord, by: string): ServerMessage {
    return { type: "invited", room: record.name, by, timestamp: this.stamp() };
  }

  /** Puts out of `record`'s room this node's users that one of its bans holds against. */
  putOutBanned(record: RoomRecord): void {
    const now = this.nowMs();
    for (const member of [...(this.#core?.membersOf(record.name) ?? [])]) {
      if (member.remote) continue;
      const who = this.identity(member);
      if (this.operator(who) || restrictionOf(record, "ban", who, now) === undefined) continue;
      this.#core!.putOut(member, record.name);
    }
  }

  /** A console line of `user`'s action in `record`, marked when only an operator may do it. */
  logAction(user: M, record: RoomRecord, who: Identity, text: string): void {
    const role = roleOf(record, who);
    const asOperator = this.operator(who) && role !== "owner" &&
      (role !== "moderator" || record.owner === undefined);
    this.#log(ROOM_ACTION.at(this.#now(), {
      nickname: user.nickname!,
      operator: asOperator,
      room: record.name,
      action: text,
    }));
  }

  // --- Who may what ---

  /** Who `user` is for the rules. */
  identity(user: M): Identity {
    const who = this.#identities.of(user);
    return this.#isOperator(user) ? { ...who, operator: true } : who;
  }

  /** The address of a user of this node that is, or was, logged in to `account`, if any. */
  addressOf(account: string): string | undefined {
    return this.#identities.addressOf(account, this.#core?.members() ?? []);
  }

  /** An account that is away, by its nickname, for a restriction or invitation. */
  awayAccount(nickname: string): string | undefined {
    const key = nicknameKey(nickname);
    if (this.#accountName(nickname) !== undefined) return key;
    for (const record of this.#records.values()) if (record.members[key]) return key;
    return undefined;
  }

  /** Whether `user` may see `room` listed (and name it in a room command). */
  visible(user: M, room: string): boolean {
    const record = this.#records.get(roomKey(room));
    if (record === undefined || !record.private) return true;
    const who = this.identity(user);
    return this.mayEnter(record, who, user) || this.#core?.roomOf(user, room) !== undefined;
  }

  /** Whether `who` (connected as `user`) may come into `record`'s room, private or not. */
  mayEnter(record: RoomRecord, who: Identity, user: M): boolean {
    if (this.operator(who) || roleOf(record, who) !== undefined) return true;
    if (who.account !== undefined && record.invited[who.account] !== undefined) return true;
    return this.#guestInvites.get(roomKey(record.name))?.has(user) === true;
  }

  /** Why `who` may not speak in `record` for a mute, or undefined (an operator never is). */
  muted(record: RoomRecord, who: Identity): string | undefined {
    const mute = this.operator(who) ? undefined : restrictionOf(record, "mute", who, this.nowMs());
    return mute === undefined ? undefined : `You are muted in ${record.name}${untilText(mute)}` +
      (mute.reason ? `: ${mute.reason}` : "");
  }

  /** Whether `who` is a server operator. */
  operator(who: Identity): boolean {
    return who.operator === true;
  }

  /** Whether `who` owns `record` (an operator does as much). */
  owns(record: RoomRecord, who: Identity): boolean {
    return this.operator(who) || (record.owner !== undefined && record.owner === who.account);
  }

  /**
   * Whether `who` moderates `record` (its owner, a moderator, an operator; in a room of guests,
   * its maker and whom a moderator made one).
   */
  moderates(record: RoomRecord, who: Identity): boolean {
    const role = roleOf(record, who);
    return this.operator(who) || role === "owner" || role === "moderator";
  }

  /** How many rooms `account` owns. */
  owned(account: string): number {
    return [...this.#records.values()].filter((record) => record.owner === account).length;
  }

  /** How many rooms `account` is kept in. */
  keptRooms(account: string): number {
    return [...this.#records.values()].filter((record) => record.members[account]).length;
  }

  // --- The clock ---

  /** Whether timed `restriction` is over. */
  ended(restriction: Restriction): boolean {
    return restriction.until !== undefined && restriction.until <= this.nowMs();
  }

  /** Now, in milliseconds. */
  nowMs(): number {
    return this.#now().getTime();
  }

  /** Now, as a message's timestamp. */
  stamp(): string {
    return this.#now().toISOString();
  }
}
