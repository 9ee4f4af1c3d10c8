/**
 * What a client knows of the chat around it: its own nickname, who is connected, the rooms it is
 * in and those the server last listed, and the room its plain lines go to (which the prompt
 * shows). Nothing here is sent or shown.
 *
 * @module
 */

import { escapeControls } from "../common/text.ts";
import { nicknameKey, roomKey } from "../protocol/values.ts";

/** Who this user is, who else is there, and where its lines go. */
export class Roster {
  /** This user's nickname, as the server knows it (or as it is about to be asked for). */
  nickname: string;
  /** The room plain lines go to; undefined: everyone. */
  target: string | undefined;
  /** Who is connected, as far as this client knows (for completion and notices), by key. */
  readonly #users = new Map<string, string>();
  /** Rooms this user is in, by key. */
  readonly #rooms = new Map<string, string>();
  /** Rooms the server last listed. */
  #knownRooms: string[] = [];

  /** Knows only this user's `nickname`, talking to everyone. */
  constructor(nickname: string) {
    this.nickname = nickname;
  }

  /** The prompt: who types, and to which room (none: everyone). */
  prompt(): string {
    const where = this.target === undefined ? "" : ` ${this.target}`;
    return `${escapeControls(this.nickname)}${where}> `;
  }

  /** Whether `nickname` is this user's. */
  isMe(nickname: string): boolean {
    return nicknameKey(nickname) === nicknameKey(this.nickname);
  }

  /** Whether plain lines go to `room`. */
  talksIn(room: string): boolean {
    return this.target !== undefined && roomKey(this.target) === roomKey(room);
  }

  /** `nickname` connected. */
  connected(nickname: string): void {
    this.#users.set(nicknameKey(nickname), nickname);
  }

  /** `nickname` left the chat. */
  disconnected(nickname: string): void {
    this.#users.delete(nicknameKey(nickname));
  }

  /** `old` is now known as `nickname`; true when that is this user. */
  renamed(old: string, nickname: string): boolean {
    this.#users.delete(nicknameKey(old));
    this.#users.set(nicknameKey(nickname), nickname);
    if (!this.isMe(old)) return false;
    this.nickname = nickname;
    return true;
  }

  /** The server listed who is connected and the rooms there are. */
  listed(users: string[], rooms: string[]): void {
    this.#users.clear();
    for (const user of users) this.#users.set(nicknameKey(user), user);
    this.#knownRooms = rooms;
  }

  /** This user is in `room` now. */
  entered(room: string): void {
    this.#rooms.set(roomKey(room), room);
  }

  /** This user is no longer in `room`. */
  exited(room: string): void {
    this.#rooms.delete(roomKey(room));
  }

  /** `room` as this user joined it (its name as the server gave it), if this user is in it. */
  joined(room: string): string | undefined {
    return this.#rooms.get(roomKey(room));
  }

  /** The rooms this user is in. */
  myRooms(): string[] {
    return [...this.#rooms.values()];
  }

  /** Everyone connected, as far as this client knows. */
  nicknames(): string[] {
    return [...this.#users.values()];
  }

  /** The rooms this user is in, then the others the server listed, each once. */
  roomNames(): string[] {
    return [...new Set([...this.#rooms.values(), ...this.#knownRooms])];
  }
}
