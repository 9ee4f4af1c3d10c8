/**
 * The side panel's list of a room's members, each with its role and whether it is away or muted
 * in words (`Bob (moderator, away)`), and, to those who may, a menu of what can be done to each:
 * kick, ban, mute or unmute, make or remove a moderator. Kicking, banning and muting ask for a
 * reason first (and minutes for a ban or mute) in a small form; Escape leaves it. A change of
 * the list waits while a menu is open, and focus stays on the member it was on.
 *
 * @module
 */

import { menuButton } from "./menu.js";

const $ = (id) => document.getElementById(id);

/** What each action is called in a member's menu. */
const LABELS = {
  kick: "Kick",
  ban: "Ban",
  mute: "Mute",
  unmute: "Unmute",
  op: "Make moderator",
  deop: "Remove moderator",
};

/** Minutes as the form takes them: above 0, with up to three decimals. */
const MINUTES = /^\d{1,6}(\.\d{1,3})?$/;

/** The members list of the room shown, and its menus. */
export class RoomMembers {
  #act;
  /** The name of the room whose members are shown. */
  #room;
  /** A list to show once the open menu closes. */
  #waiting;
  #menuOpen = false;
  /** What the form asks for: `{ room, action, nickname }`. */
  #asking;

  /**
   * Takes the list and the form; `act(room, action, nickname, details)` does what was chosen
   * (`details`: `minutes` and `reason`, when given).
   */
  constructor(act) {
    this.#act = act;
    $("moderation").addEventListener("submit", (event) => {
      event.preventDefault();
      this.#confirm();
    });
    $("moderation-cancel").addEventListener("click", () => this.#closeForm());
    $("moderation").addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      this.#closeForm();
    });
  }

  /**
   * Shows `view`: the room's `name` and its `members`, each `{ nickname, state, actions }`
   * (`state` in words, `actions` what this user may do to it); undefined hides the list.
   */
  render(view) {
    if (this.#menuOpen) {
      this.#waiting = { view };
      return;
    }
    $("members-section").hidden = view === undefined;
    if (view?.name !== this.#room) this.#closeForm(false);
    this.#room = view?.name;
    if (view === undefined) {
      $("members").replaceChildren();
      return;
    }
    $("members-heading").textContent = `Members of ${view.name}`;
    const focused = document.activeElement?.closest?.("#members [data-key]")?.dataset.key;
    $("members").replaceChildren(...view.members.map((member) => this.#item(member)));
    if (focused !== undefined) this.#focus(focused);
    if (
      this.#asking !== undefined &&
      !view.members.some((m) => m.nickname === this.#asking.nickname)
    ) this.#closeForm(false);
  }

  /** A member's item: its name, its role and state, and its menu when it has actions. */
  #item({ nickname, state, actions }) {
    const item = document.createElement("li");
    item.className = "member";
    const name = document.createElement("span");
    name.className = "member-name";
    name.textContent = nickname;
    item.append(name);
    if (state !== "") {
      const marks = document.createElement("span");
      marks.className = "member-state";
      marks.textContent = ` (${state})`;
      item.append(marks);
    }
    if (actions.length > 0) {
      const menu = menuButton(
        "⋯",
        `Actions for ${nickname}`,
        actions.map((action) => ({
          label: LABELS[action],
          act: () => this.#chosen(action, nickname),
        })),
        { onOpen: () => this.#menuOpen = true, onClose: () => this.#menuClosed() },
      );
      menu.querySelector("button").dataset.key = `actions:${nickname}`;
      item.append(" ", menu);
    }
    return item;
  }

  #menuClosed() {
    this.#menuOpen = false;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting !== undefined) queueMicrotask(() => this.render(waiting.view));
  }

  /** `action` was chosen for `nickname`: done, or asked about first. */
  #chosen(action, nickname) {
    if (action !== "kick" && action !== "ban" && action !== "mute") {
      this.#act(this.#room, action, nickname, {});
      return;
    }
    this.#asking = { room: this.#room, action, nickname };
    $("moderation-title").textContent = `${LABELS[action]} ${nickname}`;
    $("moderation-do").textContent = `${LABELS[action]} ${nickname}`;
    $("moderation-minutes-row").hidden = action === "kick";
    $("moderation-reason").value = "";
    $("moderation-minutes").value = "";
    $("moderation-error").textContent = "";
    $("moderation").hidden = false;
    $("moderation-reason").focus();
  }

  #confirm() {
    const asking = this.#asking;
    if (asking === undefined) return;
    const minutes = $("moderation-minutes").value.trim();
    if (minutes !== "" && (!MINUTES.test(minutes) || Number(minutes) === 0)) {
      $("moderation-error").textContent = "Minutes: a number above 0, such as 10 or 0.5";
      $("moderation-minutes").focus();
      return;
    }
    const reason = $("moderation-reason").value.trim();
    this.#act(asking.room, asking.action, asking.nickname, {
      ...(minutes === "" ? {} : { minutes: Number(minutes) }),
      ...(reason === "" ? {} : { reason }),
    });
    this.#closeForm();
  }

  /** Hides the form; focus goes back to the member's menu when `refocus`. */
  #closeForm(refocus = true) {
    const asking = this.#asking;
    this.#asking = undefined;
    $("moderation").hidden = true;
    if (refocus && asking !== undefined) this.#focus(`actions:${asking.nickname}`);
  }

  /** Focuses the element of the list with data-key `key`, if it is there. */
  #focus(key) {
    for (const element of $("members").querySelectorAll("[data-key]")) {
      if (element.dataset.key === key) element.focus();
    }
  }
}
