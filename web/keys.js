// @ts-self-types="./keys.d.ts"
/**
 * The page's end-to-end encryption: `E2eClient` (shared with the terminal client) with this
 * browser's keys (`key_db.js`), opened at the first welcome and published on each connection.
 *
 * @module
 */

import { E2eClient } from "./common/e2e_keys.js";
import { openBrowserKeys } from "./key_db.js";

/** This page's end-to-end encryption, once the keys are open. */
export class PageKeys {
  #client;
  #options;

  /** What the encryption needs: `print`, `send` and `nickname`, as `E2eClient` takes them. */
  constructor(options) {
    this.#options = { ...options, now: () => new Date() };
  }

  /** The encryption, once started; undefined before. */
  get client() {
    return this.#client;
  }

  /** Opens the keys of this user's nickname (the first time), then publishes them. */
  async start() {
    if (this.#client === undefined) {
      const options = this.#options;
      try {
        this.#client = new E2eClient({
          ...options,
          ring: await openBrowserKeys(options.nickname()),
        });
      } catch (error) {
        const unavailable = `this browser cannot keep keys (${error.message})`;
        this.#client = new E2eClient({ ...options, unavailable });
      }
    }
    this.#client.start();
  }
}
