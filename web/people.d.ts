/** Types of `people.js` (a plain module, as the page loads it unchanged). */

import type { RoomInfo } from "../protocol.ts";

/** What the rest of the page does for the lists. */
export interface PeopleHooks {
  /** A person was clicked. */
  onPerson(nickname: string): void;
  /** A room was clicked. */
  onRoom(room: string): void;
  /** Shows a line of the page's own in the conversation open. */
  system(text: string): void;
}

/** The people and the rooms, as the server last told them. */
export class People {
  /**
   * Takes the lists and their button; `hooks.onPerson(nickname)` runs when a person is clicked,
   * `hooks.onRoom(room)` when a room is, and `hooks.system(text)` shows a line of the page's.
   */
  constructor(hooks: PeopleHooks);
  /** Says who is connected, in the order they came (`/list`). */
  tellUsers(): void;
  /** Says which rooms there are, and their members (`/rooms`). */
  tellRooms(): void;
  /** Both lists, as a `list` reply gives them, with the server operators among the users. */
  update(users: string[], rooms: RoomInfo[], operators?: string[]): void;
  /** Whether `nickname` is a server operator, as the last list said. */
  isOperator(nickname: string): boolean;
  /** `nickname` joined the chat. */
  add(nickname: string): void;
  /** `nickname` left the chat. */
  remove(nickname: string): void;
  /** `old` is now known as `nickname`. */
  rename(old: string, nickname: string): void;
}
