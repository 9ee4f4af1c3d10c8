/**
 * The rooms feature: kept rooms with owners, topics, private rooms, invitations, roles, bans and
 * mutes, beside the chat core (which asks it through `RoomHooks` and which it acts through). It
 * keeps each room's record (`room_record.ts`) in the store, and tells the other nodes of a
 * cluster of every change (`publish`; they `hear` it). Times come from `now`; a timer ends timed
 * bans and mutes. It stays whole (over 450 lines) so that every room rule, and every refusal's
 * wording, reads in one place; the record and its pure checks are a module of their own, and so
 * are the replies built from a record (`room_replies.ts`) and who someone is for the rules
 * (`identities.ts`, read as a hostile user would try it).
 *
 * @module
 */

import { MODERATE_ACTIONS, type ServerMessage } from "../../protocol.ts";
import { hasControls } from "../common/text.ts";
import type { ChatCore } from "../core/chat.ts";
import { eventLine } from "../core/console_lines.ts";
import type { Member, Outbound, RoomHooks, RoomsCommand } from "../core/types.ts";
import { nicknameKey, roomKey, roomProblem } from "../protocol/values.ts";
import type { Store } from "../store/store.ts";
import { historyRun } from "../accounts/replies.ts";
import { bansReply, roomInfo } from "./room_replies.ts";
import { Identities } from "./identities.ts";
import {
  type Identity,
  MAX_INVITATIONS,
  MAX_KEPT_MEMBERS,
  MAX_KEPT_ROOMS,
  MAX_MINUTES,
  MAX_OWNED_ROOMS,
  MAX_REASON_CHARS,
  MAX_RESTRICTIONS,
  MAX_TOPIC_CHARS,
  newRecord,
  readRecord,
  type Restriction,
  restrictionOf,
  roleOf,
  type RoomRecord,
  sameRestriction,
  untilText,
} from "./room_record.ts";

/** Room history shown to a kept member coming back, at most (per room). */
const CATCH_UP_MAX = 50;

/** How the feature is set up. */
export interface RoomRulesOptions<M extends Member> {
  /** Where deliveries go. */
  out: Outbound<M>;
  /** Where room records are kept; none: nothing outlasts the process. */
  store?: Store;
  /** Console lines. */
  log: (line: string) => void;
  /** The clock. */
  now?: () => Date;
  /**
   * The nickname of the account `nickname` is (in any case), or undefined when it is none: to
   * invite or ban an account that is away, and to know a user of another node's account.
   */
  accountName?: (nickname: string) => string | undefined;
  /** Whether an account is a server operator, who moderates every room (false by default). */
  isOperator?: (account: string) => boolean;
  /**
   * Tells the other nodes of a cluster that room `key` changed (`data` undefined: gone), that
   * `out` must leave it, or that `invite`, a guest of another node, is invited into it.
   */
  publish?: (key: string, data: string | undefined, out?: string, invite?: string) => void;
  /** Most bytes of catch-up history sent at once. */
  replyBytes?: number;
}

/** The rooms feature. */
export class RoomRules<M extends Member> implements RoomHooks<M> {
  readonly #out: Outbound<M>;
  readonly #store: Store | undefined;
  readonly #log: (line: string) => void;
  readonly #now: () => Date;
  readonly #isOperator: (account: string) => boolean;
  readonly #accountName: (nickname: string) => string | undefined;
  readonly #publish: RoomRulesOptions<M>["publish"];
  readonly #replyBytes: number;
  readonly #records = new Map<string, RoomRecord>();
  /**
   * Guests invited, by room key: the very connections invited (so that taking their nickname
   * after they left lets nobody in).
   */
  readonly #guestInvites = new Map<string, Set<M>>();
  readonly #identities: Identities<M>;
  #core: ChatCore<M> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Creates the feature; `attach` gives it the core. */
  constructor(options: RoomRulesOptions<M>) {
    this.#out = options.out;
    this.#store = options.store;
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
    this.#isOperator = options.isOperator ?? (() => false);
    this.#accountName = options.accountName ?? (() => undefined);
    this.#identities = new Identities(this.#accountName);
    this.#publish = options.publish;
    this.#replyBytes = options.replyBytes ?? 16 * 1024;
  }

  /** Acts through `core` from now on. */
  attach(core: ChatCore<M>): void {
    this.#core = core;
  }

  /** Reads the kept rooms from the store. */
  async load(): Promise<void> {
    if (this.#store === undefined) return;
    for (const { key, data } of await this.#store.rooms()) {
      const record = readRecord(data);
      if (record !== undefined) this.#records.set(key, record);
    }
    this.#schedule();
  }

  /** Stops the timer of timed bans and mutes. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Another node changed room `key` (`data` undefined: gone), asks that `out` leave it, or
   * invited `invite`, a guest of this node, into it.
   */
  hear(key: string, data: string | undefined, out?: string, invite?: string): void {
    const before = this.#records.get(key);
    const record = data === undefined ? undefined : readRecord(data);
    if (record === undefined) this.#records.delete(key);
    else this.#records.set(key, record);
    const user = this.#core?.find(out ?? invite ?? "");
    if (out !== undefined && user !== undefined && !user.remote) {
      this.#core!.putOut(user, record?.name ?? key);
    }
    if (invite !== undefined && user !== undefined && !user.remote && user.account === undefined) {
      this.#inviteGuest(key, user);
    }
    if (record !== undefined) {
      // Timed bans and mutes the other node found ended: this node's users are told here.
      if (before !== undefined) {
        this.#tellEnded(
          record,
          before.restrictions.filter((each) =>
            this.#ended(each) && !record.restrictions.some((kept) => sameRestriction(each, kept))
          ),
        );
      }
      this.#fillAddresses(key, record);
      // Whatever this node saw of the room when the ban was set, its banned users leave.
      this.#putOutBanned(record);
    }
    this.#schedule();
  }

  // --- RoomHooks ---

  joinProblem(user: M, room: string): string | undefined {
    const record = this.#records.get(roomKey(room));
    if (record === undefined) return undefined;
    const who = this.#identity(user);
    const ban = restrictionOf(record, "ban", who, this.#nowMs());
    if (ban !== undefined && !this.#operator(who)) {
      return `You are banned from ${record.name}${untilText(ban)}` +
        (ban.reason ? `: ${ban.reason}` : "");
    }
    if (record.private && !this.#mayEnter(record, who, user)) {
      return `${record.name} is private: ask a member to /invite you`;
    }
    if (who.account !== undefined && roleOf(record, who) === undefined) {
      const kept = this.#keptRooms(who.account);
      if (kept >= MAX_KEPT_ROOMS) {
        return `You are kept in ${kept} rooms, the most there may be: /leave one first`;
      }
    }
    return undefined;
  }

  speakProblem(user: M, room: string): string | undefined {
    const record = this.#records.get(roomKey(room));
    if (record === undefined) return undefined;
    const who = this.#identity(user);
    // A moderator muted by the owner is muted too.
    const muted = this.#muted(record, who);
    if (muted !== undefined || !record.moderated || this.#moderates(record, who)) return muted;
    return `${record.name} is moderated: only its owner and moderators may speak`;
  }

  visible(user: M, room: string): boolean {
    const record = this.#records.get(roomKey(room));
    if (record === undefined || !record.private) return true;
    const who = this.#identity(user);
    return this.#mayEnter(record, who, user) || this.#core?.roomOf(user, room) !== undefined;
  }

  joined(user: M, room: string, made: boolean): void {
    const key = roomKey(room);
    let record = this.#records.get(key);
    const account = user.account;
    // The record is written (and told to the other nodes) only when the join changed it: a
    // guest's join, or a kept member's second connection, changes nothing kept.
    let changed = record === undefined;
    if (record === undefined) {
      if (account === undefined) return;
      const owned = made && this.#owned(account) < MAX_OWNED_ROOMS;
      record = newRecord(room, owned ? { key: account, nickname: user.nickname! } : undefined);
    }
    this.#guestInvites.get(key)?.delete(user);
    if (account !== undefined) changed = this.#keepJoiner(record, account, user) || changed;
    if (changed) this.#save(key, record);
    this.#tellJoined([user], record);
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
    const record = this.#records.get(key);
    if (record === undefined || user.account === undefined) return;
    // The owner stays owner, out of the room until it joins again; anyone else is no longer kept.
    if (record.owner === user.account) {
      const kept = record.members[user.account];
      record.members[user.account] = { nickname: kept?.nickname ?? user.nickname!, role: "owner" };
      record.members[user.account].left = true;
      this.#save(key, record);
      return;
    }
    delete record.members[user.account];
    if (record.owner === undefined && Object.keys(record.members).length === 0) {
      // A room of guests' making that kept its last account: as before, gone when empty.
      this.#forget(key);
    } else this.#save(key, record);
  }

  registered(user: M): void {
    const account = user.account;
    this.#identities.registered(user);
    if (account === undefined) return;
    const rooms = [...this.#records.values()].filter((record) =>
      record.members[account] !== undefined && !record.members[account].left
    );
    for (const record of rooms) {
      this.#core?.putIn(user, record.name);
      this.#tellJoined([user], record);
    }
    this.#tellInvitations(user, account);
    if (rooms.length > 0) void this.#catchUp(user, account, rooms);
  }

  attached(connection: M): void {
    const account = this.#identity(connection).account;
    for (const name of this.#core?.roomsOf(connection) ?? []) {
      const record = this.#records.get(roomKey(name));
      if (record !== undefined) this.#tellJoined([connection], record, true);
    }
    if (account !== undefined) this.#tellInvitations(connection, account, true);
  }

  /**
   * Why account `account` may not be given up (`/unregister`), or undefined when it may: it owns
   * rooms, which must be handed over or closed first.
   */
  unregisterProblem(account: string): string | undefined {
    const owned = [...this.#records.values()].filter((record) => record.owner === account)
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
    for (const [key, record] of [...this.#records]) {
      if (record.members[account] === undefined && record.invited[account] === undefined) continue;
      if (record.owner === account) continue;
      delete record.members[account];
      delete record.invited[account];
      if (record.owner === undefined && Object.keys(record.members).length === 0) {
        this.#forget(key);
      } else this.#save(key, record);
    }
  }

  kept(): { room: string; topic?: string }[] {
    return [...this.#records.values()].map((record) => ({ room: record.name }));
  }

  topic(room: string): string | undefined {
    return this.#records.get(roomKey(room))?.topic || undefined;
  }

  /** The kept record of `room`, when it has one, to be read only (the IRC listener shows it). */
  record(room: string): Readonly<RoomRecord> | undefined {
    return this.#records.get(roomKey(room));
  }

  /** Who `user` is to the rooms' rules, to be read only (the IRC listener shows roles and mutes). */
  identity(user: M): Identity {
    return this.#identity(user);
  }

  // --- Commands ---

  /** Carries out a room command of `connection`. */
  handle(connection: M, command: RoomsCommand): void {
    const core = this.#core!;
    if (connection.nickname === undefined) {
      this.#out.refuse(connection, 'Not registered: send a "nickname" message first');
      return;
    }
    const user = core.userOf(connection);
    const problem = roomProblem(command.room);
    if (problem !== undefined) return this.#refuse(connection, problem);
    const key = roomKey(command.room);
    const record = this.#records.get(key);
    const inRoom = core.roomOf(user, command.room) !== undefined;
    if (record === undefined || (!inRoom && !this.visible(user, command.room))) {
      if (record === undefined && inRoom) {
        return this.#refuse(
          connection,
          `${core.roomOf(user, command.room)} is a room of guests: it has no owner or settings`,
        );
      }
      return this.#refuse(connection, `No such room ${JSON.stringify(command.room)}`);
    }
    const who = this.#identity(user);
    switch (command.kind) {
      case "topic":
        return this.#topic(connection, user, who, key, record, command.topic);
      case "invite":
        return this.#invite(connection, user, who, key, record, command.nickname);
      case "moderate":
        return this.#moderate(connection, user, who, key, record, command);
      case "settings":
        return this.#settings(connection, user, who, key, record, command.setting, command.value);
      case "bans":
        if (!this.#moderates(record, who)) {
          return this.#refuse(
            connection,
            `Only the owner or a moderator of ${record.name} can see its bans`,
          );
        }
        this.#out.deliver([connection], [bansReply(record, this.#nowMs())]);
    }
  }

  #topic(
    connection: M,
    user: M,
    who: Identity,
    key: string,
    record: RoomRecord,
    topic: string | undefined,
  ): void {
    if (topic === undefined) {
      this.#out.deliver([connection], [{ type: "topic", room: record.name, topic: record.topic }]);
      return;
    }
    const may = record.topicBy === "members"
      ? this.#core!.roomOf(user, record.name) !== undefined || roleOf(record, who) !== undefined
      : this.#moderates(record, who);
    if (!may) {
      const whom = record.topicBy === "members" ? "a member" : "the owner or a moderator";
      return this.#refuse(connection, `Only ${whom} of ${record.name} can set its topic`);
    }
    // Setting the topic is speaking to the room.
    const muted = this.#muted(record, who);
    if (muted !== undefined) return this.#refuse(connection, muted);
    if (topic.length > MAX_TOPIC_CHARS) {
      return this.#refuse(connection, `A topic may have at most ${MAX_TOPIC_CHARS} characters`);
    }
    if (hasControls(topic)) {
      return this.#refuse(connection, "A topic must not contain control characters");
    }
    record.topic = topic;
    this.#save(key, record);
    this.#logAction(user, record, who, `set the topic of ${record.name}`);
    this.#tellRoom(record, {
      type: "topic",
      room: record.name,
      topic,
      by: user.nickname!,
      timestamp: this.#stamp(),
    }, [connection]);
  }

  #invite(
    connection: M,
    user: M,
    who: Identity,
    key: string,
    record: RoomRecord,
    nickname: string,
  ): void {
    const inRoom = this.#core!.roomOf(user, record.name) !== undefined;
    const may = this.#moderates(record, who) || (record.invite === "members" && inRoom);
    if (!may) {
      const whom = record.invite === "moderators" ? "the owner or a moderator" : "a member";
      return this.#refuse(connection, `Only ${whom} of ${record.name} can invite`);
    }
    const target = this.#core!.find(nickname);
    const account = target === undefined
      ? this.#awayAccount(nickname)
      : this.#identity(target).account;
    if (target === undefined && account === undefined) {
      return this.#refuse(connection, `No such user ${JSON.stringify(nickname)}`);
    }
    if (target !== undefined && this.#core!.roomOf(target, record.name) !== undefined) {
      return this.#refuse(connection, `${target.nickname} is in ${record.name} already`);
    }
    if (account !== undefined) {
      if (Object.keys(record.invited).length >= MAX_INVITATIONS) {
        return this.#refuse(
          connection,
          `${record.name} has ${MAX_INVITATIONS} invitations waiting, the most there may be`,
        );
      }
      record.invited[account] = user.nickname!;
      this.#save(key, record);
    } else if (target!.remote) {
      // A guest of another node: its node holds the invitation for its connection.
      this.#publish?.(key, JSON.stringify(record), undefined, target!.nickname);
    } else if (!this.#inviteGuest(key, target!)) {
      return this.#refuse(
        connection,
        `${record.name} has ${MAX_INVITATIONS} invitations waiting, the most there may be`,
      );
    }
    const shown = target?.nickname ?? this.#accountName(nickname) ?? nickname;
    this.#logAction(user, record, who, `invited ${shown} to ${record.name}`);
    if (target !== undefined) this.#tellUser(target, this.#invited(record, user.nickname!));
    this.#out.deliver([connection], [{
      type: "moderated",
      room: record.name,
      action: "invite",
      nickname: shown,
      by: user.nickname!,
      timestamp: this.#stamp(),
    }]);
  }

  #moderate(
    connection: M,
    user: M,
    who: Identity,
    key: string,
    record: RoomRecord,
    command: Extract<RoomsCommand, { kind: "moderate" }>,
  ): void {
    const action = command.action as typeof MODERATE_ACTIONS[number];
    if (!MODERATE_ACTIONS.includes(action)) {
      return this.#refuse(
        connection,
        `Unknown action ${JSON.stringify(command.action)}: use ${MODERATE_ACTIONS.join(", ")}`,
      );
    }
    const ownerOnly = action === "op" || action === "deop";
    if (ownerOnly ? !this.#owns(record, who) : !this.#moderates(record, who)) {
      const whom = ownerOnly ? "the owner" : "the owner or a moderator";
      return this.#refuse(connection, `Only ${whom} of ${record.name} can ${action}`);
    }
    const { minutes, reason } = command;
    if (minutes !== undefined && (!(minutes > 0) || minutes > MAX_MINUTES)) {
      return this.#refuse(connection, `Give minutes from more than 0 to ${MAX_MINUTES}`);
    }
    if (reason !== undefined && reason.length > MAX_REASON_CHARS) {
      return this.#refuse(connection, `A reason may have at most ${MAX_REASON_CHARS} characters`);
    }
    if (reason !== undefined && hasControls(reason)) {
      return this.#refuse(connection, "A reason must not contain control characters");
    }
    const target = this.#core!.find(command.nickname);
    const targetWho: Identity | undefined = target === undefined
      ? this.#awayIdentity(record, command.nickname)
      : this.#identity(target);
    if (targetWho === undefined) {
      return this.#refuse(connection, `No such user ${JSON.stringify(command.nickname)}`);
    }
    const shown = target?.nickname ?? record.members[targetWho.account ?? ""]?.nickname ??
      this.#accountName(command.nickname) ?? command.nickname;
    const targetRole = roleOf(record, targetWho);
    if (targetRole === "owner" && action !== "unban" && action !== "unmute") {
      return this.#refuse(connection, `${shown} owns ${record.name}: nobody can ${action} them`);
    }
    if (targetRole === "moderator" && !this.#owns(record, who) && action !== "op") {
      return this.#refuse(connection, `Only the owner of ${record.name} can ${action} a moderator`);
    }
    const inRoom = target !== undefined && this.#core!.roomOf(target, record.name) !== undefined;
    const until = minutes === undefined ? undefined : this.#nowMs() + minutes * 60_000;
    switch (action) {
      case "kick":
        // Another node's user: its node knows best whether it is in the room.
        if (!inRoom && !target?.remote) {
          return this.#refuse(connection, `${shown} is not in ${record.name}`);
        }
        break;
      case "op":
      case "deop": {
        if (targetWho.account === undefined) {
          return this.#refuse(connection, `${shown} is a guest: only accounts can be moderators`);
        }
        if (action === "op" && record.members[targetWho.account] === undefined) {
          return this.#refuse(connection, `${shown} is not a member of ${record.name}`);
        }
        if (action === "deop" && targetRole !== "moderator") {
          return this.#refuse(connection, `${shown} is not a moderator of ${record.name}`);
        }
        record.members[targetWho.account].role = action === "op" ? "moderator" : "member";
        break;
      }
      case "ban":
      case "mute": {
        const kind = action;
        record.restrictions = record.restrictions.filter((each) =>
          !(each.kind === kind && this.#same(each, targetWho)) && !this.#ended(each)
        );
        if (record.restrictions.length >= MAX_RESTRICTIONS) {
          return this.#refuse(
            connection,
            `${record.name} has ${MAX_RESTRICTIONS} bans and mutes, the most there may be: ` +
              "/unban someone first",
          );
        }
        // An account that is away here may be connected under another name, logged out.
        const address = targetWho.address ||
          (targetWho.account === undefined ? undefined : this.#addressOf(targetWho.account));
        const restriction: Restriction = {
          kind,
          nickname: shown,
          by: user.nickname!,
          ...(targetWho.account === undefined
            ? { nickKey: targetWho.nickKey }
            : { account: targetWho.account }),
          // Another node's user: its node fills the address in (see `#fillAddresses`).
          ...(address === undefined ? {} : { address }),
          ...(reason ? { reason } : {}),
          ...(until === undefined ? {} : { until }),
        };
        record.restrictions.push(restriction);
        if (kind === "ban" && targetWho.account !== undefined) {
          delete record.members[targetWho.account];
          delete record.invited[targetWho.account];
        }
        break;
      }
      case "unban":
      case "unmute": {
        const kind = action === "unban" ? "ban" : "mute";
        const before = record.restrictions.length;
        record.restrictions = record.restrictions.filter((each) =>
          !(each.kind === kind && this.#same(each, targetWho))
        );
        if (record.restrictions.length === before) {
          return this.#refuse(connection, `${shown} is not ${kind}ned in ${record.name}`);
        }
        break;
      }
    }
    if (action === "kick" && targetWho.account !== undefined && targetRole === "member") {
      delete record.members[targetWho.account];
    }
    this.#save(key, record);
    this.#logAction(
      user,
      record,
      who,
      `${action} ${shown} in ${record.name}${reason ? `: ${reason}` : ""}`,
    );
    this.#tellRoom(record, {
      type: "moderated",
      room: record.name,
      action,
      nickname: shown,
      by: user.nickname!,
      ...(reason ? { reason } : {}),
      ...(until === undefined ? {} : { until: new Date(until).toISOString() }),
      timestamp: this.#stamp(),
    }, [connection, ...(target === undefined ? [] : [target])]);
    if ((action === "kick" || action === "ban") && (inRoom || target?.remote)) {
      this.#putOut(key, target!, record);
    }
    // Whoever else the ban holds against leaves too (the account under another name, a guest
    // from the banned address).
    if (action === "ban") this.#putOutBanned(record);
    if (until !== undefined) this.#schedule();
    // Its target too: at another node, it may be in the room before this node has heard so.
    if (action === "op" || action === "deop") {
      this.#tellRoom(record, this.#info(record), target === undefined ? [] : [target]);
    }
  }

  #settings(
    connection: M,
    user: M,
    who: Identity,
    key: string,
    record: RoomRecord,
    setting: string,
    value: string | undefined,
  ): void {
    if (setting === "show") {
      this.#out.deliver([connection], [this.#info(record)]);
      return;
    }
    const ownerOnly = setting === "owner" || setting === "close";
    if (ownerOnly ? !this.#owns(record, who) : !this.#moderates(record, who)) {
      const whom = ownerOnly ? "the owner" : "the owner or a moderator";
      return this.#refuse(connection, `Only ${whom} of ${record.name} can change ${setting}`);
    }
    let said: string;
    switch (setting) {
      case "private":
      case "public":
        record.private = setting === "private";
        said = `${record.name} is now ${setting}`;
        break;
      case "moderated":
      case "unmoderated":
        record.moderated = setting === "moderated";
        said = `${record.name} is now ${setting}`;
        break;
      case "invite":
      case "topic": {
        if (value !== "members" && value !== "moderators") {
          return this.#refuse(connection, `Say who may ${setting}: members or moderators`);
        }
        if (setting === "invite") record.invite = value;
        else record.topicBy = value;
        said = `${value} may ${setting === "invite" ? "invite" : "set the topic"}`;
        break;
      }
      case "owner": {
        const account = value === undefined ? undefined : nicknameKey(value);
        const next = account === undefined ? undefined : record.members[account];
        if (account === undefined || next === undefined) {
          return this.#refuse(
            connection,
            `Name an account that is a member of ${record.name} to hand it over`,
          );
        }
        if (account !== record.owner && this.#owned(account) >= MAX_OWNED_ROOMS) {
          return this.#refuse(
            connection,
            `${next.nickname} owns ${MAX_OWNED_ROOMS} rooms already, the most there may be`,
          );
        }
        const old = record.owner!;
        // The old owner moderates it, unless it had left it.
        if (record.members[old]?.left) delete record.members[old];
        else if (record.members[old] !== undefined) record.members[old].role = "moderator";
        record.owner = account;
        next.role = "owner";
        said = `${next.nickname} owns ${record.name} now`;
        break;
      }
      case "close": {
        this.#forget(key);
        // A room made later under its name must not show what was said in this one.
        this.#store?.forgetHistory(key).catch((error: Error) =>
          this.#log(`Store: cannot forget the history of ${record.name}: ${error.message}`)
        );
        this.#tellRoom(record, {
          type: "moderated",
          room: record.name,
          action: "close",
          nickname: record.name,
          by: user.nickname!,
          timestamp: this.#stamp(),
        }, [connection]);
        for (const member of [...this.#core!.membersOf(record.name)]) {
          this.#putOut(key, member, undefined);
        }
        this.#logAction(user, record, who, `closed ${record.name}`);
        return;
      }
      default:
        return this.#refuse(
          connection,
          `Unknown setting ${JSON.stringify(setting)}: use private, public, invite, topic, ` +
            "moderated, unmoderated, owner, close or show",
        );
    }
    this.#save(key, record);
    this.#logAction(user, record, who, said);
    this.#tellRoom(record, this.#info(record), [connection]);
  }

  // --- Helpers ---

  /** Sends room history said since the account was last seen, one run per room. */
  async #catchUp(user: M, account: string, rooms: RoomRecord[]): Promise<void> {
    if (this.#store === undefined || !user.extensions.has("history")) return;
    try {
      const since = (await this.#store.account(account))?.lastSeen;
      for (const record of rooms) {
        const now = this.#nowMs();
        const page = await this.#store.history(roomKey(record.name), CATCH_UP_MAX, now, since);
        if (user.closing || page.entries.length === 0) continue;
        this.#out.deliver([user], historyRun(page, record.name, this.#replyBytes));
      }
    } catch (error) {
      this.#log(`Store: cannot read room history: ${(error as Error).message}`);
    }
  }

  /** Keeps `record` (in the store and on the other nodes). */
  #save(key: string, record: RoomRecord): void {
    this.#records.set(key, record);
    const data = JSON.stringify(record);
    this.#store?.putRoom(key, data).catch((error: Error) =>
      this.#log(`Store: cannot keep room ${record.name}: ${error.message}`)
    );
    this.#publish?.(key, data);
  }

  /** Forgets room `key` (here, in the store and on the other nodes). */
  #forget(key: string): void {
    this.#records.delete(key);
    this.#guestInvites.delete(key);
    this.#store?.deleteRoom(key).catch((error: Error) =>
      this.#log(`Store: cannot forget room ${key}: ${error.message}`)
    );
    this.#publish?.(key, undefined);
  }

  /** Takes `user` out of the room: here, or at its node. */
  #putOut(key: string, user: M, record: RoomRecord | undefined): void {
    if (user.remote) {
      this.#publish?.(
        key,
        record === undefined ? undefined : JSON.stringify(record),
        user.nickname,
      );
    } else this.#core!.putOut(user, record?.name ?? key);
  }

  #tellRoom(record: RoomRecord, message: ServerMessage, also: M[] = []): void {
    this.#core!.tellRoom(record.name, message, also);
  }

  #tellUser(user: M, message: ServerMessage): void {
    this.#core!.tellRoom(undefined, message, [user]);
  }

  #info(record: RoomRecord): ServerMessage {
    const present = [...this.#core!.membersOf(record.name)].map((member) => ({
      nickname: member.nickname!,
      who: this.#identity(member),
    }));
    return roomInfo(record, present, this.#nowMs());
  }

  /** Tells `users` (all their connections, or only these with `only`) of a room joined. */
  #tellJoined(users: M[], record: RoomRecord, only = false): void {
    const messages: ServerMessage[] = [this.#info(record)];
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
  #tellInvitations(user: M, account: string, only = false): void {
    for (const record of this.#records.values()) {
      const by = record.invited[account];
      if (by === undefined) continue;
      if (!only) this.#tellUser(user, this.#invited(record, by));
      else if (user.extensions.has("invited")) {
        this.#out.deliver([user], [this.#invited(record, by)]);
      }
    }
  }

  /**
   * Lets guest `user` (a connection of this node) into room `key`; false when the room has the
   * most invitations there may be (those of guests gone since are forgotten first).
   */
  #inviteGuest(key: string, user: M): boolean {
    let guests = this.#guestInvites.get(key);
    if (guests === undefined) this.#guestInvites.set(key, guests = new Set());
    for (const guest of guests) if (guest.closing) guests.delete(guest);
    if (guests.size >= MAX_INVITATIONS) return false;
    guests.add(user);
    return true;
  }

  /** Why `who` may not speak in `record` for a mute, or undefined (an operator never is). */
  #muted(record: RoomRecord, who: Identity): string | undefined {
    const mute = this.#operator(who)
      ? undefined
      : restrictionOf(record, "mute", who, this.#nowMs());
    return mute === undefined ? undefined : `You are muted in ${record.name}${untilText(mute)}` +
      (mute.reason ? `: ${mute.reason}` : "");
  }

  /** Puts out of `record`'s room this node's users that one of its bans holds against. */
  #putOutBanned(record: RoomRecord): void {
    const now = this.#nowMs();
    for (const member of [...(this.#core?.membersOf(record.name) ?? [])]) {
      if (member.remote) continue;
      const who = this.#identity(member);
      if (this.#operator(who) || restrictionOf(record, "ban", who, now) === undefined) continue;
      this.#core!.putOut(member, record.name);
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
      const user = each.account === undefined ? this.#core?.find(each.nickname) : undefined;
      const address = each.account !== undefined
        ? this.#addressOf(each.account)
        : user !== undefined && !user.remote && user.account === undefined
        ? user.ip
        : undefined;
      if (address === undefined) continue;
      each.address = address;
      filled = true;
    }
    if (filled) this.#save(key, record);
  }

  /**
   * Tells this node's users in `record`'s room (and those restricted) that `ended` are over: each
   * node tells its own, so that nobody is told twice.
   */
  #tellEnded(record: RoomRecord, ended: Restriction[]): void {
    const here = [...(this.#core?.membersOf(record.name) ?? [])].filter((each) => !each.remote);
    for (const each of ended) {
      const target = this.#core?.find(each.nickname);
      this.#core?.tellRoom(undefined, {
        type: "moderated",
        room: record.name,
        action: each.kind === "ban" ? "unban" : "unmute",
        nickname: each.nickname,
        reason: "time is up",
        timestamp: this.#stamp(),
      }, target === undefined || target.remote ? here : [...here, target]);
    }
  }

  /** A console line of `user`'s action in `record`, marked when only an operator may do it. */
  #logAction(user: M, record: RoomRecord, who: Identity, text: string): void {
    const role = roleOf(record, who);
    const asOperator = this.#operator(who) && role !== "owner" &&
      (role !== "moderator" || record.owner === undefined);
    const actor = `${user.nickname}${asOperator ? " (operator)" : ""}`;
    this.#log(eventLine(this.#now(), `${actor}: ${text}.`));
  }

  #invited(record: RoomRecord, by: string): ServerMessage {
    return { type: "invited", room: record.name, by, timestamp: this.#stamp() };
  }

  #identity(user: M): Identity {
    return this.#identities.of(user);
  }

  /** The address of a user of this node that is, or was, logged in to `account`, if any. */
  #addressOf(account: string): string | undefined {
    return this.#identities.addressOf(account, this.#core?.members() ?? []);
  }

  /** An account that is away, by its nickname, for a restriction or invitation. */
  #awayAccount(nickname: string): string | undefined {
    const key = nicknameKey(nickname);
    if (this.#accountName(nickname) !== undefined) return key;
    for (const record of this.#records.values()) if (record.members[key]) return key;
    return undefined;
  }

  #awayIdentity(record: RoomRecord, nickname: string): Identity | undefined {
    const key = nicknameKey(nickname);
    const account = record.members[key] ? key : this.#awayAccount(nickname);
    if (account !== undefined) return { account, nickKey: key, address: "", guest: false };
    // An earlier restriction on a guest, to lift it.
    const guest = record.restrictions.find((each) => each.nickKey === key);
    return guest === undefined ? undefined : { nickKey: key, address: "", guest: true };
  }

  #same(restriction: Restriction, who: Identity): boolean {
    return who.account !== undefined
      ? restriction.account === who.account
      : restriction.nickKey === who.nickKey;
  }

  #mayEnter(record: RoomRecord, who: Identity, user: M): boolean {
    if (this.#operator(who) || roleOf(record, who) !== undefined) return true;
    if (who.account !== undefined && record.invited[who.account] !== undefined) return true;
    return this.#guestInvites.get(roomKey(record.name))?.has(user) === true;
  }

  #operator(who: Identity): boolean {
    return who.account !== undefined && this.#isOperator(who.account);
  }

  #owns(record: RoomRecord, who: Identity): boolean {
    return this.#operator(who) || (record.owner !== undefined && record.owner === who.account);
  }

  #moderates(record: RoomRecord, who: Identity): boolean {
    const role = roleOf(record, who);
    return this.#operator(who) || (record.owner !== undefined &&
      (role === "owner" || role === "moderator"));
  }

  #owned(account: string): number {
    return [...this.#records.values()].filter((record) => record.owner === account).length;
  }

  #keptRooms(account: string): number {
    return [...this.#records.values()].filter((record) => record.members[account]).length;
  }

  #ended(restriction: Restriction): boolean {
    return restriction.until !== undefined && restriction.until <= this.#nowMs();
  }

  /**
   * Ends the timed bans and mutes that are over, telling this node's users of their rooms; then
   * waits for the next.
   */
  #sweep(): void {
    this.#timer = undefined;
    for (const [key, record] of this.#records) {
      const ended = record.restrictions.filter((each) => this.#ended(each));
      if (ended.length === 0) continue;
      record.restrictions = record.restrictions.filter((each) => !this.#ended(each));
      this.#save(key, record);
      this.#tellEnded(record, ended);
    }
    this.#schedule();
  }

  #schedule(): void {
    let next = Infinity;
    for (const record of this.#records.values()) {
      for (const each of record.restrictions) {
        if (each.until !== undefined) next = Math.min(next, each.until);
      }
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (next === Infinity) return;
    const wait = Math.max(0, Math.min(next - this.#nowMs(), 2 ** 31 - 1));
    this.#timer = setTimeout(() => this.#sweep(), wait);
    Deno.unrefTimer(this.#timer);
  }

  #refuse(connection: M, message: string): void {
    this.#out.refuse(connection, message);
  }

  #nowMs(): number {
    return this.#now().getTime();
  }

  #stamp(): string {
    return this.#now().toISOString();
  }
}
