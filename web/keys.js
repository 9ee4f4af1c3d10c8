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
  /** The keys opened, and for which nickname and chat. */
  #opened;
  /** The chat's id, once a server gave it. */
  #chat;

  /** What the encryption needs: `print`, `send` and `nickname`, as `E2eClient` takes them. */
  constructor(options) {
    this.#options = { ...options, now: () => new Date() };
  }

  /** The encryption, once started; undefined before. */
  get client() {
    return this.#client;
  }

  /**
   * Opens the keys of this user's nickname on the chat `chat` (once for each): this device's id,
   * or undefined when this browser keeps no keys.
   */
  async open(chat) {
    // A server that named its chat once is the same chat after (a welcome may not say).
    chat = this.#chat = chat ?? this.#chat;
    const place = `${this.#options.nickname()} ${chat ?? ""}`;
    if (this.#opened?.place !== place) {
      const keys = openBrowserKeys(this.#options.nickname(), chat).then(
        (ring) => ({ ring }),
        (error) => ({ unavailable: `this browser cannot keep keys (${error.message})` }),
      );
      this.#opened = { place, keys };
    }
    const keys = await this.#opened.keys;
    this.#client ??= new E2eClient(this.#options);
    this.#client.useKeys(keys);
    return keys.ring?.device.id;
  }

  /** Opens the keys (as `open`), then publishes them. */
  async start(chat) {
    await this.open(chat);
    this.#client.start();
  }
}
