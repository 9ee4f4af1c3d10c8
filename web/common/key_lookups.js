// @ts-self-types="./key_lookups.d.ts"
/**
 * Asking the server for a user's keys and waiting for the answer: answers come as `keys`
 * messages, in the order asked (the server answers one connection's requests in order), matched
 * to the oldest lookup of that nickname; one that does not come in `KEY_LOOKUP_MS` is taken as
 * none. What the server sends by itself (`changed`) or in answer to publishing (`device`) is no
 * answer to a lookup.
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

  /** Whether `message`, a `keys` message, answers a lookup waiting for it. */
  answers(message) {
    return message.changed !== true && message.device === undefined &&
      this.#waiting.has(nicknameKey(message.nickname));
  }

  /** Settles the oldest lookup of `message.nickname` with `message`, when it answers one. */
  answer(message) {
    if (!this.answers(message)) return;
    const key = nicknameKey(message.nickname);
    const waiting = this.#waiting.get(key);
    const settle = waiting.shift();
    if (waiting.length === 0) this.#waiting.delete(key);
    settle(message);
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
