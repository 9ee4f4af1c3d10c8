// @ts-self-types="./conversations.d.ts"
/**
 * The conversations of the page, a tab each (everyone, each room, each person talked with
 * privately), and the lines shown in them. Every text from another person is put on the page with
 * textContent, never as HTML.
 *
 * Lines are gathered and drawn together (`flush`, at the end of each slice of what arrives, or in
 * the next task): one append, one look at the scroll position and one redraw of the tabs for many
 * lines. A conversation keeps its last `LINES_KEPT` lines; once it drops older ones, its first line
 * says so, and `/history` fetches what was said to everyone or in a room again.
 *
 * @module
 */

import { EVERYONE } from "./names.js";

/** The most lines one conversation keeps on the page. */
export const LINES_KEPT = 1000;

const $ = (id) => document.getElementById(id);

/** The time of day as lines show it, made once (a format per line is slow). */
const TIME_OF_DAY = new Intl.DateTimeFormat([], {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** The tabs and the log of the conversation open. */
export class Conversations {
  /** Conversations by id: "*", "#room" or "@nick" (names in lower case). */
  #all = new Map();
  #active = EVERYONE;
  #isOwn;
  #onShow;
  /** Whether lines wait to be drawn, a flush asked for. */
  #flushing = false;
  /** Whether an unread count changed since the tabs were drawn. */
  #tabsStale = false;

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
    this.flush();
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

  /**
   * Draws the lines gathered since the last time: each conversation's appended at once (its
   * oldest dropped past `LINES_KEPT`), the one shown kept scrolled to its end if it was there,
   * the unread counts redrawn.
   */
  flush() {
    this.#flushing = false;
    for (const conversation of this.#all.values()) {
      if (conversation.pending.length > 0) this.#draw(conversation);
    }
    if (this.#tabsStale) this.#renderTabs();
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
      found = { id, title, unread: 0, log, pending: [], lines: 0, hidden: false };
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
    found.pending.push(row);
    if (id !== this.#active && !own) {
      found.unread++;
      this.#tabsStale = true;
    }
    if (!this.#flushing) {
      this.#flushing = true;
      setTimeout(() => {
        if (this.#flushing) this.flush();
      }, 0);
    }
  }

  /** Appends `conversation`'s waiting lines, drops its oldest past the bound, scrolls. */
  #draw(conversation) {
    const rows = conversation.pending;
    conversation.pending = [];
    const shown = conversation.id === this.#active;
    const log = $("log");
    const atBottom = shown && log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    const fragment = document.createDocumentFragment();
    for (const row of rows) fragment.append(row);
    conversation.log.append(fragment);
    conversation.lines += rows.length;
    if (conversation.lines > LINES_KEPT) this.#dropOldest(conversation);
    if (atBottom) log.scrollTop = log.scrollHeight;
  }

  /** Drops `conversation`'s oldest lines past `LINES_KEPT`; the first time, says so above. */
  #dropOldest(conversation) {
    const { log } = conversation;
    if (!conversation.hidden) {
      conversation.hidden = true;
      const note = document.createElement("div");
      note.className = "line system hidden-lines";
      note.textContent = hiddenNote(conversation);
      log.prepend(note);
    }
    const range = document.createRange();
    range.setStartAfter(log.firstChild);
    range.setEndBefore(log.children[1 + conversation.lines - LINES_KEPT]);
    range.deleteContents();
    conversation.lines = LINES_KEPT;
  }

  #renderTabs() {
    this.#tabsStale = false;
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

/** What the first line of `conversation` says once it dropped its oldest lines. */
function hiddenNote({ id, title }) {
  const kept = `Older messages are hidden (the page keeps the last ${LINES_KEPT} lines)`;
  if (id === EVERYONE) return `${kept}: /history shows them`;
  if (id.startsWith("#")) return `${kept}: /history ${title} shows them`;
  return kept;
}

/** The title of a conversation that the line shown in it names no better. */
function titleFor(id) {
  return id === EVERYONE ? "Everyone" : id;
}

function time(date) {
  const element = document.createElement("time");
  element.dateTime = date.toISOString();
  element.textContent = TIME_OF_DAY.format(date);
  return element;
}
