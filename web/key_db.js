// @ts-self-types="./key_db.d.ts"
/**
 * The web page's end-to-end keys, kept in this browser's IndexedDB (one database per server, as
 * the page's origin is the server's): per nickname, an identity whose private keys are
 * non-extractable CryptoKeys (the page can use them, no script can read them out) and the peers
 * pinned on first use.
 *
 * @module
 */

import { generateIdentity, publicBundle } from "./common/e2e.js";
import { KeyRing } from "./common/e2e_keys.js";
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

/**
 * The key ring of `nickname` in this browser, its identity made on first use (non-extractable);
 * throws when the browser keeps nothing (IndexedDB off) or lacks X25519 or Ed25519.
 */
export async function openBrowserKeys(nickname) {
  const db = await openDatabase();
  const key = nicknameKey(nickname);
  let identity = await inStore(db, IDENTITIES, "readonly", (store) => store.get(key));
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
  return new KeyRing({
    identity,
    bundle: await publicBundle(identity),
    peers,
    save: (list) => inStore(db, PEERS, "readwrite", (store) => store.put(list, key)),
    place: "kept in this browser",
  });
}
