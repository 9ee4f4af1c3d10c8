/**
 * Attempts, throttled: after `max` attempts within a window for one key (an account, or an IP
 * address), that key must wait until the oldest of them leaves the window. Failed logins are
 * counted so, and so are password hashes asked for by account changes.
 *
 * @module
 */

/** Failed logins allowed per key within the window. */
export const MAX_FAILED_LOGINS = 5;
/** The window failed logins are counted in (ms). */
export const FAILED_LOGIN_WINDOW_MS = 60_000;
/** Keys tracked before those with no recent attempt are forgotten. */
const PRUNE_AT = 10_000;

/** Counts attempts per key within a sliding window. */
export class Throttle {
  readonly #max: number;
  readonly #windowMs: number;
  /** The times of each key's recent attempts, oldest first (at most `max`). */
  readonly #failures = new Map<string, number[]>();

  /** Allows `max` attempts per key within `windowMs`. */
  constructor(max = MAX_FAILED_LOGINS, windowMs = FAILED_LOGIN_WINDOW_MS) {
    this.#max = max;
    this.#windowMs = windowMs;
  }

  /** How long (ms) until every one of `keys` may try again; 0 when they may now. */
  wait(keys: readonly string[], now: number): number {
    let wait = 0;
    for (const key of keys) {
      const times = this.#recent(key, now);
      if (times.length >= this.#max) wait = Math.max(wait, times[0] + this.#windowMs - now);
    }
    return wait;
  }

  /** Counts an attempt against each of `keys`. */
  count(keys: readonly string[], now: number): void {
    if (this.#failures.size >= PRUNE_AT) this.#prune(now);
    for (const key of keys) {
      const times = this.#recent(key, now);
      times.push(now);
      if (times.length > this.#max) times.shift();
      this.#failures.set(key, times);
    }
  }

  /** Forgets the attempts of `key` (after a successful login). */
  clear(key: string): void {
    this.#failures.delete(key);
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((time) => time > now - this.#windowMs);
  }

  #prune(now: number): void {
    for (const [key, times] of this.#failures) {
      if (times.at(-1)! <= now - this.#windowMs) this.#failures.delete(key);
    }
  }
}
