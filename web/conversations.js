// @ts-self-types="./conversations.d.ts"
/**
 * The conversations of the page, a tab each (everyone, each room, each person talked with
 * privately), and the lines shown in them. Every text from another person is put on the page with
 * textContent, never as HTML.
 *
 * @module
 */

import { EVERYONE } from "./names.js";

const $ = (id) => document.getElementById(id);

/** The tabs and the log of the conversation open. */
export class Conversations {
  /** Conversations by id: "*", "#room" or "@nick" (names in lower case). */
  #all = new Map();
  #active = EVERYONE;
  #isOwn;
  #onShow;

  /**
   * Takes the tabs and the log; `isOwn(nickname)` tells this user's own lines, and
   * `onShow(id)` runs each time a conversation is shown.
   */
  constructor(isOwn, onShow = () => {}) {
    this.#isOwn = isOwn;
    this.#onShow = onShow;
    $("tabs").addEventListener("keydown", (event) => {
      if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
      const ids = [...this.#all.keys()];
      const at = ids.indexOf(this.#active) + (event.key === "ArrowRight" ? 1 : -1);
      this.show(ids[(at + ids.length) % ids.length]);
      $("tabs").querySelector('[aria-selected="true"]')?.focus();
    });
  }

  /** The id of the conversation open. */
  get active() {
    return this.#active;
  }

  /** The title of conversation `id` (a room's or a person's name as typed), if there is one. */
  titleOf(id) {
    return this.#all.get(id)?.title;
  }

  /** Adds conversation `id`, titled `title`, unless it is there. */
  open(id, title) {
    this.#conversation(id, title);
  }

  /** Shows conversation `id`, its unread lines now read. */
  show(id) {
    this.#active = id;
    const found = this.#all.get(id);
    if (found !== undefined) found.unread = 0;
    const log = $("log");
    log.replaceChildren(found?.log ?? document.createElement("div"));
    log.scrollTop = log.scrollHeight;
    this.#renderTabs();
    this.#onShow(id);
  }

  /** Shows a chat line of `who` in conversation `id` (titled `title` if it is new). */
  say(id, date, who, text, mark, title) {
    const parts = [time(date)];
    if (mark) parts.push(span("mark", `[${mark}]`));
    parts.push(span("who", who), span("text", text));
    this.#line(id, title ?? titleFor(id), parts, "message", this.#isOwn(who));
  }

  /**
   * Shows what happened (someone joined, left...) in conversation `id`; with `action`
   * (`{ label, act }`), a button labelled so follows the text, and runs `act()` once pressed.
   */
  notice(id, date, text, action) {
    const parts = [time(date), span("text", text)];
    if (action !== undefined) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "line-action";
      button.textContent = action.label;
      button.onclick = () => {
        button.disabled = true;
        action.act();
      };
      parts.push(button);
    }
    this.#line(id, titleFor(id), parts, "notice");
  }

  /** Shows a line of the page's own in the conversation open. */
  system(text) {
    const title = this.#all.get(this.#active)?.title ?? "Everyone";
    this.#line(this.#active, title, [time(new Date()), span("text", text)], "system");
  }

  /** Forgets every conversation (the user left). */
  clear() {
    this.#all.clear();
    $("tabs").replaceChildren();
    $("log").replaceChildren();
  }

  /** Conversation `id`, added (titled `title`) if new. */
  #conversation(id, title) {
    let found = this.#all.get(id);
    if (found === undefined) {
      const log = document.createElement("div");
      log.className = "conversation";
      found = { id, title, unread: 0, log };
      this.#all.set(id, found);
      this.#renderTabs();
    }
    return found;
  }

  #line(id, title, parts, className, own = false) {
    const found = this.#conversation(id, title);
    const row = document.createElement("div");
    row.className = `line ${className}`;
    row.append(...parts);
    const log = $("log");
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    found.log.append(row);
    if (id === this.#active) {
      if (atBottom) log.scrollTop = log.scrollHeight;
    } else if (!own) {
      found.unread++;
      this.#renderTabs();
    }
  }

  #renderTabs() {
    $("tabs").replaceChildren(...[...this.#all.values()].map((c) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-selected", String(c.id === this.#active));
      tab.dataset.id = c.id;
      tab.textContent = c.title;
      if (c.unread > 0) {
        const badge = document.createElement("span");
        badge.className = "unread";
        badge.textContent = String(c.unread);
        badge.setAttribute("aria-label", `${c.unread} unread`);
        tab.append(badge);
      }
      tab.onclick = () => this.show(c.id);
      return tab;
    }));
  }
}

function span(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}

/** The title of a conversation that the line shown in it names no better. */
function titleFor(id) {
  return id === EVERYONE ? "Everyone" : id;
}

function time(date) {
  const element = document.createElement("time");
  element.dateTime = date.toISOString();
  element.textContent = date.toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  return element;
}
