/**
 * What a node's users say to users of other nodes, never lost in silence while Redis is away.
 * Each such bus message gets a number that rises with every one; until Redis has taken it, it is
 * kept. When the link is lost, what was sent but not taken is kept again, ahead of what comes
 * next, and everything waits; once the link is back and the other nodes hear the bus again, it is
 * all sent, in order, with its original times. A receiver hears each number of a node once, so a
 * message sent again because its first sending could not be confirmed is not heard twice.
 *
 * Kept within a bound: at most `HELD_MAX_MESSAGES` messages and `HELD_MAX_BYTES` of them, none
 * older than `HELD_MAX_AGE_MS`. What passes the bound is dropped, and its senders are told
 * (`dropped`).
 *
 * @module
 */

import type { BusMessage } from "./bus_messages.ts";

/** Most bus messages kept while Redis is away. */
export const HELD_MAX_MESSAGES = 10_000;
/** Longest a bus message is kept while Redis is away (ms). */
export const HELD_MAX_AGE_MS = 60_000;
/** Most bytes of bus messages kept while Redis is away (as JSON, counted in UTF-16 units). */
export const HELD_MAX_BYTES = 16 * 1024 * 1024;

/** How the held messages reach Redis and the rest of the node. */
export interface HeldMessagesOptions {
  /** Publishes `message`, numbered `seq`, on `channel`; resolves to how many heard it. */
  send(channel: string, message: BusMessage, seq: number): Promise<unknown>;
  /** `message` passed the bound and will not be sent: its senders are told. */
  dropped(message: BusMessage): void;
  /** The clock, in ms. */
  now?: () => number;
  /** Most messages kept (default `HELD_MAX_MESSAGES`). */
  maxMessages?: number;
  /** Longest a message is kept, in ms (default `HELD_MAX_AGE_MS`). */
  maxAgeMs?: number;
  /** Most bytes kept (default `HELD_MAX_BYTES`). */
  maxBytes?: number;
}

/** One bus message on its way. */
interface Held {
  seq: number;
  channel: string;
  message: BusMessage;
  /** Called when a node's channel has nobody to hear it (that node is not listening). */
  failed?: () => void;
  /** When it was said (ms). */
  at: number;
  /** Its size as JSON, once kept. */
  size?: number;
}

/** The numbered bus messages of one node: sent, or kept while the link is away. */
export class HeldMessages {
  readonly #options: HeldMessagesOptions;
  readonly #now: () => number;
  readonly #maxMessages: number;
  readonly #maxAgeMs: number;
  readonly #maxBytes: number;
  #seq = 0;
  /** The size of what is kept. */
  #bytes = 0;
  #holding = false;
  /** Kept, oldest first. */
  #queue: Held[] = [];
  /**
   * Sent but not yet known to be taken by Redis, by number (in the order sent); each sending is
   * an object of its own, so that the late answer to an earlier sending is told apart.
   */
  readonly #inFlight = new Map<number, { held: Held }>();

  /** Messages numbered from 1, sent through `options.send`. */
  constructor(options: HeldMessagesOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#maxMessages = options.maxMessages ?? HELD_MAX_MESSAGES;
    this.#maxAgeMs = options.maxAgeMs ?? HELD_MAX_AGE_MS;
    this.#maxBytes = options.maxBytes ?? HELD_MAX_BYTES;
  }

  /** Whether messages are kept rather than sent (from a lost link until `release`). */
  get holding(): boolean {
    return this.#holding;
  }

  /** How many messages are kept. */
  get size(): number {
    return this.#queue.length;
  }

  /**
   * Sends `message` on `channel`, or keeps it while holding; `failed` is called when a node's
   * channel has nobody to hear it.
   */
  publish(channel: string, message: BusMessage, failed?: () => void): void {
    const held = { seq: ++this.#seq, channel, message, failed, at: this.#now() };
    if (this.#holding) this.#keep(held);
    else this.#send(held);
  }

  /**
   * The link is lost: from now on messages are kept, and those sent but not known to be taken are
   * kept again, ahead of the others (each may be sent twice; it is heard once).
   */
  hold(): void {
    this.#holding = true;
    if (this.#inFlight.size === 0) return;
    const unsure = [...this.#inFlight.values()].map((sending) => sending.held);
    this.#inFlight.clear();
    for (const held of unsure) this.#bytes += held.size ??= sizeOf(held.message);
    this.#queue = [...unsure, ...this.#queue];
  }

  /** Sends what was kept, in order (what is too old is dropped), then sends as it comes. */
  release(): void {
    this.#holding = false;
    const queue = this.#queue;
    this.#queue = [];
    this.#bytes = 0;
    const oldest = this.#now() - this.#maxAgeMs;
    for (const held of queue) {
      if (held.at < oldest) this.#options.dropped(held.message);
      else this.#send(held);
    }
  }

  #send(held: Held): void {
    const sending = { held };
    this.#inFlight.set(held.seq, sending);
    this.#options.send(held.channel, held.message, held.seq).then((heard) => {
      if (this.#inFlight.get(held.seq) !== sending) return;
      this.#inFlight.delete(held.seq);
      if (Number(heard) === 0 && held.channel.startsWith("node:")) held.failed?.();
    }, () => {
      // Still unsure: the link is going, and it is kept again with what is unsure.
      if (this.#inFlight.get(held.seq) === sending) this.hold();
    });
  }

  /** Keeps `held`, dropping what passed the bound. */
  #keep(held: Held): void {
    const oldest = this.#now() - this.#maxAgeMs;
    while (this.#queue.length > 0 && this.#queue[0].at < oldest) {
      const old = this.#queue.shift()!;
      this.#bytes -= old.size!;
      this.#options.dropped(old.message);
    }
    held.size = sizeOf(held.message);
    if (this.#queue.length >= this.#maxMessages || this.#bytes + held.size > this.#maxBytes) {
      this.#options.dropped(held.message);
      return;
    }
    this.#queue.push(held);
    this.#bytes += held.size;
  }
}

/** The size of `message` as JSON (in UTF-16 units, close to its bytes on the bus). */
function sizeOf(message: BusMessage): number {
  return JSON.stringify(message).length;
}
