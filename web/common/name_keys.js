// @ts-self-types="./name_keys.d.ts"
/**
 * How names compare, on the server and in both clients: without regard to case or Unicode
 * normalisation. A plain module, so that the page loads it unchanged; `lib/protocol/values.ts`
 * re-exports it for the server and the terminal client.
 *
 * @module
 */

/** The form under which nicknames are compared: `Bob` and `bob` are the same person. */
export function nicknameKey(nickname) {
  return nickname.normalize("NFC").toLowerCase();
}

/** The form under which room names are compared: `#Lab` and `#lab` are the same room. */
export function roomKey(room) {
  return room.normalize("NFC").toLowerCase();
}
