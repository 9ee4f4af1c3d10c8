/** Types of `key_lookups.js` (a plain module, as the web page loads it unchanged). */

import type { ClientMessage, KeysReply } from "../../protocol.ts";

/** How long a key lookup waits for the server's answer (ms). */
export const KEY_LOOKUP_MS: number;

/** The lookups waiting for the server's answer. */
export class KeyLookups {
  /** Lookups sent with `send`. */
  constructor(send: (message: ClientMessage) => void);
  /** Whether `message`, a `keys` message, answers a lookup waiting for it. */
  answers(message: KeysReply): boolean;
  /** Settles the oldest lookup of `message.nickname` with `message`, when it answers one. */
  answer(message: KeysReply): void;
  /** Ends the lookups still waiting, with no answer. */
  close(): void;
  /** Sends a lookup of `nickname`: its answer, or undefined after `KEY_LOOKUP_MS`. */
  ask(nickname: string): Promise<KeysReply | undefined>;
}
