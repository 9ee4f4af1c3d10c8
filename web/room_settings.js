/**
 * The bar above a room's conversation: the room's name and topic, and, to those who may change
 * them, its settings behind a button: private or public, moderated or not, who may invite, who
 * may set the topic, the topic itself, and its bans and mutes (each with a button to lift it).
 * Each change is sent as it is made; the server's `roominfo` (or its refusal) then shows what holds.
 *
 * @module
 */

import { banLine } from "./common/room_notices.js";
import { roomId } from "./names.js";

const $ = (id) => document.getElementById(id);

/** The room bar and its settings. */
export class RoomSettings {
  #send;
  /** The name of the room shown, if a room is. */
  #room;
  /** Its topic, as the server last said it. */
  #topic = "";

  /** Takes the bar and its form; `send(message)` sends a room's message (its `room` added). */
  constructor(send) {
    this.#send = (message) => send({ ...message, room: this.#room });
    $("room-settings-toggle").addEventListener("click", () => this.#toggle());
    $("room-private").addEventListener("change", (event) => {
      this.#send({ type: "settings", setting: event.target.checked ? "private" : "public" });
    });
    $("room-moderated").addEventListener("change", (event) => {
      const setting = event.target.checked ? "moderated" : "unmoderated";
      this.#send({ type: "settings", setting });
    });
    for (const [id, setting] of [["room-invite", "invite"], ["room-topic-by", "topic"]]) {
      $(id).addEventListener("change", (event) => {
        this.#send({ type: "settings", setting, value: event.target.value });
      });
    }
    $("room-settings").addEventListener("submit", (event) => {
      event.preventDefault();
      // Enter anywhere in the form submits it: only a new topic is sent.
      const topic = $("room-topic-input").value.trim();
      if (topic !== this.#topic) this.#send({ type: "topic", topic });
    });
    $("room-settings").addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      this.#toggle(false);
      $("room-settings-toggle").focus();
    });
    $("room-bans-show").addEventListener("click", () => this.#send({ type: "bans" }));
  }

  /**
   * Shows `view`: the room's `name`, whether this user is `inRoom`, its `topic` and `info` (its
   * settings; undefined for a room of guests), and whether this user `mayModerate` and
   * `maySetTopic`; undefined hides the bar.
   */
  render(view) {
    $("room").hidden = view === undefined;
    if (view?.name !== this.#room) {
      this.#toggle(false);
      $("room-bans").replaceChildren();
    }
    this.#room = view?.name;
    this.#topic = view?.topic ?? "";
    if (view === undefined) return;
    $("room-name").textContent = view.name;
    $("room-topic").replaceChildren(
      ...(!view.inRoom
        ? [`You are not in ${view.name}`]
        : view.topic === ""
        ? ["No topic"]
        : [hidden("Topic: "), view.topic]),
    );
    const { info, mayModerate, maySetTopic } = view;
    $("room-settings-toggle").hidden = !mayModerate && !maySetTopic;
    if ($("room-settings-toggle").hidden) this.#toggle(false);
    for (const id of ["room-modes", "room-bans-row"]) $(id).hidden = !mayModerate;
    $("room-topic-row").hidden = !maySetTopic;
    if (info === undefined) return;
    $("room-private").checked = info.private;
    $("room-moderated").checked = info.moderated;
    $("room-invite").value = info.invite;
    $("room-topic-by").value = info.topicBy;
    if (document.activeElement !== $("room-topic-input")) $("room-topic-input").value = view.topic;
  }

  /** Lists `message`'s bans and mutes (a `bans` reply), when they are the room shown's. */
  bans(message) {
    if (this.#room === undefined || roomId(message.room) !== roomId(this.#room)) return;
    if ($("room-settings").hidden) return;
    $("room-bans").replaceChildren(...message.bans.map((ban) => {
      const item = document.createElement("li");
      item.textContent = banLine(ban);
      const lift = document.createElement("button");
      lift.type = "button";
      const action = ban.kind === "ban" ? "unban" : "unmute";
      lift.textContent = ban.kind === "ban" ? `Unban ${ban.nickname}` : `Unmute ${ban.nickname}`;
      lift.onclick = () => {
        this.#send({ type: "moderate", action, nickname: ban.nickname });
        item.remove();
      };
      item.append(" ", lift);
      return item;
    }));
    if (message.bans.length === 0) {
      const none = document.createElement("li");
      none.textContent = "No bans or mutes";
      $("room-bans").append(none);
    }
  }

  /** Opens or closes the settings (`open`: which; toggled when not given). */
  #toggle(open = $("room-settings").hidden) {
    $("room-settings").hidden = !open;
    $("room-settings-toggle").setAttribute("aria-expanded", String(open));
  }
}

/** `text` for screen readers only. */
function hidden(text) {
  const span = document.createElement("span");
  span.className = "visually-hidden";
  span.textContent = text;
  return span;
}
