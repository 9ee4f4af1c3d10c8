/**
 * Who is registered: the members of the chat in the order they registered, found by nickname
 * without regard to case.
 *
 * @module
 */

import { nicknameKey } from "../protocol/values.ts";
import type { Member } from "./types.ts";

/** The registered members, in order, by nickname. */
export class Roster<M extends Member> {
  /** Registered members, in the order they registered (a rename keeps one's place). */
  readonly #members = new Set<M>();
  readonly #byNickname = new Map<string, M>();

  /** How many members there are. */
  get size(): number {
    return this.#members.size;
  }

  /** The member that goes by `nickname` (in any case), if any. */
  find(nickname: string): M | undefined {
    return this.#byNickname.get(nicknameKey(nickname));
  }

  /** Whether `member` is registered. */
  has(member: M): boolean {
    return this.#members.has(member);
  }

  /** The members, in the order they registered. */
  members(): Iterable<M> {
    return this.#members.values();
  }

  /** Every member but `sender`, in order. */
  *others(sender: M): Iterable<M> {
    for (const member of this.#members) if (member !== sender) yield member;
  }

  /** The members connected to this node (not those of other nodes of a cluster), in order. */
  *locals(): Iterable<M> {
    for (const member of this.#members) if (!member.remote) yield member;
  }

  /** Adds `member` under its nickname. */
  add(member: M): void {
    this.#members.add(member);
    this.#byNickname.set(nicknameKey(member.nickname!), member);
  }

  /** Removes `member`; false when it was not registered. */
  remove(member: M): boolean {
    if (!this.#members.delete(member)) return false;
    this.#byNickname.delete(nicknameKey(member.nickname!));
    return true;
  }

  /** Puts `next` in `member`'s place (its order and nickname), as `member` leaves. */
  replace(member: M, next: M): void {
    const members = [...this.#members];
    this.#members.clear();
    for (const each of members) this.#members.add(each === member ? next : each);
    this.#byNickname.set(nicknameKey(member.nickname!), next);
  }

  /** Gives `member` the nickname `nickname`, keeping its place. */
  rename(member: M, nickname: string): void {
    this.#byNickname.delete(nicknameKey(member.nickname!));
    this.#byNickname.set(nicknameKey(nickname), member);
    member.nickname = nickname;
  }
}
