// @ts-self-types="./key_db.d.ts"
/**
 * The web page's end-to-end keys, kept in this browser's IndexedDB (one database per origin, the
 * server's address as the page was opened): per nickname and chat id, this device's identity,
 * whose private keys are non-extractable CryptoKeys (the page can use them, no script can read
 * them out), and the peers pinned on first use. Keys kept before chats had ids (per nickname)
 * are taken over.
 *
 * @module
 */

import { generateIdentity, publicBundle } from "./common/e2e.js";
import { KeyRing } from "./common/key_ring.js";
import { nicknameKey } from "./common/name_keys.js";

const DATABASE = "chat-keys";
const IDENTITIES = "identities";
const PEERS = "peers";

/** Opens the database, making its stores the first time. */
function openDatabase() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(IDENTITIES);
      request.result.createObjectStore(PEERS);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Runs `action` on `store` in one transaction; its request's result once it is committed. */
function inStore(db, store, mode, action) {
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(store, mode);
    const request = action(transaction.objectStore(store));
    transaction.oncomplete = () => resolve(request.result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error ?? new Error("aborted"));
  });
}

/** This device's name for the user's other devices and peers. */
export const PAGE_DEVICE_NAME = "web page";

/**
 * The key ring of `nickname` on the chat `chat` (undefined from a server without chat ids) in
 * this browser, its identity made on first use (non-extractable) or taken over from before chat
 * ids; throws when the browser keeps nothing (IndexedDB off) or lacks X25519 or Ed25519.
 */
export async function openBrowserKeys(nickname, chat) {
  const db = await openDatabase();
  const legacy = nicknameKey(nickname);
  const key = chat === undefined ? legacy : `${legacy}@${chat}`;
  let identity = await inStore(db, IDENTITIES, "readonly", (store) => store.get(key));
  if (identity === undefined && key !== legacy) {
    identity = await takeOver(db, legacy, key);
  }
  if (identity === undefined) {
    identity = await generateIdentity(false);
    // `add`, not `put`: a second page that made one meanwhile keeps its own, and this page
    // reads it back.
    await inStore(db, IDENTITIES, "readwrite", (store) => store.add(identity, key))
      .catch(() => {});
    identity = await inStore(db, IDENTITIES, "readonly", (store) => store.get(key));
    if (identity === undefined) throw new Error("its IndexedDB does not keep them");
  }
  const peers = await inStore(db, PEERS, "readonly", (store) => store.get(key)) ?? [];
  return await KeyRing.open({
    identity,
    bundle: await publicBundle(identity),
    name: PAGE_DEVICE_NAME,
    peers,
    save: (list) => inStore(db, PEERS, "readwrite", (store) => store.put(list, key)),
    place: "kept in this browser",
  });
}

/** Copies the identity and peers kept under `legacy` to `key`; the identity, or undefined. */
async function takeOver(db, legacy, key) {
  const identity = await inStore(db, IDENTITIES, "readonly", (store) => store.get(legacy));
  if (identity === undefined) return undefined;
  const peers = await inStore(db, PEERS, "readonly", (store) => store.get(legacy));
  await inStore(db, IDENTITIES, "readwrite", (store) => store.add(identity, key)).catch(() => {});
  if (peers !== undefined) {
    await inStore(db, PEERS, "readwrite", (store) => store.put(peers, key));
  }
  return await inStore(db, IDENTITIES, "readonly", (store) => store.get(key));
}
