/**
 * Console events as values: each has a stable name, a level, the time it happened and its
 * fields, and its text line is derived from those fields by its kind. Whoever logs builds an
 * event; the program that prints chooses how to write it (the text line, or one JSON object:
 * `lib/server/log_format.ts`). Nothing here does I/O.
 *
 * An event's kind is made once, where the event is logged, by `eventKind`; its text (or any other
 * line of it) is written only when asked for, and then once, however many times the event is
 * printed: the core logs one `Broadcasted:` event after each message of a batch.
 *
 * @module
 */

/** How much an event matters. */
export type LogLevel = "info" | "warn" | "error";

/**
 * A field's value: a `Date` is written in RFC 3339 in JSON; an undefined field is left out.
 * A field never holds a password or the text of a message.
 */
export type LogValue = string | number | boolean | Date | readonly string[] | undefined;

/** An event's fields, by snake_case name (`time`, `level` and `event` are the event's own). */
export type LogFields = {
  readonly [name: string]: LogValue;
  readonly time?: never;
  readonly level?: never;
  readonly event?: never;
};

/** Writes the text line of an event of fields `F` that happened at `time`. */
export type TextOf<F extends LogFields> = (fields: F, time: Date) => string;

/** One console event. */
export class LogEvent {
  /** Its stable snake_case name, such as `received` or `store_error`. */
  readonly event: string;
  /** How much it matters. */
  readonly level: LogLevel;
  /** When it happened (by the clock of whoever logged it). */
  readonly time: Date;
  /** What it is about. */
  readonly fields: LogFields;
  readonly #textOf: TextOf<LogFields>;
  #text: string | undefined;
  #format: ((event: LogEvent) => string) | undefined;
  #line: string | undefined;

  /** An event; `textOf` writes its text line from `fields` (see `eventKind`). */
  constructor(
    event: string,
    level: LogLevel,
    time: Date,
    fields: LogFields,
    textOf: TextOf<LogFields>,
  ) {
    this.event = event;
    this.level = level;
    this.time = time;
    this.fields = fields;
    this.#textOf = textOf;
  }

  /** Its text line, as the console has always shown it (written once, when first asked for). */
  get text(): string {
    return this.#text ??= this.#textOf(this.fields, this.time);
  }

  /** Its line as `format` writes it, written once for as long as it is asked in that format. */
  lineIn(format: (event: LogEvent) => string): string {
    if (this.#format !== format) {
      this.#line = format(this);
      this.#format = format;
    }
    return this.#line!;
  }
}

/** A kind of event: its name, level and text line; `at` makes one. */
export interface EventKind<F extends LogFields> {
  /** The events' name. */
  readonly event: string;
  /** The events' level. */
  readonly level: LogLevel;
  /** An event of this kind at `time`, with `fields`. */
  at(time: Date, fields: F): LogEvent;
}

/** Where events go. */
export type Log = (event: LogEvent) => void;

/** The kind of event named `event`, of `level`, whose text line `text` writes from its fields. */
export function eventKind<F extends LogFields>(
  event: string,
  level: LogLevel,
  text: TextOf<F>,
): EventKind<F> {
  const textOf = text as TextOf<LogFields>;
  return {
    event,
    level,
    at: (time, fields) => new LogEvent(event, level, time, fields, textOf),
  };
}
