/**
 * Rooms and their members: a room exists while someone is in it, and names are compared
 * without regard to case.
 *
 * @module
 */

import { roomKey } from "../protocol/values.ts";

/** One room. */
export interface Room<M> {
  /** The name as its first member wrote it. */
  readonly name: string;
  /** Members in the order they joined. */
  readonly members: Set<M>;
}

/** Every room, and which rooms each member is in. */
export class Rooms<M> {
  readonly #rooms = new Map<string, Room<M>>();
  readonly #memberships = new Map<M, Set<Room<M>>>();

  /** How many rooms there are (with someone in them). */
  get size(): number {
    return this.#rooms.size;
  }

  /** The room called `name` (in any case), if it exists. */
  get(name: string): Room<M> | undefined {
    return this.#rooms.get(roomKey(name));
  }

  /** Puts `member` in the room called `name`, creating it; says whether it was already in. */
  join(name: string, member: M): { room: Room<M>; already: boolean } {
    const key = roomKey(name);
    let room = this.#rooms.get(key);
    if (room === undefined) {
      room = { name, members: new Set() };
      this.#rooms.set(key, room);
    }
    const already = room.members.has(member);
    room.members.add(member);
    let rooms = this.#memberships.get(member);
    if (rooms === undefined) this.#memberships.set(member, rooms = new Set());
    rooms.add(room);
    return { room, already };
  }

  /** Takes `member` out of the room called `name`; the room, or undefined if it was not in. */
  leave(name: string, member: M): Room<M> | undefined {
    const room = this.get(name);
    if (room === undefined || !room.members.has(member)) return undefined;
    this.#remove(room, member);
    return room;
  }

  /** Takes `member` out of every room it is in, and returns those rooms. */
  leaveAll(member: M): Room<M>[] {
    const rooms = [...(this.#memberships.get(member) ?? [])];
    for (const room of rooms) this.#remove(room, member);
    return rooms;
  }

  /** Puts `next` in `member`'s place in each of its rooms (keeping the order of joining). */
  replace(member: M, next: M): void {
    const rooms = this.#memberships.get(member);
    if (rooms === undefined) return;
    this.#memberships.delete(member);
    this.#memberships.set(next, rooms);
    for (const room of rooms) {
      const members = [...room.members];
      room.members.clear();
      for (const each of members) room.members.add(each === member ? next : each);
    }
  }

  /** The rooms `member` is in. */
  roomsOf(member: M): Room<M>[] {
    return [...(this.#memberships.get(member) ?? [])];
  }

  /** Every room, by name. */
  list(): Room<M>[] {
    return [...this.#rooms.values()].sort((a, b) => roomKey(a.name) < roomKey(b.name) ? -1 : 1);
  }

  #remove(room: Room<M>, member: M): void {
    room.members.delete(member);
    const rooms = this.#memberships.get(member);
    rooms?.delete(room);
    if (rooms?.size === 0) this.#memberships.delete(member);
    // A room with no members disappears.
    if (room.members.size === 0) this.#rooms.delete(roomKey(room.name));
  }
}
