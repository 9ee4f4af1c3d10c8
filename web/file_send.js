/**
 * Sending a file from the page: the offer (sealed end to end when the encryption has the
 * recipient's key), then the chunks, as many at a time as the window allows.
 *
 * @module
 */

import { SEALED_FILE_NAME, toBase64 } from "./common/e2e.js";
import { CHUNK_BYTES, WINDOW_CHUNKS } from "./common/protocol.js";
import { randomId, sealChunks, sha256Hex } from "./file_bytes.js";

/**
 * Offers `file` to `to` and adds the transfer to `list` (the Files list: `add`, `send` and
 * `keys`, the page's encryption); nothing is sent when the encryption refuses.
 */
export async function offerFile(list, to, file) {
  const plain = new Uint8Array(await file.arrayBuffer());
  const id = randomId();
  const header = { name: file.name, size: plain.length, sha256: await sha256Hex(plain) };
  const e2e = list.keys.client;
  const sealed = e2e === undefined ? "clear" : await e2e.sealFile(to, id, header);
  if (sealed === undefined) return;
  let offer = { type: "offer", id, to, ...header };
  let data = plain;
  if (sealed !== "clear") {
    data = await sealChunks(plain, sealed.chunks);
    const sha256 = await sha256Hex(data);
    offer = { ...offer, name: SEALED_FILE_NAME, size: data.length, sha256, e2e: sealed.e2e };
  }
  const transfer = {
    id,
    outgoing: true,
    peer: to,
    name: file.name,
    size: data.length,
    data,
    sealed: sealed !== "clear",
    next: 0,
    unacked: 0,
    done: 0,
  };
  list.add(transfer, "waiting for an answer");
  list.send(offer);
}

/**
 * Notes that the chunks of `transfer` up to `seq` arrived (its window opens, and `done` counts
 * them), then sends what the window has room for, with `send`.
 */
export function acknowledged(send, transfer, seq) {
  transfer.unacked = Math.min(transfer.unacked, transfer.next - 1 - seq);
  transfer.done = Math.min(transfer.size, (seq + 1) * CHUNK_BYTES);
  sendChunks(send, transfer);
}

/** Sends the chunks of `transfer` that its window has room for, with `send`. */
export function sendChunks(send, transfer) {
  while (transfer.unacked < WINDOW_CHUNKS && transfer.next * CHUNK_BYTES < transfer.size) {
    const start = transfer.next * CHUNK_BYTES;
    send({
      type: "chunk",
      id: transfer.id,
      seq: transfer.next,
      data: toBase64(transfer.data.subarray(start, start + CHUNK_BYTES)),
    });
    transfer.next++;
    transfer.unacked++;
  }
}
