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

/** What the rate limits say of a client's next frame: wait (warned once), or cut a flooder. */
export type RateVerdict = { wait: number; warning?: string } | { flood: string };

/** The limits `rateVerdict` applies. */
export interface RateLimits {
  /** Sustained messages per second per client, named in the warning. */
  maxRate: number;
  /** Messages a client may send at once before the rate applies, named in the warning. */
  burst: number;
  /** Sustained bytes per second per client, named in the warning. */
  byteRate: number;
  /** Bytes a client may send at once before the byte rate applies, named in the warning. */
  byteBurst: number;
  /** Milliseconds a client may stay over the rate before it is cut. */
  floodTimeoutMs: number;
}

/**
 * Takes a frame of `bytes` bytes from a client's limiters: how long it waits (and, the first
 * time, `warning`, unless `warned`), or why a client over the rate for `floodTimeoutMs` is cut.
 */
export function rateVerdict(
  limiters: { limiter?: RateLimiter; byteLimiter?: RateLimiter },
  bytes: number,
  limits: RateLimits,
  warned: boolean,
): RateVerdict {
  const messagesWait = limiters.limiter?.take() ?? 0;
  const bytesWait = limiters.byteLimiter?.take(bytes) ?? 0;
  const wait = Math.max(messagesWait, bytesWait);
  if (wait === 0) return { wait };
  const { maxRate, burst, byteRate, byteBurst, floodTimeoutMs } = limits;
  const byBytes = bytesWait > messagesWait;
  const throttled = Math.max(
    limiters.limiter?.throttledFor() ?? 0,
    limiters.byteLimiter?.throttledFor() ?? 0,
  );
  if (throttled > floodTimeoutMs) {
    const over = byBytes ? `${byteRate} bytes per second` : `${maxRate} messages per second`;
    return { flood: `Excess flood: over ${over} for ${floodTimeoutMs / 1000} s; disconnecting` };
  }
  if (warned) return { wait };
  return {
    wait,
    warning: byBytes
      ? `Slow down: past ${byteBurst} bytes at once, messages are handled at ${byteRate} ` +
        "bytes per second; yours are being delayed"
      : `Slow down: past ${burst} messages at once, messages are handled at ${maxRate} ` +
        "per second; yours are being delayed",
  };
}
