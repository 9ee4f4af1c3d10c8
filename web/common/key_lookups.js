// @ts-self-types="./key_lookups.d.ts"
/**
 * Asking the server for a user's keys and waiting for the answer: each lookup carries a `ref` of
 * its own, which the server gives back in its answer (a `keys` message) or its refusal (an
 * `error`, such as `No such user "bob"`); one that gets neither in `KEY_LOOKUP_MS` is taken as
 * no answer. From a server that gives no `ref` back, answers are matched oldest first by
 * nickname; what it sends by itself (`changed`) or in answer to publishing (`device`) answers no
 * lookup.
 *
 * @module
 */

import { nicknameKey } from "./name_keys.js";

/** How long a key lookup waits for the server's answer (ms). */
export const KEY_LOOKUP_MS = 5000;

/** The lookups waiting for the server's answer. */
export class KeyLookups {
  #send;
  #next = 0;
  /** Those waiting, in the order asked: `{ref, key, settle}`. */
  #waiting = [];

  /** Lookups sent with `send`. */
  constructor(send) {
    this.#send = send;
  }

  /** The lookup that `message` (a `keys` answer or an `error`) settles, if any. */
  #match(message) {
    if (message.ref !== undefined) {
      return this.#waiting.find((lookup) => lookup.ref === message.ref);
    }
    if (message.type !== "keys" || message.changed === true || message.device !== undefined) {
      return undefined;
    }
    const key = nicknameKey(message.nickname);
    return this.#waiting.find((lookup) => lookup.key === key);
  }

  /** Whether `message`, a `keys` answer or an `error`, answers a lookup waiting for it. */
  answers(message) {
    return this.#match(message) !== undefined;
  }

  /**
   * Settles the lookup `message` answers, if any, with it: a `keys` answer, or the `error` that
   * refused it.
   */
  answer(message) {
    const lookup = this.#match(message);
    if (lookup === undefined) return;
    this.#waiting.splice(this.#waiting.indexOf(lookup), 1);
    lookup.settle(message);
  }

  /** Ends the lookups still waiting, with no answer (the session is over). */
  close() {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const lookup of waiting) lookup.settle(undefined);
  }

  /**
   * Sends a lookup of `nickname`: its answer (a `keys` message, or the `error` refusing it), or
   * undefined after `KEY_LOOKUP_MS`.
   */
  ask(nickname) {
    const ref = `k${++this.#next}`;
    return new Promise((resolve) => {
      const lookup = {
        ref,
        key: nicknameKey(nickname),
        settle: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
      };
      const timer = setTimeout(() => {
        const index = this.#waiting.indexOf(lookup);
        if (index >= 0) this.#waiting.splice(index, 1);
        resolve(undefined);
      }, KEY_LOOKUP_MS);
      this.#waiting.push(lookup);
      this.#send({ type: "keys", nickname, ref });
    });
  }
}
