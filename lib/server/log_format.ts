/**
 * The two ways the server writes its console events (`--log-format`): `text`, the lines the
 * specification and people read (each event's own text line, as it always was), and `json`, one
 * JSON object per line for log shippers: `time` (RFC 3339, UTC, with milliseconds), `level`,
 * `event`, then the event's fields.
 *
 * The JSON is `JSON.stringify`'s, not `protocol.ts`'s: this is the console, not the chat's wire.
 * It escapes the control characters up to U+001F, so an object is always one line; the others
 * (DEL, U+0080 to U+009F, NEL among them) and the line and paragraph separators are escaped here
 * too, for readers that split lines on them and for terminals.
 *
 * @module
 */

import type { LogEvent } from "../common/log_event.ts";

/** The console's formats, the first the default. */
export const LOG_FORMATS = ["text", "json"] as const;

/** A console format. */
export type LogFormat = typeof LOG_FORMATS[number];

/** Writes one event as one line (without its newline). */
export type LogFormatter = (event: LogEvent) => string;

/** The event's text line, as the console has always shown it. */
export function textLine(event: LogEvent): string {
  return event.text;
}

/** The event as one JSON object: `time`, `level`, `event`, then its fields (undefined ones left out). */
export function jsonLine(event: LogEvent): string {
  const head = `{"time":"${event.time.toISOString()}","level":"${event.level}","event":` +
    JSON.stringify(event.event);
  const fields = JSON.stringify(event.fields);
  const line = fields === "{}" ? `${head}}` : `${head},${fields.slice(1)}`;
  return line.replace(UNESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The control characters and separators that `JSON.stringify` leaves as they are. */
const UNESCAPED = /[\u007f-\u009f\u2028\u2029]/g;

/** The formatter of `format`. */
export function formatterOf(format: LogFormat): LogFormatter {
  return format === "json" ? jsonLine : textLine;
}
