// @ts-self-types="./names.d.ts"
/**
 * How the page names its conversations and compares nicknames: as the server compares them, in
 * any case.
 *
 * @module
 */

import { nicknameKey } from "./common/name_keys.js";

/** The id of the conversation with everyone. */
export const EVERYONE = "*";

/** The id of the conversation of `room` ("#lab"): "#" and the name in lower case. */
export function roomId(room) {
  return `#${nicknameKey(room.slice(1))}`;
}

/** The id of the private conversation with `nickname`: "@" and the name in lower case. */
export function personId(nickname) {
  return `@${nicknameKey(nickname)}`;
}

/** Whether `a` and `b` are the same nickname. */
export function sameName(a, b) {
  return nicknameKey(a) === nicknameKey(b);
}
