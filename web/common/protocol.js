/**
 * The constants of the JSON wire that the web page needs too, in a plain module: `protocol.ts`
 * re-exports them and the page loads this file unchanged, so neither repeats the other.
 *
 * @module
 */

/** The server's message types beyond the specification's, which a client must announce to get. */
export const EXTENSION_TYPES = /** @type {const} */ ([
  "private",
  "room",
  "joined",
  "left",
  "nick",
  "list",
  "login",
  "account",
  "queued",
  "history",
  "offer",
  "unread",
  "topic",
  "roominfo",
  "invited",
  "moderated",
  "bans",
  "announcement",
  "operator",
]);

/** Bytes of file data in one chunk: base64 in a JSON frame, well within 64 KiB. */
export const CHUNK_BYTES = 45 * 1024;

/** Chunks a sender may have sent but not yet had acknowledged, per transfer. */
export const WINDOW_CHUNKS = 32;
