// @ts-self-types="./key_lookups.d.ts"
/**
 * Asking the server for a user's keys and waiting for the answer: answers come as `keys`
 * messages, matched to the lookups by nickname; one that does not come in `KEY_LOOKUP_MS` is
 * taken as none.
 *
 * @module
 */

import { nicknameKey } from "./name_keys.js";

/** How long a key lookup waits for the server's answer (ms). */
export const KEY_LOOKUP_MS = 5000;

/** The lookups waiting for the server's answer. */
export class KeyLookups {
  #send;
  /** Those waiting, by nickname key. */
  #waiting = new Map();

  /** Lookups sent with `send`. */
  constructor(send) {
    this.#send = send;
  }

  /** Whether a lookup of `nickname` waits for its answer. */
  waiting(nickname) {
    return this.#waiting.has(nicknameKey(nickname));
  }

  /** Settles the lookups of `message.nickname` with `message`, a `keys` answer. */
  answer(message) {
    const key = nicknameKey(message.nickname);
    const waiting = this.#waiting.get(key);
    if (waiting === undefined) return;
    this.#waiting.delete(key);
    for (const settle of waiting) settle(message);
  }

  /** Ends the lookups still waiting, with no answer (the session is over). */
  close() {
    const waiting = [...this.#waiting.values()].flat();
    this.#waiting.clear();
    for (const settle of waiting) settle(undefined);
  }

  /** Sends a lookup of `nickname`: its answer, or undefined after `KEY_LOOKUP_MS`. */
  ask(nickname) {
    const key = nicknameKey(nickname);
    return new Promise((resolve) => {
      const settle = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      const timer = setTimeout(() => {
        const left = (this.#waiting.get(key) ?? []).filter((other) => other !== settle);
        if (left.length > 0) this.#waiting.set(key, left);
        else this.#waiting.delete(key);
        resolve(undefined);
      }, KEY_LOOKUP_MS);
      const waiting = this.#waiting.get(key);
      if (waiting === undefined) this.#waiting.set(key, [settle]);
      else waiting.push(settle);
      this.#send({ type: "keys", nickname });
    });
  }
}
