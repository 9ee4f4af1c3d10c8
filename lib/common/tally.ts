/**
 * A tally: what counts something and nothing more. Modules that count for the server's metrics
 * take one (a metrics counter is one) and know nothing of metrics.
 *
 * @module
 */

/** Something that counts: each call adds `amount` (1 when not given). */
export interface Tally {
  /** Adds `amount` (at least 0; 1 when not given). */
  inc(amount?: number): void;
}
