/**
 * The server's console output: lines are queued and written by a background loop, so a slow
 * terminal never blocks the event loop; past a byte cap, lines are dropped and counted.
 *
 * @module
 */

import { type ByteWriter, Outbox } from "../net/outbox.ts";

/** Most bytes of console output waiting to be written before lines are dropped. */
export const CONSOLE_BUFFER_BYTES = 8 * 1024 * 1024;

const encoder = new TextEncoder();

/** A console that never blocks its caller. */
export class ConsoleLog {
  readonly #outbox: Outbox;
  #dropped = 0;
  /** Lines given since the last hand-over to the outbox, encoded together once per turn. */
  #pending: string[] = [];

  /** Creates a console writing to `writer` (standard output by default). */
  constructor(writer: ByteWriter = Deno.stdout, capBytes: number = CONSOLE_BUFFER_BYTES) {
    this.#outbox = new Outbox(writer, { capBytes });
  }

  /** Queues one line (a newline is added). */
  line(text: string): void {
    if (this.#pending.length === 0) queueMicrotask(this.#handOver);
    this.#pending.push(text);
  }

  /** Resolves once every queued line is written. */
  async flush(): Promise<void> {
    this.#handOver();
    await this.#outbox.drained();
  }

  readonly #handOver = (): void => {
    if (this.#pending.length === 0) return;
    const lines = this.#pending;
    this.#pending = [];
    if (this.#dropped > 0) {
      lines.unshift(`(${this.#dropped} console lines dropped: the console is too slow)`);
    }
    if (this.#outbox.enqueue(encoder.encode(lines.join("\n") + "\n"))) {
      this.#dropped = 0;
    } else {
      this.#dropped += lines.length - (this.#dropped > 0 ? 1 : 0);
    }
  };
}
