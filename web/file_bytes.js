// @ts-self-types="./file_bytes.d.ts"
/**
 * The bytes of a file the page sends or receives: their SHA-256 in hex (as offers carry it), a
 * transfer's random id, a file sealed end to end, chunk by chunk, as it crosses the server, and
 * how a sealed transfer is marked where the page names it.
 *
 * @module
 */

import { CHUNK_OVERHEAD, encryptedSize } from "./common/e2e.js";
import { CHUNK_BYTES } from "./common/protocol.js";

/** The SHA-256 of `bytes`, in hex. */
export async function sha256Hex(bytes) {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

/** A new transfer id: 8 random bytes in hex. */
export function randomId() {
  return hex(crypto.getRandomValues(new Uint8Array(8)));
}

/** `plain` encrypted with `chunks` piece by piece, each piece into a chunk of CHUNK_BYTES. */
export async function sealChunks(plain, chunks) {
  const data = new Uint8Array(encryptedSize(plain.length, CHUNK_BYTES));
  const piece = CHUNK_BYTES - CHUNK_OVERHEAD;
  for (let seq = 0; seq * piece < plain.length; seq++) {
    const bytes = plain.subarray(seq * piece, (seq + 1) * piece);
    data.set(await chunks.encrypt(seq, bytes), seq * CHUNK_BYTES);
  }
  return data;
}

/** What follows a transfer's name where it is sealed end to end: `, end-to-end encrypted`. */
export function sealedMark(transfer) {
  return transfer.sealed ? ", end-to-end encrypted" : "";
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
