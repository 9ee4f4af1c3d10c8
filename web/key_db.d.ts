/** Types of `key_db.js` (a plain module, as the page loads it unchanged). */

import type { KeyRing } from "./common/key_ring.js";

/** This device's name for the user's other devices and peers. */
export const PAGE_DEVICE_NAME: string;

/**
 * The key ring of `nickname` on the chat `chat` in this browser, its identity made on first use
 * (non-extractable) or taken over from before chat ids; throws when the browser keeps nothing.
 */
export function openBrowserKeys(nickname: string, chat: string | undefined): Promise<KeyRing>;
