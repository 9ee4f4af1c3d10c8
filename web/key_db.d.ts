/** Types of `key_db.js` (a plain module, as the page loads it unchanged). */

import type { KeyRing } from "./common/e2e_keys.js";

/**
 * The key ring of `nickname` in this browser, its identity made on first use (non-extractable);
 * throws when the browser keeps nothing (IndexedDB off) or lacks X25519 or Ed25519.
 */
export function openBrowserKeys(nickname: string): Promise<KeyRing>;
