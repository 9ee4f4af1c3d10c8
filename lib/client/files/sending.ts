/**
 * Sending a file (`/send`): the offer, with the file's size and SHA-256 (sealed in the offer for
 * a peer with keys, every chunk then encrypted), and once accepted its chunks, read a block at a
 * time and sent within the window the server allows as acknowledgements come back.
 *
 * @module
 */

import { CHUNK_BYTES, type OfferRequest, WINDOW_CHUNKS } from "../../../protocol.ts";
import {
  CHUNK_OVERHEAD,
  encryptedSize,
  type FileChunks,
  SEALED_FILE_NAME,
} from "../../../web/common/e2e.js";
import type { E2eClient } from "../../../web/common/e2e_keys.js";
import { escapeControls, formatBytes } from "../../common/text.ts";
import { safeFileName } from "../../protocol/file_names.ts";
import {
  checksum,
  encryptedChecksum,
  randomId,
  READ_BLOCK_BYTES,
  readFully,
} from "./local_files.ts";
import { showProgress, showStart } from "./transfer_screen.ts";
import {
  type OutgoingTransfer,
  sealedMark,
  type Transfer,
  type TransferSide,
} from "./transfer_table.ts";

/** Bytes of the file in one end-to-end encrypted chunk (the rest is its tag). */
const SEALED_PIECE_BYTES = CHUNK_BYTES - CHUNK_OVERHEAD;

/** How the sending side is set up. */
export interface SendingOptions extends TransferSide {
  /** Seals offers and chunks for peers with keys. */
  e2e?: Pick<E2eClient, "sealFile">;
}

/** The files a session sends. */
export class Sending {
  readonly #side: SendingOptions;

  /** Creates the sending side of a session's transfers. */
  constructor(side: SendingOptions) {
    this.#side = side;
  }

  /** Offers the file at `path` to `to`. */
  async offer(to: string, path: string): Promise<void> {
    const { ui, link, table } = this.#side;
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") {
      ui.print(
        `Cannot read "${escapeControls(path)}": the client needs --allow-read ` +
          "(deno task client grants it)",
      );
      return;
    }
    const name = safeFileName(path.split(/[/\\]/).at(-1) ?? "");
    const id = randomId();
    let file: { size: number; sha256: string };
    let offer: OfferRequest;
    let chunks: FileChunks | undefined;
    try {
      file = await checksum(path);
      offer = { type: "offer", id, to, name, ...file };
      const e2e = this.#side.e2e;
      const sealed = e2e ? await e2e.sealFile(to, id, { name, ...file }) : "clear";
      if (sealed === undefined) return;
      if (sealed !== "clear") {
        chunks = sealed.chunks;
        const sha256 = await encryptedChecksum(path, file.size, SEALED_PIECE_BYTES, chunks);
        const size = encryptedSize(file.size, CHUNK_BYTES);
        offer = { ...offer, name: SEALED_FILE_NAME, size, sha256, e2e: sealed.e2e };
      }
    } catch (error) {
      ui.print(`Cannot send "${escapeControls(path)}": ${(error as Error).message}`);
      return;
    }
    const transfer = table.add<OutgoingTransfer>({
      id,
      outgoing: true,
      peer: to,
      name,
      ...file,
      chunks,
      path,
      pumping: false,
      nextSeq: 0,
      unacked: 0,
    });
    link.send(offer);
    ui.print(
      `Offering ${escapeControls(name)} (${formatBytes(transfer.size)}) to ${escapeControls(to)}${
        sealedMark(transfer)
      }: waiting for an answer (/cancel ${transfer.n} withdraws it)`,
    );
  }

  /** The peer accepted: the data starts. */
  accepted(transfer: OutgoingTransfer): void {
    if (transfer.active) return;
    showStart(this.#side.ui, transfer);
    this.#pump(transfer);
  }

  /** The peer has everything up to chunk `seq` (acknowledgements are cumulative). */
  acknowledged(transfer: OutgoingTransfer, seq: number): void {
    if (seq >= transfer.nextSeq) return;
    transfer.unacked = Math.min(transfer.unacked, transfer.nextSeq - 1 - seq);
    transfer.done = Math.min(transfer.size, (seq + 1) * piece(transfer));
    showProgress(this.#side.ui, transfer);
    this.#pump(transfer);
  }

  /** Closes the file `transfer` reads from, if open. */
  close(transfer: OutgoingTransfer): void {
    try {
      transfer.source?.close();
    } catch {
      // Closed already.
    }
    transfer.source = undefined;
  }

  /** Sends chunks while the window allows, reading the file a block at a time. */
  async #pump(transfer: OutgoingTransfer): Promise<void> {
    if (transfer.pumping) return;
    transfer.pumping = true;
    try {
      transfer.source ??= await Deno.open(transfer.path);
      while (
        transfer.active && transfer.unacked < WINDOW_CHUNKS &&
        transfer.nextSeq * piece(transfer) < transfer.size
      ) {
        const seq = transfer.nextSeq;
        const start = seq * piece(transfer);
        const end = Math.min(start + piece(transfer), transfer.size);
        const plain = await this.#read(transfer, start, end);
        const bytes = transfer.chunks ? await transfer.chunks.encrypt(seq, plain) : plain;
        if (!transfer.active) break;
        this.#side.link.sendBulk({ type: "chunk", id: transfer.id, seq, data: bytes.toBase64() });
        transfer.nextSeq++;
        transfer.unacked++;
      }
    } catch (error) {
      this.#side.abort(transfer, `cannot read the file: ${(error as Error).message}`);
    } finally {
      transfer.pumping = false;
    }
  }

  /** Bytes `start` to `end` of the file being sent (read in order, a block at a time). */
  async #read(transfer: OutgoingTransfer, start: number, end: number): Promise<Uint8Array> {
    const block = transfer.block;
    if (block === undefined || end > block.start + block.bytes.length) {
      const bytes = new Uint8Array(Math.min(READ_BLOCK_BYTES, transfer.size - start));
      await transfer.source!.seek(start, Deno.SeekMode.Start);
      await readFully(transfer.source!, bytes);
      transfer.block = { start, bytes };
    }
    const { start: at, bytes } = transfer.block!;
    return bytes.subarray(start - at, end - at);
  }
}

/** Bytes of the file in each chunk of `transfer`. */
function piece(transfer: Transfer): number {
  return transfer.chunks === undefined ? CHUNK_BYTES : SEALED_PIECE_BYTES;
}
