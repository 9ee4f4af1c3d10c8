/**
 * The timer of timed bans and mutes: one timeout, set for the soonest end among every kept room's
 * restrictions; when it fires, the restrictions that are over are taken off their records (kept,
 * and told to the other nodes) and this node's users of those rooms are told.
 *
 * @module
 */

import type { Member } from "../core/types.ts";
import type { RoomState } from "./room_state.ts";

/** Ends timed bans and mutes when their time is up. */
export class RoomTimer<M extends Member> {
  readonly #rooms: RoomState<M>;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Watches the restrictions of `rooms`; nothing is set until `schedule`. */
  constructor(rooms: RoomState<M>) {
    this.#rooms = rooms;
  }

  /** Waits for the next end of a timed ban or mute, if any (whatever was set before is not). */
  schedule(): void {
    let next = Infinity;
    for (const record of this.#rooms.records.values()) {
      for (const each of record.restrictions) {
        if (each.until !== undefined) next = Math.min(next, each.until);
      }
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (next === Infinity) return;
    const wait = Math.max(0, Math.min(next - this.#rooms.nowMs(), 2 ** 31 - 1));
    this.#timer = setTimeout(() => this.#sweep(), wait);
    Deno.unrefTimer(this.#timer);
  }

  /** Stops the timer. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Ends the timed bans and mutes that are over, telling this node's users of their rooms; then
   * waits for the next.
   */
  #sweep(): void {
    this.#timer = undefined;
    const rooms = this.#rooms;
    for (const [key, record] of rooms.records) {
      const ended = record.restrictions.filter((each) => rooms.ended(each));
      if (ended.length === 0) continue;
      record.restrictions = record.restrictions.filter((each) => !rooms.ended(each));
      rooms.save(key, record);
      rooms.tellEnded(record, ended);
    }
    this.schedule();
  }
}
