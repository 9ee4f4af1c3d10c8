/**
 * The room channels a node of a cluster hears: a room's channel while one of the node's own users
 * is in the room, and no longer after. A subscription that fails (Redis is away) is forgotten, so
 * that the next `listen` tries again. Subscribing and leaving one room go to Redis one after the
 * other: a room joined again while it was being left was once taken for heard by the Redis
 * client, and then not heard at all.
 *
 * @module
 */

import { roomKey } from "../protocol/values.ts";

/** Subscribing to and leaving a room's channel, by room key. */
export interface RoomChannelLink {
  /** Starts hearing the channel of the room of `key`; settles once it is heard. */
  listen(key: string): Promise<void>;
  /** Stops hearing the channel of the room of `key`. */
  unlisten(key: string): Promise<void>;
}

/** The rooms whose channel this node hears. */
export class RoomChannels {
  readonly #link: RoomChannelLink;
  /** Subscriptions made or under way, by room key. */
  readonly #rooms = new Map<string, Promise<void>>();
  /** The rooms whose subscription is made. */
  readonly #heard = new Set<string>();
  /** Rooms being left, until Redis has taken the unsubscription (a new `listen` waits for it). */
  readonly #leaving = new Map<string, Promise<void>>();

  /** Rooms heard through `link`. */
  constructor(link: RoomChannelLink) {
    this.#link = link;
  }

  /** Starts hearing `room`'s channel, if not already; settles once it is heard (or cannot be). */
  listen(room: string): Promise<void> {
    const key = roomKey(room);
    let listening = this.#rooms.get(key);
    if (listening === undefined) {
      // After a leaving of the same room: the client would take the subscription for made.
      const left = this.#leaving.get(key) ?? Promise.resolve();
      const made = left.then(() => this.#link.listen(key)).then(() => {
        if (this.#rooms.get(key) === made) this.#heard.add(key);
      }, (error) => {
        if (this.#rooms.get(key) === made) this.#rooms.delete(key);
        throw error;
      });
      listening = made;
      this.#rooms.set(key, listening);
    }
    return listening;
  }

  /** No user of this node is in `room` any more: its channel is left. */
  release(room: string): void {
    const key = roomKey(room);
    const listening = this.#rooms.get(key);
    if (listening === undefined) return;
    this.#rooms.delete(key);
    this.#heard.delete(key);
    // Once the subscription is made (or failed), so that the two go to Redis in that order.
    const leaving: Promise<void> = listening.catch(() => {}).then(() => this.#link.unlisten(key))
      .catch(() => {}).finally(() => {
        if (this.#leaving.get(key) === leaving) this.#leaving.delete(key);
      });
    this.#leaving.set(key, leaving);
  }

  /** Whether `room`'s channel is heard (or being subscribed to). */
  has(room: string): boolean {
    return this.#rooms.has(roomKey(room));
  }

  /** Whether `room`'s channel is heard already (its subscription made, not just under way). */
  heard(room: string): boolean {
    return this.#heard.has(roomKey(room));
  }
}
