/**
 * The lines people read: date/time, chat lines and the client's summary, as the spec writes them.
 *
 * @module
 */

/** Formats `date` in local time as `YYYY-MM-DD HH:mm:ss`, the spec's `<dt>`. */
export function formatDateTime(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/**
 * Makes text safe to print on a terminal: control characters (other than tab) are shown as
 * escapes such as `\x1b`, so nobody can move the cursor or recolour the screen with a message.
 */
export function escapeControls(text: string): string {
  return text.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, (c) => {
    if (c === "\t") return c;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
  });
}

/**
 * An incoming chat line: `<dt> :: <nickname>: <message>`, or, for a room or a private message,
 * `<dt> :: [<where>] <nickname>: <message>`.
 */
export function formatChatLine(
  date: Date,
  nickname: string,
  message: string,
  where?: string,
): string {
  const tag = where === undefined ? "" : `[${escapeControls(where)}] `;
  return `${formatDateTime(date)} :: ${tag}${escapeControls(nickname)}: ${escapeControls(message)}`;
}

/** A notice of who came, went or changed name: `<dt> :: * <text>` (`text` already escaped). */
export function formatNotice(date: Date, text: string): string {
  return `${formatDateTime(date)} :: * ${text}`;
}

/** A size in bytes as people read it: `512 B`, `2.4 kB`, `2.4 MB`, `1.1 GB` (powers of 1000). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** What a client counts over a session. */
export interface SessionStats {
  start: Date;
  messagesSent: number;
  messagesReceived: number;
  /** Unicode code points of the message texts sent. */
  charsSent: number;
  /** Unicode code points of the message texts received. */
  charsReceived: number;
}

/** The client's closing line: `Summary: start:<dt>, end:<dt>, msg sent:<n>, ...`. */
export function formatSummary(stats: SessionStats, end: Date): string {
  return `Summary: start:${formatDateTime(stats.start)}, end:${formatDateTime(end)}, ` +
    `msg sent:${stats.messagesSent}, msg rcv:${stats.messagesReceived}, ` +
    `char sent:${stats.charsSent}, char rcv:${stats.charsReceived}`;
}

function pad(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}
