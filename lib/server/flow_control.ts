/**
 * Flow control between senders and recipients: the rate limit a sender waits for, senders held
 * back while a recipient that is reading is over the high-water mark, and the sendq that cuts off
 * a recipient that has stopped reading.
 *
 * @module
 */

import type { Tally } from "../common/tally.ts";
import type { ServerLimits } from "./limits.ts";
import type { Peer } from "./peer.ts";
import { rateVerdict } from "./rate_limiter.ts";

/** Most bytes queued for a recipient before senders wait for it (capped at a quarter sendq). */
export const HIGH_WATER_BYTES = 256 * 1024;
/**
 * How long a congested recipient may go without any write progress before it stops holding
 * senders back (ms): then it has stopped reading, and its sendq decides its fate. One that
 * reads, however slowly, holds senders back for as long as it needs.
 */
export const STALLED_RECIPIENT_MS = 2000;
/**
 * How many times its sendq a recipient that is reading may have queued, when many senders that
 * passed before it grew congested each add a frame at once.
 */
export const OVERFLOW_FACTOR = 4;

/** What flow control does to a client, through the server. */
export interface FlowActions {
  /** Cuts off `peer` at once, with `lastWord` (a flooder). */
  drop(peer: Peer, reason: string, lastWord: Uint8Array): void;
  /** Marks `peer` dead, to be removed after the loop that found it (a full sendq). */
  markDead(peer: Peer, reason: string, lastWord: Uint8Array): void;
  /** Tells `peer` it is near the rate limit. */
  warn(peer: Peer, warning: string): void;
}

/** What flow control counts, for the server's metrics. */
export interface FlowTallies {
  /** Clients held to the rate limit, each once (when first warned). */
  throttled: Tally;
  /** Frames that waited for the rate limit. */
  delayed: Tally;
}

/** The rate limit, congestion and the sendq of every connection of one server. */
export class FlowControl {
  readonly #limits: ServerLimits;
  readonly #actions: FlowActions;
  readonly #highWater: number;
  /** What a recipient that is reading may have queued at most (see `enqueue`). */
  readonly #overflowCap: number;
  /** Recipients over the high-water mark, with the moment they drain. */
  readonly #congested = new Map<Peer, Promise<void>>();
  /** The turn of the last sender woken from waiting for room (see `#nextTurn`). */
  #turns: Promise<void> = Promise.resolve();
  readonly #tallies: FlowTallies | undefined;
  /** The most bytes one outbox held since `takePeak` was last called. */
  #peak = 0;

  /**
   * Flow control within `limits`, acting on clients through `actions`, counting on `tallies`
   * when given.
   */
  constructor(limits: ServerLimits, actions: FlowActions, tallies?: FlowTallies) {
    this.#limits = limits;
    this.#actions = actions;
    this.#tallies = tallies;
    this.#highWater = Math.min(HIGH_WATER_BYTES, limits.sendqBytes / 4);
    this.#overflowCap = limits.sendqBytes * OVERFLOW_FACTOR;
  }

  /** What a sender waits for before its next frame: the rate limit, then congested recipients. */
  beforeFrame(peer: Peer, bytes: number): Promise<void> | undefined {
    const pause = this.#ratePause(peer, bytes);
    if (pause > 0) {
      const slept = new Promise<void>((resolve) => setTimeout(resolve, pause));
      return this.#congested.size === 0 ? slept : slept.then(() => this.#room());
    }
    return this.#congested.size === 0 ? undefined : this.#room();
  }

  /** Queues bytes for `peer`, noting congestion; false (and `peer` marked dead) when full. */
  enqueue(peer: Peer, bytes: Uint8Array): boolean {
    // An IRC command with a label gathers its replies, to send them labelled (IRCv3).
    if (peer.gathered !== undefined) {
      peer.gathered.push(bytes);
      return true;
    }
    // Senders that passed before a recipient grew congested may each add a frame: a recipient
    // that is reading takes them past its sendq, up to the overflow cap; only one that has
    // stopped reading is cut at its sendq.
    // (The clock is read only past the sendq: this is the broadcast loop.)
    if (
      !peer.outbox.enqueue(bytes) &&
      !(peer.outbox.stalledFor() < STALLED_RECIPIENT_MS &&
        peer.outbox.enqueue(bytes, this.#overflowCap))
    ) {
      const why = `Send queue exceeded: more than ${this.#limits.sendqBytes} bytes waiting; ` +
        "disconnecting";
      this.#actions.markDead(peer, "removed (too slow to keep up)", peer.wire.encodeError(why));
      return false;
    }
    const queued = peer.outbox.queuedBytes;
    if (queued > this.#peak) this.#peak = queued;
    if (queued > this.#highWater) this.#noteCongestion(peer);
    return true;
  }

  /** The most bytes one outbox held since the last call; the count starts again. */
  takePeak(): number {
    const peak = this.#peak;
    this.#peak = 0;
    return peak;
  }

  /** How many recipients are over the high-water mark now. */
  get congested(): number {
    return this.#congested.size;
  }

  /** Forgets `peer`, which is leaving. */
  forget(peer: Peer): void {
    this.#congested.delete(peer);
  }

  /**
   * Waits while any recipient that is reading is over the high-water mark, so that senders go
   * at the pace of their slowest reader instead of overflowing its outbox. A recipient whose
   * writes have made no progress for `STALLED_RECIPIENT_MS` no longer holds anyone back: it has
   * stopped reading, and its sendq decides its fate.
   */
  async #room(): Promise<void> {
    while (true) {
      const now = Date.now();
      const waits: Promise<void>[] = [];
      let stalledIn = Infinity;
      for (const [peer, drained] of this.#congested) {
        const left = STALLED_RECIPIENT_MS - peer.outbox.stalledFor(now);
        if (left <= 0) continue;
        waits.push(drained);
        stalledIn = Math.min(stalledIn, left);
      }
      if (waits.length === 0) return;
      // Woken when they have all drained, or when one of them may have stalled.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<void>((resolve) => timer = setTimeout(resolve, stalledIn));
      await Promise.race([Promise.all(waits), stalled]);
      clearTimeout(timer);
      await this.#nextTurn();
    }
  }

  /**
   * Lets senders woken together go one at a time, each after the one before has delivered its
   * frame (a turn of the event loop later), so that each sees the congestion the others made
   * instead of all of them adding a frame to every outbox at once.
   */
  #nextTurn(): Promise<void> {
    const previous = this.#turns;
    let done: () => void = () => {};
    this.#turns = new Promise<void>((resolve) => done = resolve);
    return previous.then(() => {
      setTimeout(done, 0);
    });
  }

  /** Applies the rate limit: milliseconds to wait, warning or dropping a flooder. */
  #ratePause(peer: Peer, bytes: number): number {
    const verdict = rateVerdict(peer, bytes, this.#limits, peer.warnedOfRate);
    if ("flood" in verdict) {
      this.#actions.drop(peer, `removed (${verdict.flood})`, peer.wire.encodeError(verdict.flood));
      return 0;
    }
    if (verdict.warning !== undefined) {
      peer.warnedOfRate = true;
      this.#tallies?.throttled.inc();
      this.#actions.warn(peer, verdict.warning);
    }
    if (verdict.wait > 0) this.#tallies?.delayed.inc();
    return verdict.wait;
  }

  /** Notes a recipient whose outbox has passed the high-water mark. */
  #noteCongestion(peer: Peer): void {
    if (this.#congested.has(peer)) return;
    const drained = peer.outbox.waitBelow(this.#highWater / 2).then(() => {
      this.#congested.delete(peer);
    });
    this.#congested.set(peer, drained);
  }
}
