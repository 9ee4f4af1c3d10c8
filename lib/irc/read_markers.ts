/**
 * IRCv3 `draft/read-marker`: how far an IRC user has read each channel or conversation, kept
 * per account (so that its other connections agree) or, for a guest, per connection; in memory
 * and bounded.
 *
 * @module
 */

import type { Member } from "../core/types.ts";
import { nicknameKey } from "../protocol/values.ts";

/** Most targets whose read marker one account or connection keeps. */
export const MAX_MARKERS = 500;
/** Most accounts and guest connections with read markers. */
export const MAX_OWNERS = 10_000;

/** The read markers of one listener. */
export class ReadMarkers<M extends Member> {
  /** Accounts' markers: target key to ISO time. */
  readonly #accounts = new Map<string, Map<string, string>>();
  /** Guests' markers, by connection. */
  readonly #guests = new WeakMap<M, Map<string, string>>();

  /** `member`'s marker of `target` (an ISO time), or undefined when it has none. */
  get(member: M, target: string): string | undefined {
    return this.#of(member, false)?.get(nicknameKey(target));
  }

  /** Moves `member`'s marker of `target` to `time` if later; returns the marker it has now. */
  set(member: M, target: string, time: string): string {
    const markers = this.#of(member, true)!;
    const key = nicknameKey(target);
    const old = markers.get(key);
    if (old !== undefined && Date.parse(old) >= Date.parse(time)) return old;
    if (old === undefined && markers.size >= MAX_MARKERS) {
      markers.delete(markers.keys().next().value!);
    }
    markers.set(key, time);
    return time;
  }

  #of(member: M, make: boolean): Map<string, string> | undefined {
    if (member.account === undefined) {
      let markers = this.#guests.get(member);
      if (markers === undefined && make) this.#guests.set(member, markers = new Map());
      return markers;
    }
    let markers = this.#accounts.get(member.account);
    if (markers === undefined && make) {
      if (this.#accounts.size >= MAX_OWNERS) {
        this.#accounts.delete(this.#accounts.keys().next().value!);
      }
      this.#accounts.set(member.account, markers = new Map());
    }
    return markers;
  }
}
