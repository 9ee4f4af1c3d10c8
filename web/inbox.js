// @ts-self-types="./inbox.d.ts"
/**
 * What arrives, taken in order in slices of a few milliseconds: after each slice the page is
 * given back to the browser (to draw, and to take the user's keys and clicks) before the next, so
 * that a burst of thousands of messages never holds it for long. A message whose handling waits
 * (on keys, say) holds the ones after it, so that the order stays the order they came in.
 *
 * @module
 */

/** How long one slice may run before the page is given back to the browser (ms). */
export const SLICE_MS = 8;

/** Taken items are let go of in chunks of at least this many (the queue is not shifted). */
const COMPACT_AT = 1024;

/**
 * Runs `run` in a task of its own, soon: at background priority where the browser has a scheduler
 * (Chromium: drawing, input and the socket's messages go first), else a message posted on a
 * channel, which browsers run without the 4 ms wait that nested timers get.
 */
export function nextTask(run) {
  if (typeof globalThis.scheduler?.postTask === "function") {
    globalThis.scheduler.postTask(run, { priority: "background" });
    return;
  }
  if (channel === undefined) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  waiting.push(run);
  channel.port2.postMessage(null);
}

/** The channel of `nextTask`, made on first use, and what waits on it. */
let channel;
const waiting = [];

/** Items handled one after another, in slices. */
export class Inbox {
  #items = [];
  #next = 0;
  #running = false;
  #take;
  #afterSlice;
  #budget;
  #now;
  #nextTask;

  /**
   * Handles each item pushed with `take(item)` (awaited when it returns a promise; an error is
   * logged and the next item taken). Options: `afterSlice()` runs at the end of each slice (to
   * draw what it gathered), `budgetMs` is a slice's length, `now()` the clock in ms, and
   * `nextTask(run)` how the page is given back to the browser before the next slice.
   */
  constructor(take, options = {}) {
    this.#take = take;
    this.#afterSlice = options.afterSlice ?? (() => {});
    this.#budget = options.budgetMs ?? SLICE_MS;
    this.#now = options.now ?? (() => performance.now());
    this.#nextTask = options.nextTask ?? nextTask;
  }

  /** How many items wait. */
  get size() {
    return this.#items.length - this.#next;
  }

  /** Adds `item`, to be taken after those already waiting, from the next task on. */
  push(item) {
    this.#items.push(item);
    if (this.#running) return;
    this.#running = true;
    this.#nextTask(() => this.#drain());
  }

  async #drain() {
    let started = this.#now();
    while (this.size > 0) {
      const item = this.#items[this.#next];
      this.#items[this.#next++] = undefined;
      this.#compact();
      try {
        const done = this.#take(item);
        if (typeof done?.then === "function") await done;
      } catch (error) {
        console.error(error);
      }
      if (this.size > 0 && this.#now() - started >= this.#budget) {
        this.#ended();
        await new Promise((resolve) => this.#nextTask(resolve));
        started = this.#now();
      }
    }
    this.#running = false;
    this.#ended();
  }

  #ended() {
    try {
      this.#afterSlice();
    } catch (error) {
      console.error(error);
    }
  }

  /** Lets go of the items taken, once they are many and at least half the queue. */
  #compact() {
    if (this.#next < COMPACT_AT || this.#next * 2 < this.#items.length) return;
    this.#items.splice(0, this.#next);
    this.#next = 0;
  }
}
