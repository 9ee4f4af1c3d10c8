/**
 * The server's console output: events are written in the format chosen at start
 * (`log_format.ts`), queued and written by a background loop, so a slow terminal never blocks
 * the event loop; past a byte cap, lines are dropped and counted, and an event says so.
 *
 * @module
 */

import { type EventKind, eventKind, type LogEvent } from "../common/log_event.ts";
import { type ByteWriter, Outbox } from "../net/outbox.ts";
import { type LogFormatter, textLine } from "./log_format.ts";

/** Most bytes of console output waiting to be written before lines are dropped. */
export const CONSOLE_BUFFER_BYTES = 8 * 1024 * 1024;

const encoder = new TextEncoder();

/** `count` console lines were dropped, the console being too slow. */
export const CONSOLE_DROPPED: EventKind<{ count: number }> = eventKind(
  "console_dropped",
  "warn",
  (f) => `(${f.count} console lines dropped: the console is too slow)`,
);

/** How a console is set up. */
export interface ConsoleLogOptions {
  /** Most bytes waiting to be written before lines are dropped (`CONSOLE_BUFFER_BYTES`). */
  capBytes?: number;
  /** How events are written (their text lines by default). */
  format?: LogFormatter;
  /** The clock, for the event that says lines were dropped. */
  now?: () => Date;
}

/** A console that never blocks its caller. */
export class ConsoleLog {
  readonly #outbox: Outbox;
  readonly #format: LogFormatter;
  readonly #now: () => Date;
  #dropped = 0;
  /** Lines given since the last hand-over to the outbox, encoded together once per turn. */
  #pending: string[] = [];

  /** Creates a console writing to `writer` (standard output by default). */
  constructor(writer: ByteWriter = Deno.stdout, options: ConsoleLogOptions = {}) {
    this.#outbox = new Outbox(writer, { capBytes: options.capBytes ?? CONSOLE_BUFFER_BYTES });
    this.#format = options.format ?? textLine;
    this.#now = options.now ?? (() => new Date());
  }

  /** Queues `event`'s line in the console's format. */
  readonly log = (event: LogEvent): void => {
    if (this.#pending.length === 0) queueMicrotask(this.#handOver);
    this.#pending.push(event.lineIn(this.#format));
  };

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
      lines.unshift(this.#format(CONSOLE_DROPPED.at(this.#now(), { count: this.#dropped })));
    }
    if (this.#outbox.enqueue(encoder.encode(lines.join("\n") + "\n"))) {
      this.#dropped = 0;
    } else {
      this.#dropped += lines.length - (this.#dropped > 0 ? 1 : 0);
    }
  };
}
