/**
 * The server's console output: lines are queued and written by a background loop, so a slow
 * terminal never blocks the event loop; past a byte cap, lines are dropped and counted.
 *
 * @module
 */

import { type ByteWriter, Outbox } from "./outbox.ts";

/** Most bytes of console output waiting to be written before lines are dropped. */
export const CONSOLE_BUFFER_BYTES = 8 * 1024 * 1024;

const encoder = new TextEncoder();

/** A console that never blocks its caller. */
export class ConsoleLog {
  readonly #outbox: Outbox;
  #dropped = 0;

  /** Creates a console writing to `writer` (standard output by default). */
  constructor(writer: ByteWriter = Deno.stdout, capBytes: number = CONSOLE_BUFFER_BYTES) {
    this.#outbox = new Outbox(writer, { capBytes });
  }

  /** Queues one line (a newline is added). */
  line(text: string): void {
    if (this.#dropped > 0) {
      const notice = `(${this.#dropped} console lines dropped: the console is too slow)\n`;
      if (!this.#outbox.enqueue(encoder.encode(notice))) {
        this.#dropped++;
        return;
      }
      this.#dropped = 0;
    }
    if (!this.#outbox.enqueue(encoder.encode(text + "\n"))) this.#dropped++;
  }

  /** Resolves once every queued line is written. */
  flush(): Promise<void> {
    return this.#outbox.drained();
  }
}
