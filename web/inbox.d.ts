/** Types of `inbox.js` (a plain module, as the page loads it unchanged). */

/** How long one slice may run before the page is given back to the browser (ms). */
export const SLICE_MS: number;

/**
 * Runs `run` in a task of its own, soon: a message posted on a channel, which browsers run
 * without the 4 ms wait that nested timers get.
 */
export function nextTask(run: () => void): void;

/** How an `Inbox` slices its work. */
export interface InboxOptions {
  /** Runs at the end of each slice (to draw what it gathered). */
  afterSlice?: () => void;
  /** A slice's length, in ms (`SLICE_MS`). */
  budgetMs?: number;
  /** The clock, in ms (`performance.now`). */
  now?: () => number;
  /** How the page is given back to the browser before the next slice (`nextTask`). */
  nextTask?: (run: () => void) => void;
}

/** Items handled one after another, in slices. */
export class Inbox<T> {
  /**
   * Handles each item pushed with `take(item)` (awaited when it returns a promise; an error is
   * logged and the next item taken). Options: `afterSlice()` runs at the end of each slice (to
   * draw what it gathered), `budgetMs` is a slice's length, `now()` the clock in ms, and
   * `nextTask(run)` how the page is given back to the browser before the next slice.
   */
  constructor(take: (item: T) => void | Promise<void>, options?: InboxOptions);
  /** How many items wait. */
  readonly size: number;
  /** Adds `item`, to be taken after those already waiting, from the next task on. */
  push(item: T): void;
}
