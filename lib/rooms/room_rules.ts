/**
 * The rooms feature: kept rooms with owners, topics, private rooms, invitations, roles, bans and
 * mutes, beside the chat core (which asks it through `RoomHooks` and which it acts through): the
 * hooks the core calls, what a node hears from the others (`hear`), and the room commands people
 * type with their refusals. The kept rooms and the acts on them are `room_state.ts`, the timer of
 * timed bans and mutes `room_timer.ts`, a room's record and its pure checks `room_record.ts`, the
 * replies built from a record `room_replies.ts` and who someone is for the rules `identities.ts`.
 *
 * @module
 */

import { MODERATE_ACTIONS } from "../../protocol.ts";
import { hasControls } from "../common/text.ts";
import type { ChatCore } from "../core/chat.ts";
import type { Member, RoomHooks, RoomsCommand } from "../core/types.ts";
import { nicknameKey, roomKey, roomProblem } from "../protocol/values.ts";
import { historyRun } from "../accounts/replies.ts";
import { bansReply } from "./room_replies.ts";
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
  readonly #replyBytes: number;

  /** Creates the feature; `attach` gives it the core. */
  constructor(options: RoomRulesOptions<M>) {
    this.#rooms = new RoomState(options);
    this.#timer = new RoomTimer(this.#rooms);
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
      if (record !== undefined) this.#rooms.records.set(key, record);
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

  joined(user: M, room: string, made: boolean): void {
    const key = roomKey(room);
    let record = this.#rooms.records.get(key);
    const account = user.account;
    // The record is written (and told to the other nodes) only when the join changed it: a
    // guest's join, or a kept member's second connection, changes nothing kept.
    let changed = record === undefined;
    if (record === undefined) {
      if (account === undefined) return;
      const owned = made && this.#rooms.owned(account) < MAX_OWNED_ROOMS;
      record = newRecord(room, owned ? { key: account, nickname: user.nickname! } : undefined);
    }
    this.#rooms.guestCame(key, user);
    if (account !== undefined) changed = this.#keepJoiner(record, account, user) || changed;
    if (changed) this.#rooms.save(key, record);
    this.#rooms.tellJoined([user], record);
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
    if (record.owner === undefined && Object.keys(record.members).length === 0) {
      // A room of guests' making that kept its last account: as before, gone when empty.
      this.#rooms.forget(key);
    } else this.#rooms.save(key, record);
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
      if (record.owner === undefined && Object.keys(record.members).length === 0) {
        this.#rooms.forget(key);
      } else this.#rooms.save(key, record);
    }
  }

  kept(): { room: string; topic?: string }[] {
    return [...this.#rooms.records.values()].map((record) => ({ room: record.name }));
  }

  topic(room: string): string | undefined {
    return this.#rooms.records.get(roomKey(room))?.topic || undefined;
  }

  // --- Commands ---

  /** Carries out a room command of `connection`. */
  handle(connection: M, command: RoomsCommand): void {
    const rooms = this.#rooms;
    const core = rooms.core!;
    if (connection.nickname === undefined) {
      rooms.out.refuse(connection, 'Not registered: send a "nickname" message first');
      return;
    }
    const user = core.userOf(connection);
    const problem = roomProblem(command.room);
    if (problem !== undefined) return rooms.refuse(connection, problem);
    const key = roomKey(command.room);
    const record = rooms.records.get(key);
    const inRoom = core.roomOf(user, command.room) !== undefined;
    if (record === undefined || (!inRoom && !rooms.visible(user, command.room))) {
      if (record === undefined && inRoom) {
        return rooms.refuse(
          connection,
          `${core.roomOf(user, command.room)} is a room of guests: it has no owner or settings`,
        );
      }
      return rooms.refuse(connection, `No such room ${JSON.stringify(command.room)}`);
    }
    const who = rooms.identity(user);
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
        if (!rooms.moderates(record, who)) {
          return rooms.refuse(
            connection,
            `Only the owner or a moderator of ${record.name} can see its bans`,
          );
        }
        rooms.out.deliver([connection], [bansReply(record, rooms.nowMs())]);
    }
  }

  /** Shows or sets the topic of `record` (`topic` undefined: shows it). */
  #topic(
    connection: M,
    user: M,
    who: Identity,
    key: string,
    record: RoomRecord,
    topic: string | undefined,
  ): void {
    const rooms = this.#rooms;
    if (topic === undefined) {
      rooms.out.deliver([connection], [{ type: "topic", room: record.name, topic: record.topic }]);
      return;
    }
    const may = record.topicBy === "members"
      ? rooms.core!.roomOf(user, record.name) !== undefined || roleOf(record, who) !== undefined
      : rooms.moderates(record, who);
    if (!may) {
      const whom = record.topicBy === "members" ? "a member" : "the owner or a moderator";
      return rooms.refuse(connection, `Only ${whom} of ${record.name} can set its topic`);
    }
    // Setting the topic is speaking to the room.
    const muted = rooms.muted(record, who);
    if (muted !== undefined) return rooms.refuse(connection, muted);
    if (topic.length > MAX_TOPIC_CHARS) {
      return rooms.refuse(connection, `A topic may have at most ${MAX_TOPIC_CHARS} characters`);
    }
    if (hasControls(topic)) {
      return rooms.refuse(connection, "A topic must not contain control characters");
    }
    record.topic = topic;
    rooms.save(key, record);
    rooms.logAction(user, record, who, `set the topic of ${record.name}`);
    rooms.tellRoom(record, {
      type: "topic",
      room: record.name,
      topic,
      by: user.nickname!,
      timestamp: rooms.stamp(),
    }, [connection]);
  }

  /** Invites `nickname` (an account, or a guest connected now) into `record`. */
  #invite(
    connection: M,
    user: M,
    who: Identity,
    key: string,
    record: RoomRecord,
    nickname: string,
  ): void {
    const rooms = this.#rooms;
    const inRoom = rooms.core!.roomOf(user, record.name) !== undefined;
    const may = rooms.moderates(record, who) || (record.invite === "members" && inRoom);
    if (!may) {
      const whom = record.invite === "moderators" ? "the owner or a moderator" : "a member";
      return rooms.refuse(connection, `Only ${whom} of ${record.name} can invite`);
    }
    const target = rooms.core!.find(nickname);
    const account = target === undefined
      ? rooms.awayAccount(nickname)
      : rooms.identity(target).account;
    if (target === undefined && account === undefined) {
      return rooms.refuse(connection, `No such user ${JSON.stringify(nickname)}`);
    }
    if (target !== undefined && rooms.core!.roomOf(target, record.name) !== undefined) {
      return rooms.refuse(connection, `${target.nickname} is in ${record.name} already`);
    }
    if (account !== undefined) {
      if (Object.keys(record.invited).length >= MAX_INVITATIONS) {
        return rooms.refuse(
          connection,
          `${record.name} has ${MAX_INVITATIONS} invitations waiting, the most there may be`,
        );
      }
      record.invited[account] = user.nickname!;
      rooms.save(key, record);
    } else if (target!.remote) {
      // A guest of another node: its node holds the invitation for its connection.
      rooms.publishInvite(key, record, target!.nickname);
    } else if (!rooms.inviteGuest(key, target!)) {
      return rooms.refuse(
        connection,
        `${record.name} has ${MAX_INVITATIONS} invitations waiting, the most there may be`,
      );
    }
    const shown = target?.nickname ?? rooms.accountName(nickname) ?? nickname;
    rooms.logAction(user, record, who, `invited ${shown} to ${record.name}`);
    if (target !== undefined) rooms.tellUser(target, rooms.invited(record, user.nickname!));
    rooms.out.deliver([connection], [{
      type: "moderated",
      room: record.name,
      action: "invite",
      nickname: shown,
      by: user.nickname!,
      timestamp: rooms.stamp(),
    }]);
  }

  /** Shows or changes a setting of `record`, hands it over or closes it. */
  #settings(
    connection: M,
    user: M,
    who: Identity,
    key: string,
    record: RoomRecord,
    setting: string,
    value: string | undefined,
  ): void {
    const rooms = this.#rooms;
    if (setting === "show") {
      rooms.out.deliver([connection], [rooms.info(record)]);
      return;
    }
    const ownerOnly = setting === "owner" || setting === "close";
    if (ownerOnly ? !rooms.owns(record, who) : !rooms.moderates(record, who)) {
      const whom = ownerOnly ? "the owner" : "the owner or a moderator";
      return rooms.refuse(connection, `Only ${whom} of ${record.name} can change ${setting}`);
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
          return rooms.refuse(connection, `Say who may ${setting}: members or moderators`);
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
          return rooms.refuse(
            connection,
            `Name an account that is a member of ${record.name} to hand it over`,
          );
        }
        if (account !== record.owner && rooms.owned(account) >= MAX_OWNED_ROOMS) {
          return rooms.refuse(
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
        rooms.forget(key);
        // A room made later under its name must not show what was said in this one.
        rooms.store?.forgetHistory(key).catch((error: Error) =>
          rooms.log(`Store: cannot forget the history of ${record.name}: ${error.message}`)
        );
        rooms.tellRoom(record, {
          type: "moderated",
          room: record.name,
          action: "close",
          nickname: record.name,
          by: user.nickname!,
          timestamp: rooms.stamp(),
        }, [connection]);
        for (const member of [...rooms.core!.membersOf(record.name)]) {
          rooms.putOut(key, member, undefined);
        }
        rooms.logAction(user, record, who, `closed ${record.name}`);
        return;
      }
      default:
        return rooms.refuse(
          connection,
          `Unknown setting ${JSON.stringify(setting)}: use private, public, invite, topic, ` +
            "moderated, unmoderated, owner, close or show",
        );
    }
    rooms.save(key, record);
    rooms.logAction(user, record, who, said);
    rooms.tellRoom(record, rooms.info(record), [connection]);
  }

  /** Carries out `command` of `connection` (connected as `user`, who is `who`) in `record`. */
  #moderate(
    connection: M,
    user: M,
    who: Identity,
    key: string,
    record: RoomRecord,
    command: Extract<RoomsCommand, { kind: "moderate" }>,
  ): void {
    const rooms = this.#rooms;
    const action = command.action as typeof MODERATE_ACTIONS[number];
    if (!MODERATE_ACTIONS.includes(action)) {
      return rooms.refuse(
        connection,
        `Unknown action ${JSON.stringify(command.action)}: use ${MODERATE_ACTIONS.join(", ")}`,
      );
    }
    const ownerOnly = action === "op" || action === "deop";
    if (ownerOnly ? !rooms.owns(record, who) : !rooms.moderates(record, who)) {
      const whom = ownerOnly ? "the owner" : "the owner or a moderator";
      return rooms.refuse(connection, `Only ${whom} of ${record.name} can ${action}`);
    }
    const { minutes, reason } = command;
    if (minutes !== undefined && (!(minutes > 0) || minutes > MAX_MINUTES)) {
      return rooms.refuse(connection, `Give minutes from more than 0 to ${MAX_MINUTES}`);
    }
    if (reason !== undefined && reason.length > MAX_REASON_CHARS) {
      return rooms.refuse(connection, `A reason may have at most ${MAX_REASON_CHARS} characters`);
    }
    if (reason !== undefined && hasControls(reason)) {
      return rooms.refuse(connection, "A reason must not contain control characters");
    }
    const target = rooms.core!.find(command.nickname);
    const targetWho: Identity | undefined = target === undefined
      ? this.#awayIdentity(record, command.nickname)
      : rooms.identity(target);
    if (targetWho === undefined) {
      return rooms.refuse(connection, `No such user ${JSON.stringify(command.nickname)}`);
    }
    const shown = target?.nickname ?? record.members[targetWho.account ?? ""]?.nickname ??
      rooms.accountName(command.nickname) ?? command.nickname;
    const targetRole = roleOf(record, targetWho);
    if (targetRole === "owner" && action !== "unban" && action !== "unmute") {
      return rooms.refuse(connection, `${shown} owns ${record.name}: nobody can ${action} them`);
    }
    if (targetRole === "moderator" && !rooms.owns(record, who) && action !== "op") {
      return rooms.refuse(connection, `Only the owner of ${record.name} can ${action} a moderator`);
    }
    const inRoom = target !== undefined && rooms.core!.roomOf(target, record.name) !== undefined;
    const until = minutes === undefined ? undefined : rooms.nowMs() + minutes * 60_000;
    switch (action) {
      case "kick":
        // Another node's user: its node knows best whether it is in the room.
        if (!inRoom && !target?.remote) {
          return rooms.refuse(connection, `${shown} is not in ${record.name}`);
        }
        break;
      case "op":
      case "deop": {
        if (targetWho.account === undefined) {
          return rooms.refuse(connection, `${shown} is a guest: only accounts can be moderators`);
        }
        if (action === "op" && record.members[targetWho.account] === undefined) {
          return rooms.refuse(connection, `${shown} is not a member of ${record.name}`);
        }
        if (action === "deop" && targetRole !== "moderator") {
          return rooms.refuse(connection, `${shown} is not a moderator of ${record.name}`);
        }
        record.members[targetWho.account].role = action === "op" ? "moderator" : "member";
        break;
      }
      case "ban":
      case "mute": {
        const kind = action;
        record.restrictions = record.restrictions.filter((each) =>
          !(each.kind === kind && sameTarget(each, targetWho)) && !rooms.ended(each)
        );
        if (record.restrictions.length >= MAX_RESTRICTIONS) {
          return rooms.refuse(
            connection,
            `${record.name} has ${MAX_RESTRICTIONS} bans and mutes, the most there may be: ` +
              "/unban someone first",
          );
        }
        // An account that is away here may be connected under another name, logged out.
        const address = targetWho.address ||
          (targetWho.account === undefined ? undefined : rooms.addressOf(targetWho.account));
        const restriction: Restriction = {
          kind,
          nickname: shown,
          by: user.nickname!,
          ...(targetWho.account === undefined
            ? { nickKey: targetWho.nickKey }
            : { account: targetWho.account }),
          // Another node's user: its node fills the address in when it hears of it.
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
          !(each.kind === kind && sameTarget(each, targetWho))
        );
        if (record.restrictions.length === before) {
          return rooms.refuse(connection, `${shown} is not ${kind}ned in ${record.name}`);
        }
        break;
      }
    }
    if (action === "kick" && targetWho.account !== undefined && targetRole === "member") {
      delete record.members[targetWho.account];
    }
    rooms.save(key, record);
    rooms.logAction(
      user,
      record,
      who,
      `${action} ${shown} in ${record.name}${reason ? `: ${reason}` : ""}`,
    );
    rooms.tellRoom(record, {
      type: "moderated",
      room: record.name,
      action,
      nickname: shown,
      by: user.nickname!,
      ...(reason ? { reason } : {}),
      ...(until === undefined ? {} : { until: new Date(until).toISOString() }),
      timestamp: rooms.stamp(),
    }, [connection, ...(target === undefined ? [] : [target])]);
    if ((action === "kick" || action === "ban") && (inRoom || target?.remote)) {
      rooms.putOut(key, target!, record);
    }
    // Whoever else the ban holds against leaves too (the account under another name, a guest
    // from the banned address).
    if (action === "ban") rooms.putOutBanned(record);
    if (until !== undefined) this.#timer.schedule();
    // Its target too: at another node, it may be in the room before this node has heard so.
    if (action === "op" || action === "deop") {
      rooms.tellRoom(record, rooms.info(record), target === undefined ? [] : [target]);
    }
  }

  /** Who `nickname`, nobody connected, is for a restriction in `record`, if anyone. */
  #awayIdentity(record: RoomRecord, nickname: string): Identity | undefined {
    const key = nicknameKey(nickname);
    const account = record.members[key] ? key : this.#rooms.awayAccount(nickname);
    if (account !== undefined) return { account, nickKey: key, address: "", guest: false };
    // An earlier restriction on a guest, to lift it.
    const guest = record.restrictions.find((each) => each.nickKey === key);
    return guest === undefined ? undefined : { nickKey: key, address: "", guest: true };
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
      this.#rooms.log(`Store: cannot read room history: ${(error as Error).message}`);
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

/** Whether `restriction` holds against `who` itself (its account, or a guest's nickname). */
function sameTarget(restriction: Restriction, who: Identity): boolean {
  return who.account !== undefined
    ? restriction.account === who.account
    : restriction.nickKey === who.nickKey;
}
