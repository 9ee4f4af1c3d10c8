/**
 * The server's console lines for what happens in the chat: the specification's `Received:` and
 * `Broadcasted:` lines, and one `<dt> :: ...` line for each other event. Every wire and every
 * node prints them from here, alike.
 *
 * @module
 */

import { escapeControls, formatDateTime } from "../common/text.ts";
import { utf8ByteLength } from "../common/utf8.ts";
import type { Member } from "./types.ts";

/** What the console shows for a client that has no client ID (CHAT/1.0 has none). */
export const NO_CLIENT_ID = "-";

/** `<dt> :: <text>`, the line of an event. */
export function eventLine(date: Date, text: string): string {
  return `${formatDateTime(date)} :: ${text}`;
}

/** `Received: IP:…, Port:…, Client-Nickname:…, ClientID:…, Date/Time:…, Msg-Size:…`. */
export function receivedLine(sender: Member, date: Date, text: string): string {
  return `Received: IP:${sender.ip}, Port:${sender.port}, ` +
    `Client-Nickname:${sender.nickname}, ` +
    `ClientID:${escapeControls(sender.clientID ?? NO_CLIENT_ID)}, ` +
    `Date/Time:${formatDateTime(date)}, Msg-Size:${utf8ByteLength(text)}`;
}

/** `Broadcasted: <nickname>, <nickname>, …`, the recipients that took a message. */
export function broadcastedLine(recipients: readonly Member[]): string {
  return `Broadcasted: ${recipients.map((member) => member.nickname).join(", ")}`;
}

/** A private message to `to` (who may be away, its message kept), of `size` (as said). */
export function privateLine(date: Date, sender: Member, to: string, size: string): string {
  return eventLine(date, `${sender.nickname}: private message to ${to}, Msg-Size:${size}`);
}

/** A message to `room` of `text`, and the members it reached. */
export function roomLine(
  date: Date,
  sender: Member,
  room: string,
  text: string,
  recipients: readonly Member[],
): string {
  return eventLine(
    date,
    `${sender.nickname}: message to ${room}, Msg-Size:${utf8ByteLength(text)}, delivered to: ` +
      recipients.map((member) => member.nickname).join(", "),
  );
}
