/** Types of `name_keys.js` (a plain module, as the web page loads it unchanged). */

/** The form under which nicknames are compared: `Bob` and `bob` are the same person. */
export function nicknameKey(nickname: string): string;

/** The form under which room names are compared: `#Lab` and `#lab` are the same room. */
export function roomKey(room: string): string;
