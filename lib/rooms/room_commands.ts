/**
 * The room commands people type (`/topic`, `/invite`, `/room <#room> ...`, `/bans`), as the core
 * hands them on: the topic, an invitation, the settings (private, moderated, who may invite or set
 * the topic, handing a room over, closing it) and the list of bans, each with its refusals. The
 * moderating ones (`/kick`, `/ban`, `/mute`, `/op` and their undoing) are `room_moderation.ts`.
 *
 * @module
 */

import { hasControls } from "../common/text.ts";
import type { Member, RoomsCommand } from "../core/types.ts";
import { nicknameKey, roomKey, roomProblem } from "../protocol/values.ts";
import { bansReply } from "./room_replies.ts";
import { RoomModeration } from "./room_moderation.ts";
import {
  type Identity,
  MAX_INVITATIONS,
  MAX_OWNED_ROOMS,
  MAX_TOPIC_CHARS,
  roleOf,
  type RoomRecord,
} from "./room_record.ts";
import type { RoomState } from "./room_state.ts";
import type { RoomTimer } from "./room_timer.ts";

/** Carries out the room commands. */
export class RoomCommands<M extends Member> {
  readonly #rooms: RoomState<M>;
  readonly #moderation: RoomModeration<M>;

  /** Acts on `rooms`; `timer` waits for the end of a timed ban or mute. */
  constructor(rooms: RoomState<M>, timer: RoomTimer<M>) {
    this.#rooms = rooms;
    this.#moderation = new RoomModeration(rooms, timer);
  }

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
        return this.#moderation.moderate(connection, user, who, key, record, command);
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
    if (ownerOnly && record.owner === undefined) {
      return rooms.refuse(connection, `${record.name} is a room of guests: it has no owner`);
    }
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
        // `private moderators` (IRC's +i) says who may invite as well.
        if (setting === "private" && (value === "members" || value === "moderators")) {
          record.invite = value;
          said += `: ${value} may invite`;
        }
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
          rooms.storeFailed(`forget the history of ${record.name}`, error)
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
}
