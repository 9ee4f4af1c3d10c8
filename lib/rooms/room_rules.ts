/**
 * The rooms feature: kept rooms with owners, topics, private rooms, invitations, roles, bans and
 * mutes, beside the chat core (which asks it through `RoomHooks` and which it acts through). This
 * module is the feature as the server, the core and the cluster see it: the hooks the core calls
 * (may someone join, speak, see a room; someone joined, left, registered, attached a connection;
 * an account given up) and what a node hears from the others (`hear`). The rest is cut along its
 * seams: the kept rooms and the acts on them all parts share (`room_state.ts`), the room commands
 * people type (`room_commands.ts`, `room_moderation.ts`), the timer of timed bans and mutes
 * (`room_timer.ts`), a room's record and its pure checks (`room_record.ts`), the replies built
 * from a record (`room_replies.ts`) and who someone is for the rules (`identities.ts`).
 *
 * @module
 */

import type { ChatCore } from "../core/chat.ts";
import type { Member, RoomHooks, RoomsCommand } from "../core/types.ts";
import { nicknameKey, roomKey } from "../protocol/values.ts";
import { historyRun } from "../accounts/replies.ts";
import { RoomCommands } from "./room_commands.ts";
import {
  type Identity,
  MAX_KEPT_MEMBERS,
  MAX_KEPT_ROOMS,
  MAX_OWNED_ROOMS,
  newRecord,
  readRecord,
  restrictionOf,
  roleOf,
  type RoomRecord,
  sameRestriction,
  storable,
  untilText,
} from "./room_record.ts";
import { RoomState, type RoomStateOptions } from "./room_state.ts";
import { RoomTimer } from "./room_timer.ts";

/** Room history shown to a kept member coming back, at most (per room). */
const CATCH_UP_MAX = 50;

/** How the feature is set up. */
export interface RoomRulesOptions<M extends Member> extends RoomStateOptions<M> {
  /** Most bytes of catch-up history sent at once. */
  replyBytes?: number;
}

/** The rooms feature. */
export class RoomRules<M extends Member> implements RoomHooks<M> {
  readonly #rooms: RoomState<M>;
  readonly #timer: RoomTimer<M>;
  readonly #commands: RoomCommands<M>;
  readonly #replyBytes: number;

  /** Creates the feature; `attach` gives it the core. */
  constructor(options: RoomRulesOptions<M>) {
    this.#rooms = new RoomState(options);
    this.#timer = new RoomTimer(this.#rooms);
    this.#commands = new RoomCommands(this.#rooms, this.#timer);
    this.#replyBytes = options.replyBytes ?? 16 * 1024;
  }

  /** Acts through `core` from now on. */
  attach(core: ChatCore<M>): void {
    this.#rooms.core = core;
  }

  /** Reads the kept rooms from the store. */
  async load(): Promise<void> {
    const store = this.#rooms.store;
    if (store === undefined) return;
    for (const { key, data } of await store.rooms()) {
      const record = readRecord(data);
      // Whatever guests moderated it was theirs while they were in it, before the restart.
      if (record !== undefined) this.#rooms.records.set(key, { ...storable(record), stored: true });
    }
    this.#timer.schedule();
  }

  /** Stops the timer of timed bans and mutes. */
  close(): void {
    this.#timer.close();
  }

  /**
   * Another node changed room `key` (`data` undefined: gone), asks that `out` leave it, or
   * invited `invite`, a guest of this node, into it.
   */
  hear(key: string, data: string | undefined, out?: string, invite?: string): void {
    const before = this.#rooms.records.get(key);
    const record = data === undefined ? undefined : readRecord(data);
    if (record === undefined) this.#rooms.records.delete(key);
    else this.#rooms.records.set(key, record);
    const user = this.#rooms.core?.find(out ?? invite ?? "");
    if (out !== undefined && user !== undefined && !user.remote) {
      this.#rooms.core!.putOut(user, record?.name ?? key);
    }
    if (invite !== undefined && user !== undefined && !user.remote && user.account === undefined) {
      this.#rooms.inviteGuest(key, user);
    }
    if (record !== undefined) {
      // Timed bans and mutes the other node found ended: this node's users are told here.
      if (before !== undefined) {
        this.#rooms.tellEnded(
          record,
          before.restrictions.filter((each) =>
            this.#rooms.ended(each) &&
            !record.restrictions.some((kept) => sameRestriction(each, kept))
          ),
        );
      }
      this.#fillAddresses(key, record);
      // Whatever this node saw of the room when the ban was set, its banned users leave.
      this.#rooms.putOutBanned(record);
    }
    this.#timer.schedule();
  }

  // --- RoomHooks ---

  joinProblem(user: M, room: string): string | undefined {
    const record = this.#rooms.records.get(roomKey(room));
    if (record === undefined) return undefined;
    const who = this.#rooms.identity(user);
    const ban = restrictionOf(record, "ban", who, this.#rooms.nowMs());
    if (ban !== undefined && !this.#rooms.operator(who)) {
      return `You are banned from ${record.name}${untilText(ban)}` +
        (ban.reason ? `: ${ban.reason}` : "");
    }
    if (record.private && !this.#rooms.mayEnter(record, who, user)) {
      return `${record.name} is private: ask a member to /invite you`;
    }
    if (who.account !== undefined && roleOf(record, who) === undefined) {
      const kept = this.#rooms.keptRooms(who.account);
      if (kept >= MAX_KEPT_ROOMS) {
        return `You are kept in ${kept} rooms, the most there may be: /leave one first`;
      }
    }
    return undefined;
  }

  speakProblem(user: M, room: string): string | undefined {
    const record = this.#rooms.records.get(roomKey(room));
    if (record === undefined) return undefined;
    const who = this.#rooms.identity(user);
    // A moderator muted by the owner is muted too.
    const muted = this.#rooms.muted(record, who);
    if (muted !== undefined || !record.moderated || this.#rooms.moderates(record, who)) {
      return muted;
    }
    return `${record.name} is moderated: only its owner and moderators may speak`;
  }

  visible(user: M, room: string): boolean {
    return this.#rooms.visible(user, room);
  }

  entered(user: M, room: string, made: boolean): void {
    const key = roomKey(room);
    let record = this.#rooms.records.get(key);
    const account = user.account;
    // The record is written (and told to the other nodes) only when the join changed it: a
    // guest's join, or a kept member's second connection, changes nothing kept.
    let changed = record === undefined;
    if (record === undefined) {
      // A room of guests made before (at another node, unheard of yet) stays without a record.
      if (account === undefined && !made) return;
      const owned = account !== undefined && made && this.#rooms.owned(account) < MAX_OWNED_ROOMS;
      record = newRecord(room, owned ? { key: account, nickname: user.nickname! } : undefined);
    }
    this.#rooms.guestCame(key, user);
    if (account !== undefined) changed = this.#keepJoiner(record, account, user) || changed;
    if (account === undefined && made && record.owner === undefined) {
      // A guest that makes a room (or makes it again, empty) moderates it: IRC's channel operator.
      record.guestModerators = {
        ...record.guestModerators,
        [nicknameKey(user.nickname!)]: user.nickname!,
      };
      changed = true;
    }
    if (changed) this.#rooms.save(key, record);
  }

  joined(user: M, room: string): void {
    const record = this.#rooms.records.get(roomKey(room));
    if (record !== undefined) this.#rooms.tellJoined([user], record);
  }

  /** Makes account `account` (connected as `user`) a kept member of `record`; whether it changed. */
  #keepJoiner(record: RoomRecord, account: string, user: M): boolean {
    let changed = false;
    if (record.invited[account] !== undefined) {
      delete record.invited[account];
      changed = true;
    }
    const kept = record.members[account];
    // The owner coming back after /leave is in it again.
    if (kept?.left) {
      delete kept.left;
      changed = true;
    }
    if (kept === undefined && Object.keys(record.members).length < MAX_KEPT_MEMBERS) {
      record.members[account] = { nickname: user.nickname!, role: "member" };
      changed = true;
    }
    return changed;
  }

  left(user: M, room: string): void {
    const key = roomKey(room);
    const record = this.#rooms.records.get(key);
    if (record === undefined || user.account === undefined) return;
    // The owner stays owner, out of the room until it joins again; anyone else is no longer kept.
    if (record.owner === user.account) {
      const kept = record.members[user.account];
      record.members[user.account] = { nickname: kept?.nickname ?? user.nickname!, role: "owner" };
      record.members[user.account].left = true;
      this.#rooms.save(key, record);
      return;
    }
    delete record.members[user.account];
    // A room of guests' making that kept its last account: gone when empty.
    if (this.#rooms.vacant(record)) this.#rooms.forget(key);
    else this.#rooms.save(key, record);
  }

  departed(user: M, room: string): void {
    const key = roomKey(room);
    const record = this.#rooms.records.get(key);
    if (record === undefined || record.owner !== undefined) return;
    // A guest's role in a room of guests is its own while it is in it. The user's node keeps and
    // tells the change; another node makes it too, in case that node is gone.
    const nickKey = nicknameKey(user.nickname!);
    const changed = record.guestModerators?.[nickKey] !== undefined;
    if (changed) delete record.guestModerators![nickKey];
    if (this.#rooms.vacant(record)) {
      if (user.remote) this.#rooms.drop(key);
      else this.#rooms.forget(key);
    } else if (changed && !user.remote) this.#rooms.save(key, record);
  }

  renamed(user: M, old: string): void {
    const before = nicknameKey(old);
    for (const room of this.#rooms.core?.roomsOf(user) ?? []) {
      const key = roomKey(room);
      const record = this.#rooms.records.get(key);
      const guests = record?.guestModerators;
      if (guests?.[before] === undefined) continue;
      // A guest moderator keeps its role under its new name (as IRC's operators do).
      delete guests[before];
      guests[nicknameKey(user.nickname!)] = user.nickname!;
      if (!user.remote) this.#rooms.save(key, record!);
    }
  }

  registered(user: M): void {
    const account = user.account;
    this.#rooms.identities.registered(user);
    if (account === undefined) return;
    const rooms = [...this.#rooms.records.values()].filter((record) =>
      record.members[account] !== undefined && !record.members[account].left
    );
    for (const record of rooms) {
      this.#rooms.core?.putIn(user, record.name);
      this.#rooms.tellJoined([user], record);
    }
    this.#rooms.tellInvitations(user, account);
    if (rooms.length > 0) void this.#catchUp(user, account, rooms);
  }

  attached(connection: M): void {
    const account = this.#rooms.identity(connection).account;
    for (const name of this.#rooms.core?.roomsOf(connection) ?? []) {
      const record = this.#rooms.records.get(roomKey(name));
      if (record !== undefined) this.#rooms.tellJoined([connection], record, true);
    }
    if (account !== undefined) this.#rooms.tellInvitations(connection, account, true);
  }

  /**
   * Why account `account` may not be given up (`/unregister`), or undefined when it may: it owns
   * rooms, which must be handed over or closed first.
   */
  unregisterProblem(account: string): string | undefined {
    const owned = [...this.#rooms.records.values()].filter((record) => record.owner === account)
      .map((record) => record.name);
    if (owned.length === 0) return undefined;
    return owned.length === 1
      ? `You own ${owned[0]}: hand it over (/room ${owned[0]} owner <account>) or close it first`
      : `You own ${owned.join(", ")}: hand them over (/room <#room> owner <account>) or close ` +
        "them first";
  }

  /**
   * Account `account` was given up: it is no longer a member of any room, nor invited (its bans
   * and mutes stay), so that whoever makes an account of that nickname later inherits nothing.
   */
  accountGone(account: string): void {
    for (const [key, record] of [...this.#rooms.records]) {
      if (record.members[account] === undefined && record.invited[account] === undefined) continue;
      if (record.owner === account) continue;
      delete record.members[account];
      delete record.invited[account];
      if (this.#rooms.vacant(record)) this.#rooms.forget(key);
      else this.#rooms.save(key, record);
    }
  }

  kept(): { room: string; topic?: string }[] {
    return [...this.#rooms.records.values()].map((record) => ({ room: record.name }));
  }

  topic(room: string): string | undefined {
    return this.#rooms.records.get(roomKey(room))?.topic || undefined;
  }

  /** The kept record of `room`, when it has one, to be read only (the IRC listener shows it). */
  record(room: string): Readonly<RoomRecord> | undefined {
    return this.#rooms.records.get(roomKey(room));
  }

  /** Who `user` is to the rooms' rules, to be read only (the IRC listener shows roles and mutes). */
  identity(user: M): Identity {
    return this.#rooms.identity(user);
  }

  /** Carries out a room command of `connection` (`room_commands.ts`). */
  handle(connection: M, command: RoomsCommand): void {
    this.#commands.handle(connection, command);
  }

  // --- Helpers ---

  /** Sends room history said since the account was last seen, one run per room. */
  async #catchUp(user: M, account: string, rooms: RoomRecord[]): Promise<void> {
    const store = this.#rooms.store;
    if (store === undefined || !user.extensions.has("history")) return;
    try {
      const since = (await store.account(account))?.lastSeen;
      for (const record of rooms) {
        const now = this.#rooms.nowMs();
        const page = await store.history(roomKey(record.name), CATCH_UP_MAX, now, since);
        if (user.closing || page.entries.length === 0) continue;
        this.#rooms.out.deliver([user], historyRun(page, record.name, this.#replyBytes));
      }
    } catch (error) {
      this.#rooms.storeFailed("read room history", error as Error);
    }
  }

  /**
   * Gives the restrictions set at another node on a user of this one the address it connects
   * from (that node could not know it), so that it holds when the user comes back as a guest.
   */
  #fillAddresses(key: string, record: RoomRecord): void {
    let filled = false;
    for (const each of record.restrictions) {
      if (each.address !== undefined) continue;
      const user = each.account === undefined ? this.#rooms.core?.find(each.nickname) : undefined;
      const address = each.account !== undefined
        ? this.#rooms.addressOf(each.account)
        : user !== undefined && !user.remote && user.account === undefined
        ? user.ip
        : undefined;
      if (address === undefined) continue;
      each.address = address;
      filled = true;
    }
    if (filled) this.#rooms.save(key, record);
  }
}
