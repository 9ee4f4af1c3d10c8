/**
 * The page's side of kept rooms: what the server says of the rooms this user is in (topics,
 * settings, members with their roles, moderation, invitations, bans) kept in a `RoomState` per
 * room, and the room shown drawn: its bar (name, topic, settings) and its members (with the menu
 * of what this user may do to each). Notices use the terminal client's words
 * (`common/room_notices.js`).
 *
 * @module
 */

import { moderatedLine, roomLines, settingChanges } from "./common/room_notices.js";
import { roomId, sameName } from "./names.js";
import { RoomMembers } from "./room_members.js";
import { RoomSettings } from "./room_settings.js";
import { memberState, RoomState } from "./room_state.js";

/**
 * How long to wait, after someone left a room or the chat, before asking for the room's members
 * again (whether they are kept, away, or gone), in milliseconds: those who leave together are
 * asked about once.
 */
const REFRESH_MS = 200;

/** The rooms this user is in, and the one shown. */
export class Rooms {
  #page;
  /** Each room this user is in, by conversation id. */
  #states = new Map();
  /** Rooms whose `roominfo` the user asked for (`/room #lab`): shown as a line when it comes. */
  #asked = new Set();
  /** Rooms whose members are to be asked for again, with the timer that will. */
  #refreshing = new Map();
  #members;
  #settings;

  /**
   * Takes the room bar and the members list; `page` has the `session` (to send, and this user's
   * nickname), the `conversations`, `isOperator()` (whether this user is a server operator) and
   * `join(room)`, which joins a room and puts the cursor in the message box.
   */
  constructor(page) {
    this.#page = page;
    this.#members = new RoomMembers((room, action, nickname, details) =>
      this.send({ type: "moderate", room, action, nickname, ...details })
    );
    this.#settings = new RoomSettings((message) => this.send(message));
  }

  /** Sends a room's `message`; the reply to a `settings` `show` is then shown as a line. */
  send(message) {
    if (message.type === "settings" && message.setting === "show") {
      this.#asked.add(roomId(message.room));
    }
    this.#page.session.send(message);
  }

  /**
   * Takes a room message of the server (`topic`, `roominfo`, `invited`, `moderated` or
   * `bans`), stamped `when`.
   */
  receive(message, when) {
    const state = this.#states.get(roomId(message.room));
    switch (message.type) {
      case "topic":
        if (state !== undefined) state.topic = message.topic;
        this.#notice(message.room, when, roomLines(message));
        break;
      case "roominfo": {
        const before = state?.info;
        state?.described(message);
        if (this.#asked.delete(roomId(message.room))) {
          this.#notice(message.room, when, roomLines(message));
        } else if (before !== undefined) {
          this.#notice(message.room, when, settingChanges(before, message));
        }
        break;
      }
      case "invited":
        this.#invited(message, when);
        break;
      case "moderated":
        state?.moderated(message);
        this.#notice(message.room, when, [moderatedLine(message)]);
        break;
      case "bans":
        this.#notice(message.room, when, roomLines(message));
        this.#settings.bans(message);
        break;
    }
    this.render();
  }

  /** `nickname` joined `room`; `members`, when it is this user, are who is in it. */
  joined(room, nickname, members) {
    const id = roomId(room);
    if (!this.#isMe(nickname)) this.#states.get(id)?.joined(nickname);
    else if (!this.#states.has(id)) this.#states.set(id, new RoomState(room, members ?? []));
    this.render();
  }

  /** `nickname` left `room` (this user, maybe: the room is forgotten). */
  left(room, nickname) {
    const id = roomId(room);
    const state = this.#states.get(id);
    if (state === undefined) return;
    if (this.#isMe(nickname)) this.#states.delete(id);
    else {
      state.left(nickname);
      if (state.info !== undefined) this.#refresh(id);
    }
    this.render();
  }

  /** `nickname` left the chat: away from the rooms that keep it, gone from the others. */
  wentAway(nickname) {
    for (const [id, state] of this.#states) {
      if (state.wentAway(nickname) && state.info !== undefined) this.#refresh(id);
    }
    this.render();
  }

  /** `old` is now known as `nickname`. */
  renamed(old, nickname) {
    for (const state of this.#states.values()) state.renamed(old, nickname);
    this.render();
  }

  /** Forgets every room (the connection dropped, or the user left): joining again tells anew. */
  clear() {
    this.#states.clear();
    this.#asked.clear();
    for (const timer of this.#refreshing.values()) clearTimeout(timer);
    this.#refreshing.clear();
    this.render();
  }

  /** Draws the room shown, if a room is: its bar, and its members with their menus. */
  render() {
    const { conversations, session } = this.#page;
    const id = conversations.active;
    if (!id.startsWith("#")) {
      this.#settings.render(undefined);
      this.#members.render(undefined);
      return;
    }
    const state = this.#states.get(id);
    const name = state?.name ?? conversations.titleOf(id) ?? id;
    const me = session.nickname;
    const operator = this.#page.isOperator();
    this.#settings.render({
      name,
      inRoom: state !== undefined,
      topic: state?.topic ?? "",
      info: state?.info,
      mayModerate: state?.mayModerate(me, operator) ?? false,
      maySetTopic: state?.maySetTopic(me, operator) ?? false,
    });
    this.#members.render(
      state === undefined ? undefined : {
        name,
        members: state.members.map((member) => ({
          nickname: member.nickname,
          state: memberState(member),
          actions: state.actionsOn(me, operator, member.nickname),
        })),
      },
    );
  }

  /** An invitation: told in the conversation open, with a button to join the room. */
  #invited(message, when) {
    const { conversations, join } = this.#page;
    for (const line of roomLines(message) ?? []) {
      conversations.notice(conversations.active, when, line, {
        label: `Join ${message.room}`,
        act: () => join(message.room),
      });
    }
  }

  /** Shows `lines` in `room`'s conversation when there is one, else in the one open. */
  #notice(room, when, lines = []) {
    const { conversations } = this.#page;
    const id = conversations.titleOf(roomId(room)) === undefined
      ? conversations.active
      : roomId(room);
    for (const line of lines) conversations.notice(id, when, line);
  }

  /** Asks for room `id`'s members again, soon (once for all who leave meanwhile). */
  #refresh(id) {
    if (this.#refreshing.has(id)) return;
    this.#refreshing.set(
      id,
      setTimeout(() => {
        this.#refreshing.delete(id);
        const state = this.#states.get(id);
        if (state === undefined) return;
        this.#page.session.send({ type: "settings", room: state.name, setting: "show" });
      }, REFRESH_MS),
    );
  }

  #isMe(nickname) {
    return sameName(nickname, this.#page.session.nickname);
  }
}
