/** Types of `conversations.js` (a plain module, as the page loads it unchanged). */

/** The most lines one conversation keeps on the page. */
export const LINES_KEPT: number;

/** The most lines drawn at once into the conversation shown (each is laid out by the browser). */
export const DRAWN_AT_ONCE: number;

/** The tabs and the log of the conversation open. */
export class Conversations {
  /**
   * Takes the tabs and the log; `isOwn(nickname)` tells this user's own lines, and
   * `onShow(id)` runs each time a conversation is shown.
   */
  constructor(isOwn: (nickname: string) => boolean, onShow?: (id: string) => void);
  /** The id of the conversation open. */
  readonly active: string;
  /** The title of conversation `id` (a room's or a person's name as typed), if there is one. */
  titleOf(id: string): string | undefined;
  /** Adds conversation `id`, titled `title`, unless it is there. */
  open(id: string, title: string): void;
  /** Shows conversation `id`, its unread lines now read. */
  show(id: string): void;
  /** Shows a chat line of `who` in conversation `id` (titled `title` if it is new). */
  say(id: string, date: Date, who: string, text: string, mark: string, title?: string): void;
  /**
   * Shows what happened (someone joined, left...) in conversation `id`; with `action`
   * (`{ label, act }`), a button labelled so follows the text, and runs `act()` once pressed.
   */
  notice(
    id: string,
    date: Date,
    text: string,
    action?: { label: string; act: () => void },
  ): void;
  /** Shows a line of the page's own in the conversation open. */
  system(text: string): void;
  /**
   * Draws the lines gathered since the last time: each conversation's appended at once (the
   * conversation shown takes `DRAWN_AT_ONCE`, and the rest in the next task), its oldest dropped
   * past `LINES_KEPT`; the one shown is kept scrolled to its end if it was there; the unread counts
   * are redrawn.
   */
  flush(): void;
  /** Forgets every conversation (the user left). */
  clear(): void;
}
