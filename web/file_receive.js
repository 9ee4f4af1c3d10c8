/**
 * Receiving a file in the page: the offer (opened first when it is end-to-end) with its Accept and
 * Reject buttons, the chunks (decrypted, acknowledged), and the file checked against its checksum
 * before the page offers to save it.
 *
 * @module
 */

import { encryptedSize, fromBase64 } from "./common/e2e.js";
import { describeFailure } from "./common/e2e_keys.js";
import { CHUNK_BYTES } from "./common/protocol.js";
import { sealedMark, sha256Hex } from "./file_bytes.js";
import { EVERYONE } from "./names.js";

/**
 * Adds the file `message` offers to `list` (the Files list: `add`, `end`, `send`, `keys`, the
 * page's encryption, and `conversations`, where the offer is told), with Accept and Reject.
 */
export async function listOffer(list, message) {
  const transfer = await opened(list, message);
  if (transfer === undefined) return;
  list.add(transfer);
  const accept = button("Accept");
  const reject = button("Reject");
  accept.onclick = () => {
    accept.remove();
    reject.remove();
    list.send({ type: "accept", id: transfer.id });
    if (transfer.size === 0) download(list, transfer);
  };
  reject.onclick = () => {
    list.send({ type: "reject", id: transfer.id });
    list.end(transfer, "rejected");
  };
  transfer.item.append(accept, reject);
  list.conversations.notice(
    EVERYONE,
    new Date(),
    `${message.from} offers ${transfer.name} (${transfer.plainSize} bytes)${
      sealedMark(transfer)
    }: see Files`,
  );
}

/** Keeps chunk `message` of `transfer` (decrypted when end-to-end) and acknowledges it. */
export async function keepChunk(list, transfer, message) {
  const data = fromBase64(message.data);
  try {
    transfer.parts.push(transfer.chunks ? await transfer.chunks.decrypt(message.seq, data) : data);
  } catch (error) {
    list.send({ type: "cancel", id: transfer.id, reason: error.message });
    list.end(transfer, `failed: ${error.message}`);
    return;
  }
  transfer.done += data.length;
  transfer.bar.value = transfer.done;
  list.send({ type: "received", id: transfer.id, seq: message.seq });
  if (transfer.done >= transfer.size) download(list, transfer);
}

/** The transfer an offer asks for: opened first when it is end-to-end (undefined if it fails). */
async function opened(list, message) {
  const transfer = {
    id: message.id,
    outgoing: false,
    peer: message.from,
    name: message.name,
    size: message.size,
    plainSize: message.size,
    sha256: message.sha256,
    parts: [],
    done: 0,
    sealed: false,
  };
  if (message.e2e === undefined) return transfer;
  try {
    const { header, chunks } = await list.keys.client.openFile(message);
    if (encryptedSize(header.size, CHUNK_BYTES) !== message.size) {
      throw new Error("its size does not match what it says it holds");
    }
    const plainSize = header.size;
    return { ...transfer, ...header, size: message.size, plainSize, chunks, sealed: true };
  } catch (error) {
    list.send({ type: "reject", id: message.id });
    list.conversations.system(
      `${describeFailure(`A file offer from ${message.from}`, error)} (rejected)`,
    );
    return undefined;
  }
}

/** Checks the file received against its checksum, then offers to save it. */
async function download(list, transfer) {
  const blob = new Blob(transfer.parts);
  const sha256 = await sha256Hex(await blob.arrayBuffer());
  if (sha256 !== transfer.sha256 || blob.size !== transfer.plainSize) {
    list.send({ type: "cancel", id: transfer.id, reason: "the file does not match its checksum" });
    list.end(transfer, "failed: the file does not match its checksum");
    return;
  }
  list.send({ type: "complete", id: transfer.id });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = transfer.name;
  link.textContent = `Save ${transfer.name}`;
  transfer.item.append(link);
  list.end(transfer, "received");
}

function button(text) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = text;
  return element;
}
