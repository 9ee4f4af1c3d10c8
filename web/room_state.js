// @ts-self-types="./room_state.d.ts"
/**
 * What the page knows of one room it is in: its topic, its settings and its members with their
 * roles, away or muted (from the server's `roominfo`, kept up to date as people join, leave, go
 * away and are moderated), and what this user may do there, by the rules the server holds to
 * (which refuses the rest anyway). No DOM: `room_panel.js` shows it.
 *
 * @module
 */

import { sameName } from "./names.js";

/** One room, as the page knows it. */
export class RoomState {
  /** The room's name, as the server spells it. */
  name;
  /** Its topic (`""`: none). */
  topic = "";
  /** Its settings, from its last `roominfo`; undefined until one came (a room of guests). */
  info;
  /** Its members, the connected first: `{ nickname, role?, away?, muted? }`. */
  members = [];

  /** Room `name`, with `members` (nicknames) as joining it told them. */
  constructor(name, members = []) {
    this.name = name;
    this.members = members.map((nickname) => ({ nickname }));
  }

  /** Takes `message`, a `roominfo`: settings and members as the server has them now. */
  described(message) {
    this.name = message.room;
    this.topic = message.topic;
    this.info = {
      type: "roominfo",
      room: message.room,
      topic: message.topic,
      owner: message.owner,
      private: message.private === true,
      invite: message.invite,
      topicBy: message.topicBy ?? "moderators",
      moderated: message.moderated === true,
      members: [],
      more: message.more,
    };
    this.members = message.members.map(({ nickname, role, away, muted }) => ({
      nickname,
      role,
      away: away === true,
      muted: muted === true,
    }));
  }

  /** The member `nickname`, if it is one. */
  member(nickname) {
    return this.members.find((member) => sameName(member.nickname, nickname));
  }

  /** `nickname` joined (or came back, no longer away). */
  joined(nickname) {
    const member = this.member(nickname);
    if (member === undefined) {
      this.members.push(this.info === undefined ? { nickname } : { nickname, role: "member" });
    } else {
      member.nickname = nickname;
      member.away = false;
    }
  }

  /** `nickname` left the room: gone, but the owner stays its owner (away). */
  left(nickname) {
    const member = this.member(nickname);
    if (member?.role === "owner") member.away = true;
    else this.members = this.members.filter((each) => each !== member);
  }

  /**
   * `nickname` left the chat: away, in a room the server keeps members of (until its next
   * `roominfo` says whether it was a guest); gone from a room of guests. Whether it was a member.
   */
  wentAway(nickname) {
    const member = this.member(nickname);
    if (member === undefined) return false;
    if (this.info === undefined) this.left(nickname);
    else member.away = true;
    return true;
  }

  /** `old` is now known as `nickname`. */
  renamed(old, nickname) {
    const member = this.member(old);
    if (member !== undefined) member.nickname = nickname;
  }

  /** Takes `message`, a `moderated`: a member muted or not, a moderator or not, banned while away. */
  moderated(message) {
    const member = this.member(message.nickname);
    if (member === undefined) return;
    switch (message.action) {
      case "mute":
      case "unmute":
        member.muted = message.action === "mute";
        break;
      case "op":
      case "deop":
        member.role = message.action === "op" ? "moderator" : "member";
        break;
      case "ban":
        // Someone in the room leaves it next; a member away is no longer one.
        if (member.away) this.left(member.nickname);
        break;
    }
  }

  /** `me`'s role here, if it is a member. */
  roleOf(me) {
    return this.member(me)?.role;
  }

  /** Whether `me` (a server operator when `operator`) may moderate: kick, ban, mute, settings. */
  mayModerate(me, operator) {
    if (this.info === undefined) return false;
    if (operator) return true;
    const role = this.roleOf(me);
    return role === "owner" || role === "moderator";
  }

  /**
   * Whether `me` may make and unmake moderators (and act on them): the owner, or in a room of
   * guests (no owner) its moderators.
   */
  mayOwn(me, operator) {
    if (this.info === undefined) return false;
    const role = this.roleOf(me);
    return operator || role === "owner" || (this.info.owner === undefined && role === "moderator");
  }

  /** Whether `me` may set the topic. */
  maySetTopic(me, operator) {
    if (this.info === undefined) return false;
    return this.info.topicBy === "members" || this.mayModerate(me, operator);
  }

  /**
   * What `me` may do to member `nickname`, in the order a menu offers it: `kick` (when it is
   * here), `ban`, `mute` or `unmute`, and `op` or `deop` (the owner). Nothing to oneself or the
   * owner, and only the owner acts on a moderator.
   */
  actionsOn(me, operator, nickname) {
    const target = this.member(nickname);
    if (target === undefined || sameName(me, target.nickname)) return [];
    if (!this.mayModerate(me, operator) || target.role === "owner") return [];
    const owns = this.mayOwn(me, operator);
    if (target.role === "moderator" && !owns) return [];
    const actions = target.away ? [] : ["kick"];
    actions.push("ban", target.muted ? "unmute" : "mute");
    if (owns) actions.push(target.role === "moderator" ? "deop" : "op");
    return actions;
  }
}

/** A member's role and state in words: `owner`, `member, away, muted` (empty in a room of guests). */
export function memberState(member) {
  return [
    ...(member.role === undefined ? [] : [member.role]),
    ...(member.away ? ["away"] : []),
    ...(member.muted ? ["muted"] : []),
  ].join(", ");
}
