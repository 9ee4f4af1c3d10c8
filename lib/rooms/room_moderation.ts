/**
 * The moderating room commands (`/kick`, `/ban`, `/unban`, `/mute`, `/unmute`, `/op`, `/deop`):
 * kick, ban and mute (for a time, with a reason), lift a ban or a mute, make a member a moderator
 * or no longer one. Each action's refusals read here: who may do it to whom (the owner before
 * moderators, nobody against the owner), and the bounds on minutes, reasons and restrictions.
 *
 * @module
 */

import { MODERATE_ACTIONS } from "../../protocol.ts";
import { hasControls } from "../common/text.ts";
import type { Member, RoomsCommand } from "../core/types.ts";
import { nicknameKey, nicknameProblem } from "../protocol/values.ts";
import {
  type Identity,
  MAX_MINUTES,
  MAX_REASON_CHARS,
  MAX_RESTRICTIONS,
  type Restriction,
  roleOf,
  type RoomRecord,
} from "./room_record.ts";
import type { RoomState } from "./room_state.ts";
import type { RoomTimer } from "./room_timer.ts";

/** Kicks, bans, mutes, lifts bans and mutes, makes and unmakes moderators. */
export class RoomModeration<M extends Member> {
  readonly #rooms: RoomState<M>;
  readonly #timer: RoomTimer<M>;

  /** Acts on `rooms`; `timer` waits for the end of a timed ban or mute. */
  constructor(rooms: RoomState<M>, timer: RoomTimer<M>) {
    this.#rooms = rooms;
    this.#timer = timer;
  }

  /** Carries out `command` of `connection` (connected as `user`, who is `who`) in `record`. */
  moderate(
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
    // In a room of guests, nobody owns it: its moderators op and deop.
    const ownerOnly = (action === "op" || action === "deop") && record.owner !== undefined;
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
      ? this.#awayIdentity(record, command.nickname, action)
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
    if (
      targetRole === "moderator" && record.owner !== undefined && !rooms.owns(record, who) &&
      action !== "op"
    ) {
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
        const refusal = record.owner === undefined
          ? this.#guestRole(record, action, targetWho, shown, inRoom, targetRole)
          : this.#accountRole(record, action, targetWho, shown, targetRole);
        if (refusal !== undefined) return rooms.refuse(connection, refusal);
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
          at: rooms.nowMs(),
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
    // Kept after the telling: another node hears the notice before the record, whose ban puts
    // its users out, so that its IRC users see them kicked by the moderator.
    rooms.save(key, record);
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

  /**
   * Makes or unmakes a moderator of an owned room: an account that is a member; or says why not.
   */
  #accountRole(
    record: RoomRecord,
    action: "op" | "deop",
    target: Identity,
    shown: string,
    role: string | undefined,
  ): string | undefined {
    if (target.account === undefined) {
      return `${shown} is a guest: only accounts can be moderators`;
    }
    if (action === "op" && record.members[target.account] === undefined) {
      return `${shown} is not a member of ${record.name}`;
    }
    if (action === "deop" && role !== "moderator") {
      return `${shown} is not a moderator of ${record.name}`;
    }
    record.members[target.account].role = action === "op" ? "moderator" : "member";
    return undefined;
  }

  /**
   * Makes or unmakes a moderator of a room of guests: anyone in it, a guest or an account (a kept
   * member's role is its account's; anyone else's lasts while it is in the room); or says why not.
   */
  #guestRole(
    record: RoomRecord,
    action: "op" | "deop",
    target: Identity,
    shown: string,
    inRoom: boolean,
    role: string | undefined,
  ): string | undefined {
    const kept = target.account === undefined ? undefined : record.members[target.account];
    if (action === "op") {
      if (!inRoom) return `${shown} is not in ${record.name}`;
      if (kept !== undefined) kept.role = "moderator";
      else record.guestModerators = { ...record.guestModerators, [target.nickKey]: shown };
      return undefined;
    }
    if (role !== "moderator") return `${shown} is not a moderator of ${record.name}`;
    if (kept !== undefined) kept.role = "member";
    else delete record.guestModerators?.[target.nickKey];
    return undefined;
  }

  /** Who `nickname`, nobody connected, is for a restriction in `record`, if anyone. */
  #awayIdentity(record: RoomRecord, nickname: string, action: string): Identity | undefined {
    const key = nicknameKey(nickname);
    const account = record.members[key] ? key : this.#rooms.awayAccount(nickname);
    if (account !== undefined) return { account, nickKey: key, address: "", guest: false };
    // An earlier restriction on a guest, to lift it; or a nickname nobody holds, banned ahead (as
    // IRC's `nick!*@*`): whoever takes it later is kept out.
    const guest = record.restrictions.find((each) => each.nickKey === key);
    const ahead = action === "ban" && nicknameProblem(nickname) === undefined;
    return guest === undefined && !ahead ? undefined : { nickKey: key, address: "", guest: true };
  }
}

/** Whether `restriction` holds against `who` itself (its account, or a guest's nickname). */
function sameTarget(restriction: Restriction, who: Identity): boolean {
  return who.account !== undefined
    ? restriction.account === who.account
    : restriction.nickKey === who.nickKey;
}
