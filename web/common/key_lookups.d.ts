/** Types of `key_lookups.js` (a plain module, as the web page loads it unchanged). */

import type { ClientMessage, ErrorMessage, KeysReply } from "../../protocol.ts";

/** How long a key lookup waits for the server's answer (ms). */
export const KEY_LOOKUP_MS: number;

/** The lookups waiting for the server's answer. */
export class KeyLookups {
  /** Lookups sent with `send`. */
  constructor(send: (message: ClientMessage) => void);
  /** Whether `message`, a `keys` answer or an `error`, answers a lookup waiting for it. */
  answers(message: KeysReply | ErrorMessage): boolean;
  /** Settles the lookup `message` answers, if any, with it. */
  answer(message: KeysReply | ErrorMessage): void;
  /** Ends the lookups still waiting, with no answer. */
  close(): void;
  /** Sends a lookup of `nickname`: its answer or refusal, or undefined after `KEY_LOOKUP_MS`. */
  ask(nickname: string): Promise<KeysReply | ErrorMessage | undefined>;
}
