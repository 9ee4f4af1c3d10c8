/**
 * A per-client message rate limit: a token bucket that allows a burst, then a sustained rate,
 * and tells how long the next message must wait. The clock is injected, so tests are exact.
 *
 * @module
 */

/** A token bucket for one client. */
export class RateLimiter {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;
  #throttledSince: number | undefined;

  /** Allows `burst` messages at once, then `perSecond` messages a second. */
  constructor(burst: number, perSecond: number, now: () => number = Date.now) {
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#now = now;
    this.#tokens = burst;
    this.#updatedAt = now();
  }

  /**
   * Counts one message (or `amount`, such as its bytes) and returns how many milliseconds it
   * must wait before it may be handled (0 when it may go at once).
   */
  take(amount = 1): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#updatedAt) * this.#perMs);
    this.#updatedAt = now;
    this.#tokens -= amount;
    if (this.#tokens >= 0) {
      this.#throttledSince = undefined;
      return 0;
    }
    this.#throttledSince ??= now;
    return -this.#tokens / this.#perMs;
  }

  /** Gives back what a message took (`amount`) when it turned out not to count (file data). */
  refund(amount = 1): void {
    this.#tokens = Math.min(this.#burst, this.#tokens + amount);
    if (this.#tokens >= 0) this.#throttledSince = undefined;
  }

  /** How long, in milliseconds, every message has had to wait, without a break; 0 if not now. */
  throttledFor(): number {
    return this.#throttledSince === undefined ? 0 : this.#now() - this.#throttledSince;
  }
}
