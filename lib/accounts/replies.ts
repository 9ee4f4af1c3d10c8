/**
 * What an account is sent of what was kept for it: its private messages kept while it was away,
 * and history, as the wire's messages, in runs that fit a byte budget (well under a sendq).
 *
 * @module
 */

import type { ServerMessage } from "../../protocol.ts";
import type { HistoryPage, KeptMessage } from "../store/store.ts";

/** Bytes each message costs beyond its text, when sizing a run of replies (a rough JSON frame). */
const FRAME_OVERHEAD_BYTES = 160;

/** Kept messages still to send to a client, after it acknowledges `through`. */
export interface Unsent {
  /** The messages not sent yet, oldest first. */
  rest: KeptMessage[];
  /** The id of the last message sent: once acknowledged, the rest go. */
  through: number;
}

/**
 * The first run of `kept` to send (at least one message, more while within `budget` bytes), and
 * what is left for after its acknowledgement.
 */
export function keptRun(
  kept: readonly KeptMessage[],
  budget: number,
): { messages: ServerMessage[]; rest?: Unsent } {
  let bytes = 0;
  let count = 0;
  while (count < kept.length && (count === 0 || bytes < budget)) {
    const { text, e2e, notice } = kept[count];
    bytes += (e2e ?? notice)?.length ?? text.length * 3;
    bytes += FRAME_OVERHEAD_BYTES;
    count++;
  }
  const page = kept.slice(0, count);
  const messages = page.map((message): ServerMessage =>
    message.notice === undefined
      ? {
        type: "private",
        nickname: message.from,
        ...(message.e2e === undefined
          ? { message: message.text }
          : { e2e: JSON.parse(message.e2e) }),
        timestamp: message.timestamp,
        offline: true,
        id: message.id,
      }
      : { ...JSON.parse(message.notice), offline: true, id: message.id }
  );
  if (count === kept.length) return { messages };
  return { messages, rest: { rest: kept.slice(count), through: page.at(-1)!.id } };
}

/**
 * The newest entries of `page` that fit `budget` bytes, oldest first, marked as history, then the
 * `history` message that ends them (naming `room`, when the history is a room's).
 */
export function historyRun(
  page: HistoryPage,
  room: string | undefined,
  budget: number,
): ServerMessage[] {
  let first = page.entries.length;
  let bytes = 0;
  while (first > 0 && bytes < budget) {
    bytes += page.entries[first - 1].text.length * 3 + FRAME_OVERHEAD_BYTES;
    first--;
  }
  const entries = page.entries.slice(first);
  const messages: ServerMessage[] = entries.map((entry) =>
    entry.room === undefined
      ? {
        type: "broadcast",
        nickname: entry.nickname,
        message: entry.text,
        timestamp: entry.timestamp,
        history: true,
      }
      : {
        type: "room",
        room: entry.room,
        nickname: entry.nickname,
        message: entry.text,
        timestamp: entry.timestamp,
        history: true,
      }
  );
  const end: ServerMessage = {
    type: "history",
    count: entries.length,
    earlier: page.earlier + first,
  };
  if (room !== undefined) end.room = room;
  messages.push(end);
  return messages;
}
