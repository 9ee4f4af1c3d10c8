/**
 * The console events of what happens in the chat, each with its text line: the specification's
 * `Received:` and `Broadcasted:` lines, and one `<dt> :: ...` line for each other event. Every
 * wire and every node logs them from here, alike. No event carries the text of a message: only
 * its size.
 *
 * @module
 */

import { type EventKind, eventKind } from "../common/log_event.ts";
import { escapeControls, formatDateTime } from "../common/text.ts";

/** What the console shows for a client that has no client ID (CHAT/1.0 has none). */
export const NO_CLIENT_ID = "-";

/** `<dt> :: <text>`, the line of an event. */
export function eventLine(date: Date, text: string): string {
  return `${formatDateTime(date)} :: ${text}`;
}

/**
 * A message to everyone, taken from `nickname` (at `ip`:`port`, with `client_id` when its wire
 * has one), of `size` bytes, sent at `sent_at` (its sender's time when its client gave one):
 * `Received: IP:…, Port:…, Client-Nickname:…, ClientID:…, Date/Time:…, Msg-Size:…`.
 */
export const RECEIVED: EventKind<{
  ip: string;
  port: number;
  nickname: string;
  client_id: string | undefined;
  size: number;
  sent_at: Date;
}> = eventKind(
  "received",
  "info",
  (f) =>
    `Received: IP:${f.ip}, Port:${f.port}, Client-Nickname:${f.nickname}, ` +
    `ClientID:${escapeControls(f.client_id ?? NO_CLIENT_ID)}, ` +
    `Date/Time:${formatDateTime(f.sent_at)}, Msg-Size:${f.size}`,
);

/**
 * The `recipients` that took what `nickname` said to everyone:
 * `Broadcasted: <nickname>, <nickname>, …`.
 */
export const BROADCASTED: EventKind<{ nickname: string; recipients: readonly string[] }> =
  eventKind("broadcasted", "info", (f) => `Broadcasted: ${f.recipients.join(", ")}`);

/**
 * A private message from `nickname` to `to` (`away`: its account is away, the message kept for
 * it), of `size` bytes (of its ciphertext when `e2e`), sent at `sent_at`.
 */
export const PRIVATE_MESSAGE: EventKind<{
  nickname: string;
  to: string;
  away: boolean;
  size: number;
  e2e: boolean;
  sent_at: Date;
}> = eventKind("private_message", "info", (f) =>
  eventLine(
    f.sent_at,
    `${f.nickname}: private message to ${f.to}${f.away ? " (away, kept)" : ""}, ` +
      `Msg-Size:${f.size}${f.e2e ? ", end-to-end" : ""}`,
  ));

/** A message from `nickname` to `room`, of `size` bytes, sent at `sent_at`, and who took it. */
export const ROOM_MESSAGE: EventKind<{
  nickname: string;
  room: string;
  size: number;
  recipients: readonly string[];
  sent_at: Date;
}> = eventKind("room_message", "info", (f) =>
  eventLine(
    f.sent_at,
    `${f.nickname}: message to ${f.room}, Msg-Size:${f.size}, delivered to: ` +
      f.recipients.join(", "),
  ));

/**
 * `nickname` registered (from `ip`:`port`; a user of another node has neither), or, with
 * `places`, connected once more to its account, now from that many places.
 */
export const CONNECTED: EventKind<{
  nickname: string;
  ip: string | undefined;
  port: number | undefined;
  places?: number;
}> = eventKind("connected", "info", (f, time) =>
  eventLine(
    time,
    f.places === undefined
      ? `${f.nickname}: connected.`
      : `${f.nickname}: connected (now from ${f.places} places).`,
  ));

/**
 * `nickname` left the chat, or, with `places`, one of its connections left and it is still
 * connected from that many places.
 */
export const DISCONNECTED: EventKind<{ nickname: string; places?: number }> = eventKind(
  "disconnected",
  "info",
  (f, time) =>
    eventLine(
      time,
      f.places === undefined
        ? `${f.nickname}: disconnected.`
        : `${f.nickname}: disconnected (still connected from ${places(f.places)}).`,
    ),
);

/** `nickname` joined `room`. */
export const JOINED: EventKind<{ nickname: string; room: string }> = eventKind(
  "joined",
  "info",
  (f, time) => eventLine(time, `${f.nickname}: joined ${f.room}.`),
);

/** `nickname`, a kept member of `room`, is back in it. */
export const REJOINED: EventKind<{ nickname: string; room: string }> = eventKind(
  "rejoined",
  "info",
  (f, time) => eventLine(time, `${f.nickname}: back in ${f.room}.`),
);

/** `nickname` left `room`. */
export const LEFT: EventKind<{ nickname: string; room: string }> = eventKind(
  "left",
  "info",
  (f, time) => eventLine(time, `${f.nickname}: left ${f.room}.`),
);

/** `nickname` was put out of `room` (kicked, banned, or the room closed). */
export const PUT_OUT: EventKind<{ nickname: string; room: string }> = eventKind(
  "put_out",
  "info",
  (f, time) => eventLine(time, `${f.nickname}: put out of ${f.room}.`),
);

/** `old` changed its nickname to `nickname`. */
export const RENAMED: EventKind<{ old: string; nickname: string }> = eventKind(
  "renamed",
  "info",
  (f, time) => eventLine(time, `${f.old}: changed nickname to ${f.nickname}.`),
);

/** The store could not do `action` (`Store: cannot <action>: <error>`). */
export const STORE_ERROR: EventKind<{ action: string; error: string }> = eventKind(
  "store_error",
  "error",
  (f) => `Store: cannot ${f.action}: ${f.error}`,
);

function places(count: number): string {
  return count === 1 ? "1 place" : `${count} places`;
}
