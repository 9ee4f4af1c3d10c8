/**
 * What arrives from the server, each message handed to the part of the page it is for, in the
 * order it came (one may wait on keys to be opened), a few milliseconds' worth at a time
 * (`inbox.js`), the lines of each slice drawn at its end: a burst leaves the page responsive. A private message sealed end to end is
 * opened here before it is shown. What the user did from another of its connections (an account
 * connected from several places) shows as its own: a whisper as sent, in the conversation with its
 * recipient; a room as joined.
 *
 * @module
 */

import { EVERYONE, personId, roomId, sameName } from "./names.js";
import { describeFailure, describeUnread } from "./common/e2e_keys.js";
import { Inbox } from "./inbox.js";

/** The server's messages, shown one after another. */
export class Receiver {
  #page;
  /** What arrives is shown in order, though showing one may wait on keys. */
  #inbox;

  /**
   * Takes the parts of the page the messages are for: `session`, `conversations`, `people`,
   * `rooms`, `keys`, `devices` and `files`.
   */
  constructor(page) {
    this.#page = page;
    this.#inbox = new Inbox((message) => this.#show(message), {
      afterSlice: () => page.conversations.flush(),
    });
  }

  /** Takes `message`, from the server, to show in its turn. */
  receive(message) {
    // Key answers go at once: a message being opened may wait for one.
    if (message.type === "keys") {
      this.#page.keys.client?.onKeys(message);
      this.#page.devices.heard(message);
    } else {
      // A key lookup refused ends at once; the refusal is shown in its turn, as any.
      if (message.type === "error" && message.ref !== undefined) {
        this.#page.keys.client?.onKeys(message);
      }
      this.#inbox.push(message);
    }
  }

  async #show(message) {
    const { session, conversations, people, rooms, keys, files } = this.#page;
    const at = message.timestamp ? new Date(message.timestamp) : new Date();
    const when = Number.isNaN(at.getTime()) ? new Date() : at;
    switch (message.type) {
      case "welcome":
        session.welcomed();
        // Before what comes with the welcome (messages kept for the user).
        await keys.start(message.chat);
        break;
      case "login":
        session.login(message.nickname, await keys.open(message.chat));
        break;
      case "error":
        session.error(message.message);
        // A setting refused shows again as it holds.
        rooms.render();
        break;
      case "broadcast": {
        const mark = message.history ? "history" : "";
        conversations.say(EVERYONE, when, message.nickname, message.message, mark);
        break;
      }
      case "private":
        await this.#private(message, when);
        break;
      case "room": {
        const mark = message.history ? "history" : "";
        const id = roomId(message.room);
        conversations.say(id, when, message.nickname, message.message, mark, message.room);
        break;
      }
      case "joined":
        this.#joined(message, when);
        break;
      case "left":
        this.#left(message, when);
        break;
      case "nick":
        people.rename(message.old, message.nickname);
        session.renamed(message.old, message.nickname);
        rooms.renamed(message.old, message.nickname);
        conversations.notice(EVERYONE, when, `${message.old} is now known as ${message.nickname}`);
        break;
      case "list":
        people.update(message.users ?? [], message.rooms ?? [], message.operators ?? []);
        rooms.render();
        break;
      case "topic":
      case "roominfo":
      case "invited":
      case "moderated":
      case "bans":
        rooms.receive(message, when);
        break;
      case "unread": {
        const at = new Date(message.t);
        const time = Number.isNaN(at.getTime()) ? message.t : at.toLocaleString();
        conversations.notice(personId(message.nickname), when, describeUnread(message, time));
        if (message.offline && Number.isInteger(message.id)) {
          session.send({ type: "ack", id: message.id });
        }
        break;
      }
      case "queued":
        conversations.system(
          `${message.to} is offline: your message will be delivered when they return`,
        );
        break;
      case "history":
        if (message.earlier > 0) {
          conversations.system(
            `${message.earlier} earlier messages: /history ${message.count + message.earlier}`,
          );
        } else if (message.count === 0) conversations.system("No history yet");
        break;
      case "account":
        conversations.system(`Account ${message.action} done for ${message.nickname}`);
        break;
      case "announcement":
        conversations.notice(
          EVERYONE,
          when,
          `*** Announcement from ${message.nickname}: ${message.message}`,
        );
        break;
      case "operator":
        conversations.system(message.message);
        break;
      case "shutdown":
        conversations.system("The server is shutting down");
        break;
      case "offer":
      case "accept":
      case "reject":
      case "cancel":
      case "chunk":
      case "received":
      case "complete":
        await files.receive(message);
        break;
    }
  }

  /** Someone joined the chat, or a room (this user, maybe). */
  #joined(message, when) {
    const { session, conversations, people, rooms } = this.#page;
    if (message.room === undefined) {
      people.add(message.nickname);
      conversations.notice(EVERYONE, when, `${message.nickname} joined the chat`);
      return;
    }
    const id = roomId(message.room);
    if (sameName(message.nickname, session.nickname) && message.members === undefined) {
      // Joined from another connection of this account, or before this page came.
      conversations.open(id, message.room);
      conversations.notice(id, when, `You are in ${message.room} (joined from another connection)`);
    } else if (sameName(message.nickname, session.nickname)) {
      conversations.open(id, message.room);
      conversations.show(id);
      const members = (message.members ?? []).join(", ");
      conversations.notice(id, when, `You joined ${message.room} (members: ${members})`);
    } else conversations.notice(id, when, `${message.nickname} joined ${message.room}`);
    rooms.joined(message.room, message.nickname, message.members);
    session.send({ type: "list" });
  }

  /** Someone left the chat, or a room (this user, maybe). */
  #left(message, when) {
    const { session, conversations, people, rooms } = this.#page;
    if (message.room === undefined) {
      people.remove(message.nickname);
      rooms.wentAway(message.nickname);
      const reason = message.reason ? ` (${message.reason})` : "";
      conversations.notice(EVERYONE, when, `${message.nickname} left the chat${reason}`);
      return;
    }
    const id = roomId(message.room);
    if (sameName(message.nickname, session.nickname)) {
      conversations.notice(id, when, `You left ${message.room}`);
    } else conversations.notice(id, when, `${message.nickname} left ${message.room}`);
    rooms.left(message.room, message.nickname);
    session.send({ type: "list" });
  }

  /** Shows a private message, opening it first when it is end-to-end encrypted. */
  async #private(message, when) {
    const { session, conversations, keys } = this.#page;
    if (typeof message.to === "string") return this.#sent(message, when);
    const from = message.nickname;
    const id = personId(from);
    const away = message.offline ? "while you were away" : "";
    if (message.e2e === undefined) {
      conversations.say(id, when, from, message.message, away, from);
    } else {
      try {
        const { text, time } = await keys.client.open(message);
        conversations.say(id, time, from, text, away ? `end-to-end, ${away}` : "end-to-end", from);
      } catch (error) {
        conversations.notice(id, when, describeFailure(`A private message from ${from}`, error));
      }
    }
    // Shown (or shown to be unreadable): the server may forget it.
    if (message.offline && Number.isInteger(message.id)) {
      session.send({ type: "ack", id: message.id });
    }
  }

  /** Shows a private message the user sent from another connection, as sent, to its recipient. */
  async #sent(message, when) {
    const { conversations, keys } = this.#page;
    const to = message.to;
    const id = personId(to);
    if (message.e2e === undefined) {
      conversations.say(id, when, message.nickname, message.message, "", to);
      return;
    }
    try {
      const { text, time } = await keys.client.open(message);
      conversations.say(id, time, message.nickname, text, "end-to-end", to);
    } catch (error) {
      conversations.notice(
        id,
        when,
        describeFailure(`A private message you sent to ${to}`, error),
      );
    }
  }
}
