/** Types of `names.js` (a plain module, as the page loads it unchanged). */

/** The id of the conversation with everyone. */
export const EVERYONE: "*";
/** The id of the conversation of `room` ("#lab"): "#" and the name in lower case. */
export function roomId(room: string): string;
/** The id of the private conversation with `nickname`: "@" and the name in lower case. */
export function personId(nickname: string): string;
/** Whether `a` and `b` are the same nickname. */
export function sameName(a: string, b: string): boolean;
