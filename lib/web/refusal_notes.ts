/**
 * The console's word on connections turned away at the web port's caps: one line per address and
 * minute, not one per connection, so that a flood of refused connections is not a flood of lines.
 * The first refusal of an address is said at once; the next ones within the minute are counted,
 * and the count is said with the first refusal after it. Past `MAX_ADDRESSES` addresses at once,
 * refusals from new addresses are counted together and said once a minute.
 *
 * @module
 */

import { type EventKind, eventKind, type Log } from "../common/log_event.ts";
import { formatDateTime } from "../common/text.ts";

/**
 * Connections from `ip` turned away for `reason`; `more` refused from there since `since`, unsaid
 * until now.
 */
export const WEB_REFUSED: EventKind<{ ip: string; reason: string; more?: number; since?: Date }> =
  eventKind(
    "web_refused",
    "warn",
    (f, time) =>
      `${formatDateTime(time)} :: web port refused ${f.ip}: ${f.reason}` +
      (f.more === undefined
        ? ""
        : ` (and ${f.more} more from there since ${formatDateTime(f.since!)})`),
  );

/** `count` connections from addresses past those counted one by one, turned away for `reason`. */
export const WEB_REFUSED_OTHERS: EventKind<{ count: number; reason: string }> = eventKind(
  "web_refused_others",
  "warn",
  (f, time) =>
    `${formatDateTime(time)} :: web port refused ${f.count} connection${
      f.count === 1 ? "" : "s"
    } from other addresses too: ${f.reason}`,
);

/** How long an address's refusals are counted before the next is said again (ms). */
export const NOTE_PERIOD_MS = 60_000;
/** Most addresses whose refusals are counted one by one. */
export const MAX_ADDRESSES = 4096;

/** How the notes are set up. */
export interface RefusalNotesOptions {
  /** Where console events go. */
  log: Log;
  /** The clock. */
  now?: () => Date;
}

/** An address's refusals since its last line. */
interface Note {
  /** When its last line was said (ms since the epoch). */
  said: number;
  /** Refusals since, unsaid. */
  unsaid: number;
}

/** Refusals noted on the console, once per address and minute: see the module's comment. */
export class RefusalNotes {
  readonly #log: Log;
  readonly #now: () => Date;
  readonly #notes = new Map<string, Note>();
  /** Refusals from addresses past `MAX_ADDRESSES`, and when they were last said. */
  #others: Note = { said: -Infinity, unsaid: 0 };

  /** Says refusals through `options.log`. */
  constructor(options: RefusalNotesOptions) {
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
  }

  /** Notes a connection from `ip` turned away because `why`. */
  note(ip: string, why: string): void {
    const now = this.#now();
    const time = now.getTime();
    let note = this.#notes.get(ip);
    if (note === undefined) {
      if (this.#notes.size >= MAX_ADDRESSES) this.#forgetOld(time);
      if (this.#notes.size >= MAX_ADDRESSES) return this.#noteOther(now, why);
      note = { said: -Infinity, unsaid: 0 };
      this.#notes.set(ip, note);
    }
    if (time - note.said < NOTE_PERIOD_MS) {
      note.unsaid++;
      return;
    }
    this.#log(WEB_REFUSED.at(
      now,
      note.unsaid === 0
        ? { ip, reason: why }
        : { ip, reason: why, more: note.unsaid, since: new Date(note.said) },
    ));
    note.said = time;
    note.unsaid = 0;
  }

  /** Forgets the addresses whose last line is over a minute old. */
  #forgetOld(time: number): void {
    for (const [ip, note] of this.#notes) {
      if (time - note.said >= NOTE_PERIOD_MS) this.#notes.delete(ip);
    }
  }

  #noteOther(now: Date, why: string): void {
    const note = this.#others;
    note.unsaid++;
    if (now.getTime() - note.said < NOTE_PERIOD_MS) return;
    this.#log(WEB_REFUSED_OTHERS.at(now, { count: note.unsaid, reason: why }));
    note.said = now.getTime();
    note.unsaid = 0;
  }
}
