/**
 * The terminal client's lines, as the specification writes them: incoming chat lines, notices and
 * the closing summary.
 *
 * @module
 */

import { escapeControls, formatDateTime } from "../common/text.ts";

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

/** What a client counts over a session. */
export interface SessionStats {
  /** When the session started. */
  start: Date;
  /** Chat messages sent. */
  messagesSent: number;
  /** Chat messages received (history not counted). */
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
