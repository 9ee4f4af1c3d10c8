/** Types of `keys.js` (a plain module, as the page loads it unchanged). */

import type { E2eClient, E2eClientOptions } from "./common/e2e_keys.js";

/** This page's end-to-end encryption, once the keys are open. */
export class PageKeys {
  /** What the encryption needs: `print`, `send` and `nickname`, as `E2eClient` takes them. */
  constructor(options: Pick<E2eClientOptions, "print" | "send" | "nickname">);
  /** The encryption, once started; undefined before. */
  readonly client: E2eClient | undefined;
  /** Opens the keys of this user's nickname on the chat `chat`: this device's id, if any. */
  open(chat: string | undefined): Promise<string | undefined>;
  /** Opens the keys (as `open`), then publishes them. */
  start(chat: string | undefined): Promise<void>;
}
