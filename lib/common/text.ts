/**
 * Text for people, on either side: the specification's date and time, control characters made
 * visible (or found), and sizes in bytes.
 *
 * @module
 */

/** Formats `date` in local time as `YYYY-MM-DD HH:mm:ss`, the spec's `<dt>`. */
export function formatDateTime(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/**
 * Formats `date` as `YYYY-MM-DD HH:mm:ss UTC`: an end of a ban or mute told to people anywhere, who
 * cannot know the server's local time.
 */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/**
 * Whether `text` has a control character (a tab included), a line or paragraph separator, or a
 * direction override: what one-line text set for others to see (a topic, a reason) must not
 * carry, as it could break the line or reorder what is shown.
 */
export function hasControls(text: string): boolean {
  return /[\p{Cc}\p{Zl}\p{Zp}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(text);
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

function pad(value: number): string {
  return value < 10 ? `0${value}` : `${value}`;
}
