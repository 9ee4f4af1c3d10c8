// @ts-self-types="./conversations.d.ts"
/**
 * The conversations of the page, a tab each (everyone, each room, each person talked with
 * privately), and the lines shown in them. Every text from another person is put on the page with
 * textContent, never as HTML.
 *
 * Lines are gathered and drawn together (`flush`, at the end of each slice of what arrives, or in
 * the next task): one append, one look at the scroll position and one redraw of the tabs for many
 * lines, and at most `DRAWN_AT_ONCE` lines at a time into the conversation shown, as the browser
 * lays out each one it is given. A conversation keeps its last `LINES_KEPT` lines: older ones are
 * dropped from the page, and lines that would be dropped before they are drawn are never made. Once
 * it drops lines, its first line says so (`/history` fetches what was said to everyone or in a room
 * again).
 *
 * @module
 */

import { nextTask } from "./inbox.js";
import { EVERYONE } from "./names.js";

/** The most lines one conversation keeps on the page. */
export const LINES_KEPT = 1000;

/** The most lines drawn at once into the conversation shown (each is laid out by the browser). */
export const DRAWN_AT_ONCE = 100;

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
    this.#line(id, title ?? titleFor(id), "message", this.#isOwn(who), () => {
      const parts = [time(date)];
      if (mark) parts.push(span("mark", `[${mark}]`));
      parts.push(span("who", who), span("text", text));
      return parts;
    });
  }

  /**
   * Shows what happened (someone joined, left...) in conversation `id`; with `action`
   * (`{ label, act }`), a button labelled so follows the text, and runs `act()` once pressed.
   */
  notice(id, date, text, action) {
    this.#line(id, titleFor(id), "notice", false, () => {
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
      return parts;
    });
  }

  /** Shows a line of the page's own in the conversation open. */
  system(text) {
    const title = this.#all.get(this.#active)?.title ?? "Everyone";
    const date = new Date();
    this.#line(this.#active, title, "system", false, () => [time(date), span("text", text)]);
  }

  /**
   * Draws the lines gathered since the last time: each conversation's appended at once (the
   * conversation shown takes `DRAWN_AT_ONCE`, and the rest in the next task), its oldest dropped
   * past `LINES_KEPT`; the one shown is kept scrolled to its end if it was there; the unread counts
   * are redrawn.
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

  /** Adds a line, made by `parts()` when drawn, to conversation `id` (titled `title` if new). */
  #line(id, title, className, own, parts) {
    const found = this.#conversation(id, title);
    found.pending.push({ className, parts });
    // Lines that would be dropped as soon as drawn are never made.
    if (found.pending.length > LINES_KEPT) {
      found.pending.shift();
      this.#hide(found);
    }
    if (id !== this.#active && !own) {
      found.unread++;
      this.#tabsStale = true;
    }
    this.#flushSoon();
  }

  /** Asks for a flush in the next task, unless one is asked for already. */
  #flushSoon() {
    if (this.#flushing) return;
    this.#flushing = true;
    nextTask(() => {
      if (this.#flushing) this.flush();
    });
  }

  /** Appends `conversation`'s waiting lines, drops its oldest past the bound, scrolls. */
  #draw(conversation) {
    const shown = conversation.id === this.#active;
    const rows = shown
      ? conversation.pending.splice(0, DRAWN_AT_ONCE)
      : conversation.pending.splice(0);
    const log = $("log");
    const atBottom = shown && log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    const fragment = document.createDocumentFragment();
    for (const { className, parts } of rows) {
      const row = document.createElement("div");
      row.className = `line ${className}`;
      row.append(...parts());
      fragment.append(row);
    }
    conversation.log.append(fragment);
    conversation.lines += rows.length;
    if (conversation.lines > LINES_KEPT) this.#dropOldest(conversation);
    if (atBottom) log.scrollTop = log.scrollHeight;
    if (conversation.pending.length > 0) this.#flushSoon();
  }

  /** Drops `conversation`'s oldest lines past `LINES_KEPT`. */
  #dropOldest(conversation) {
    this.#hide(conversation);
    const { log } = conversation;
    const range = document.createRange();
    range.setStartAfter(log.firstChild);
    range.setEndBefore(log.children[1 + conversation.lines - LINES_KEPT]);
    range.deleteContents();
    conversation.lines = LINES_KEPT;
  }

  /** Says, once, as `conversation`'s first line, that its older lines are hidden. */
  #hide(conversation) {
    if (conversation.hidden) return;
    conversation.hidden = true;
    const note = document.createElement("div");
    note.className = "line system hidden-lines";
    note.textContent = hiddenNote(conversation);
    conversation.log.prepend(note);
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
