/**
 * The per-connection outbox (Ergo's "sendq"): a byte-capped queue that producers append to
 * without waiting, flushed by one writer loop that writes everything queued in one write.
 * Bulk data (file chunks) waits in a lane of its own, outside the cap, and goes out one piece
 * at a time whenever nothing else is queued.
 *
 * @module
 */

import { concat } from "../common/bytes.ts";
import type { Tally } from "../common/tally.ts";

/**
 * The last batch built from several chunks, kept so that outboxes holding the very same chunks
 * (as every recipient of the same broadcasts does) share one copy instead of making one each.
 */
let lastBatch: { parts: Uint8Array[]; bytes: Uint8Array } | undefined;

/** Joins `parts` (of `length` bytes in all), reusing the last join of the very same parts. */
function joinParts(parts: Uint8Array[], length: number): Uint8Array {
  const last = lastBatch;
  if (
    last !== undefined && last.bytes.length === length && last.parts.length === parts.length &&
    last.parts.every((part, i) => part === parts[i])
  ) {
    return last.bytes;
  }
  const bytes = concat(parts, length);
  lastBatch = { parts, bytes };
  return bytes;
}

/**
 * Most bulk bytes written at once (more than one piece when they fit): chat queued meanwhile
 * waits for at most one such write.
 */
export const BULK_WRITE_BYTES = 256 * 1024;

/** Bytes a write must take, at least, to count as progress (short of finishing its batch). */
export const PROGRESS_BYTES = 16 * 1024;

/** Anything bytes can be written to, such as a `Deno.Conn` or `Deno.stdout`. */
export interface ByteWriter {
  /** Writes some of `bytes` and resolves to how many were written. */
  write(bytes: Uint8Array): Promise<number>;
}

/** How an outbox is set up. */
export interface OutboxOptions {
  /** Most bytes queued and not yet written; past it `enqueue` refuses. */
  capBytes: number;
  /** Called once when a write fails; the outbox then refuses everything. */
  onError?: (error: unknown) => void;
  /** The clock, in milliseconds, for stall detection. */
  now?: () => number;
  /** Counts the bytes written (for the server's metrics), when given. */
  written?: Tally;
}

/** A byte-capped queue of outgoing bytes with a single writer loop. */
export class Outbox {
  readonly #writer: ByteWriter;
  readonly #capBytes: number;
  readonly #onError?: (error: unknown) => void;
  readonly #now: () => number;
  readonly #counted: Tally | undefined;
  #chunks: Uint8Array[] = [];
  #chunkBytes = 0;
  #inFlightBytes = 0;
  /** Bulk data, written after everything else (bounded by its senders, not by the cap). */
  #bulk: Uint8Array[] = [];
  #bulkBytes = 0;
  /** Whether the writer is at work: a batch is being written, or the next is about to be. */
  #writing = false;
  /** The batch being written and how much of it is written. */
  #batch: Uint8Array | undefined;
  #written = 0;
  #sinceProgress = 0;
  /** Callers of `drained` waiting for the writer to stop. */
  #idleWaiters: (() => void)[] | undefined;
  /** Set while a flush is about to start (see `enqueue`). */
  #scheduled = false;
  #lastProgressAt = 0;
  #failed = false;
  /** Callers waiting for the queue to fall to a number of bytes (made when first needed). */
  #lowWaiters: { bytes: number; resolve: () => void }[] | undefined;
  /** Holds that writing waits for (see `hold`). */
  #holds = 0;

  /** Creates an outbox that writes to `writer`. */
  constructor(writer: ByteWriter, options: OutboxOptions) {
    this.#writer = writer;
    this.#capBytes = options.capBytes;
    this.#onError = options.onError;
    this.#now = options.now ?? Date.now;
    this.#counted = options.written;
  }

  /** Bytes queued or being written. */
  get queuedBytes(): number {
    return this.#chunkBytes + this.#inFlightBytes;
  }

  /** Bulk bytes queued, not counting one being written. */
  get bulkBytes(): number {
    return this.#bulkBytes;
  }

  /** Whether a write has failed. */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Queues `bytes` to be written; never waits. Returns false, queuing nothing, when the cap (or
   * `capBytes`, when given) would be passed or a write has failed.
   */
  enqueue(bytes: Uint8Array, capBytes = this.#capBytes): boolean {
    if (this.#failed || this.queuedBytes + bytes.length > capBytes) return false;
    this.#chunks.push(bytes);
    this.#chunkBytes += bytes.length;
    this.#start();
    return true;
  }

  /**
   * Queues bulk `bytes` behind everything else, outside the cap; never waits. False when a
   * write has failed.
   */
  enqueueBulk(bytes: Uint8Array): boolean {
    if (this.#failed) return false;
    this.#bulk.push(bytes);
    this.#bulkBytes += bytes.length;
    this.#start();
    return true;
  }

  /**
   * Writes nothing new until `until` settles: what is queued meanwhile waits (a batch being
   * written goes on). A node of a cluster holds a user's answer to a join until it hears the
   * room's channel, so that nothing said there once the user knows it is in is missed.
   */
  hold(until: Promise<unknown>): void {
    this.#holds++;
    const release = () => {
      this.#holds--;
      if (this.#chunks.length > 0 || this.#bulk.length > 0) this.#start();
    };
    until.then(release, release);
  }

  /** Starts the writer once the current work is done, unless it runs or is about to. */
  #start(): void {
    if (this.#holds > 0) return;
    if (!this.#writing && !this.#scheduled) {
      // Start writing once the current work is done, so that everything queued meanwhile
      // (such as the broadcasts of every read that completed together) goes in one write.
      this.#scheduled = true;
      if (Outbox.#starting.push(this) === 1) queueMicrotask(Outbox.#startAll);
    }
  }

  /** Outboxes that start writing once the current work is done (one microtask for them all). */
  static #starting: Outbox[] = [];

  static #startAll(): void {
    const starting = Outbox.#starting;
    Outbox.#starting = [];
    for (const outbox of starting) {
      outbox.#scheduled = false;
      if (!outbox.#writing) outbox.#next();
    }
  }

  /** Drops what is queued but not yet being written, so that a last word can go next. */
  clear(): void {
    this.#chunks = [];
    this.#chunkBytes = 0;
    this.#bulk = [];
    this.#bulkBytes = 0;
    this.#wakeLowWaiters();
  }

  /** Resolves once at most `bytes` are queued (or writing has failed). */
  waitBelow(bytes: number): Promise<void> {
    if (this.#failed || this.queuedBytes <= bytes) return Promise.resolve();
    return new Promise((resolve) => (this.#lowWaiters ??= []).push({ bytes, resolve }));
  }

  /**
   * How long, in milliseconds, the current writing has made no progress (written no
   * `PROGRESS_BYTES`, nor finished a batch); 0 when idle.
   */
  stalledFor(now: number = this.#now()): number {
    return this.#writing ? Math.max(0, now - this.#lastProgressAt) : 0;
  }

  /** Resolves once everything queued so far is written, or writing has failed. */
  async drained(): Promise<void> {
    while (this.#writing || this.#scheduled || (this.#holds > 0 && this.queuedBytes > 0)) {
      await new Promise<void>((resolve) => (this.#idleWaiters ??= []).push(resolve));
    }
  }

  // The writer is a chain of callbacks rather than an async loop: a big room makes a write per
  // recipient, and an async function's frame and promise per write cost more than the rest of
  // our side of it (measured for issue 12).

  /** Takes the next batch and starts writing it; stops, idle, when nothing is queued or held. */
  #next(): void {
    if (this.#holds > 0 || (this.#chunks.length === 0 && this.#bulk.length === 0)) {
      this.#stop();
      return;
    }
    this.#writing = true;
    let batch: Uint8Array;
    if (this.#chunks.length > 0) {
      batch = this.#chunks.length === 1
        ? this.#chunks[0]
        : joinParts(this.#chunks, this.#chunkBytes);
      this.#inFlightBytes = batch.length;
      this.#chunks = [];
      this.#chunkBytes = 0;
    } else {
      let count = 1;
      let length = this.#bulk[0].length;
      while (count < this.#bulk.length && length + this.#bulk[count].length <= BULK_WRITE_BYTES) {
        length += this.#bulk[count++].length;
      }
      const pieces = this.#bulk.splice(0, count);
      batch = count === 1 ? pieces[0] : concat(pieces, length);
      this.#bulkBytes -= length;
    }
    this.#batch = batch;
    this.#written = 0;
    this.#sinceProgress = 0;
    this.#lastProgressAt = this.#now();
    this.#write(batch);
  }

  #write(bytes: Uint8Array): void {
    let writing: Promise<number>;
    try {
      writing = this.#writer.write(bytes);
    } catch (error) {
      this.#fail(error);
      return;
    }
    writing.then(this.#onWritten, this.#onFailed);
  }

  readonly #onWritten = (n: number): void => {
    const batch = this.#batch!;
    if (this.#counted !== undefined) this.#counted.inc(n);
    this.#written += n;
    this.#sinceProgress += n;
    if (this.#written < batch.length) {
      if (this.#sinceProgress >= PROGRESS_BYTES) {
        this.#lastProgressAt = this.#now();
        this.#sinceProgress = 0;
      }
      this.#write(batch.subarray(this.#written));
      return;
    }
    // A finished batch is progress: the next one (if any) starts the clock again.
    this.#batch = undefined;
    this.#inFlightBytes = 0;
    this.#wakeLowWaiters();
    this.#next();
  };

  readonly #onFailed = (error: unknown): void => this.#fail(error);

  #fail(error: unknown): void {
    this.#failed = true;
    this.#chunks = [];
    this.#chunkBytes = 0;
    this.#bulk = [];
    this.#bulkBytes = 0;
    this.#inFlightBytes = 0;
    this.#batch = undefined;
    this.#wakeLowWaiters();
    this.#stop();
    this.#onError?.(error);
  }

  #stop(): void {
    this.#writing = false;
    const waiters = this.#idleWaiters;
    if (waiters === undefined) return;
    this.#idleWaiters = undefined;
    for (const resolve of waiters) resolve();
  }

  #wakeLowWaiters(): void {
    if (this.#lowWaiters === undefined || this.#lowWaiters.length === 0) return;
    const queued = this.queuedBytes;
    this.#lowWaiters = this.#lowWaiters.filter((waiter) => {
      if (!this.#failed && queued > waiter.bytes) return true;
      waiter.resolve();
      return false;
    });
  }
}
