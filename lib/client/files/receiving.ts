/**
 * Receiving a file: an offer shown (opened first when sealed end to end, refused saying why when
 * it cannot be), accepted (`/accept`), its chunks written in order to a `.part` file in the
 * downloads folder (decrypted first when end to end) and acknowledged, and the `.part` file made
 * the download only once its SHA-256 checks out.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { CHUNK_BYTES, type E2eEnvelope, type OfferNotice } from "../../../protocol.ts";
import { encryptedSize } from "../../../web/common/e2e.js";
import { describeFailure, type E2eClient } from "../../../web/common/e2e_keys.js";
import { concat } from "../../common/bytes.ts";
import { escapeControls, formatBytes } from "../../common/text.ts";
import { formatNotice } from "../screen.ts";
import { safeFileName } from "../../protocol/file_names.ts";
import { freePartPath, keepDownload } from "./local_files.ts";
import { showProgress, showStart } from "./transfer_screen.ts";
import { type IncomingTransfer, sealedMark, type TransferSide } from "./transfer_table.ts";

/** How the receiving side is set up. */
export interface ReceivingOptions extends TransferSide {
  /** The folder downloads go to (no trailing `/`). */
  downloads: string;
  /** The time now, for the notice of an offer. */
  now: () => Date;
  /** Opens offers sealed end to end. */
  e2e?: Pick<E2eClient, "openFile">;
}

/** The files a session receives. */
export class Receiving {
  readonly #side: ReceivingOptions;

  /** Creates the receiving side of a session's transfers. */
  constructor(side: ReceivingOptions) {
    this.#side = side;
  }

  /** Keeps and shows an offer from a peer (opened first when sealed). */
  offered(offer: OfferNotice): void | Promise<void> {
    if (offer.e2e !== undefined) return this.#offeredSealed({ ...offer, e2e: offer.e2e });
    this.#keep(offer.id, offer.from, {
      name: safeFileName(offer.name),
      size: offer.size,
      sha256: offer.sha256.toLowerCase(),
    });
  }

  /** Accepts `transfer` into the downloads folder, in a `.part` file until it is whole. */
  async accept(transfer: IncomingTransfer): Promise<void> {
    const { ui, link, downloads: dir } = this.#side;
    for (const name of ["write", "read"] as const) {
      if (Deno.permissions.querySync({ name, path: dir }).state !== "granted") {
        ui.print(
          `Cannot save to "${escapeControls(dir)}": the client needs --allow-${name}=${dir} ` +
            "(deno task client grants it)",
        );
        return;
      }
    }
    try {
      await Deno.mkdir(dir, { recursive: true });
      transfer.partPath = freePartPath(dir, transfer.name);
      transfer.file = await Deno.open(transfer.partPath, { createNew: true, write: true });
    } catch (error) {
      ui.print(`Cannot save ${escapeControls(transfer.name)}: ${(error as Error).message}`);
      return;
    }
    transfer.hash = createHash("sha256");
    showStart(ui, transfer);
    link.send({ type: "accept", id: transfer.id });
    if (transfer.size === 0) this.#write(transfer, () => this.#received(transfer));
  }

  /** Queues chunk `seq` (base64 `data`) for writing. */
  chunk(transfer: IncomingTransfer, seq: number, data: string): void {
    let bytes: Uint8Array;
    try {
      bytes = Uint8Array.fromBase64(data);
    } catch {
      this.#side.abort(transfer, "a chunk's data could not be read");
      return;
    }
    transfer.queued.push({ seq, bytes });
    if (transfer.queued.length === 1) this.#write(transfer, () => this.#drain(transfer));
  }

  /** Stops `transfer`, removing its `.part` file once the writes under way are done. */
  discard(transfer: IncomingTransfer): Promise<void> {
    transfer.active = false;
    transfer.writing = transfer.writing.then(async () => {
      const { file, partPath } = transfer;
      transfer.file = undefined;
      transfer.partPath = undefined;
      try {
        file?.close();
      } catch {
        // Closed already.
      }
      if (partPath !== undefined) await Deno.remove(partPath).catch(() => {});
    });
    return transfer.writing;
  }

  /** An end-to-end offer: opened, or refused saying why (nothing of what it holds). */
  async #offeredSealed(offer: OfferNotice & { e2e: E2eEnvelope }): Promise<void> {
    try {
      if (this.#side.e2e === undefined) throw new Error("end-to-end encryption is off here");
      const { header, chunks } = await this.#side.e2e.openFile(offer);
      if (encryptedSize(header.size, CHUNK_BYTES) !== offer.size) {
        throw new Error("its size does not match what it says it holds");
      }
      this.#keep(offer.id, offer.from, {
        name: safeFileName(header.name),
        size: header.size,
        sha256: header.sha256,
        chunks,
      });
    } catch (error) {
      this.#side.link.send({ type: "reject", id: offer.id });
      this.#side.ui.print(
        escapeControls(describeFailure(`A file offer from ${offer.from}`, error as Error)) +
          " (rejected)",
      );
    }
  }

  /** Keeps offer `id` from `peer` of the file `file`, and says how to answer it. */
  #keep(
    id: string,
    peer: string,
    file: Pick<IncomingTransfer, "name" | "size" | "sha256" | "chunks">,
  ): void {
    const transfer = this.#side.table.add<IncomingTransfer>({
      id,
      outgoing: false,
      peer,
      ...file,
      queued: [],
      writing: Promise.resolve(),
    });
    this.#side.ui.print(formatNotice(
      this.#side.now(),
      `${escapeControls(transfer.peer)} offers ${escapeControls(transfer.name)} ` +
        `(${formatBytes(transfer.size)})${sealedMark(transfer)}: /accept ${transfer.n} or ` +
        `/reject ${transfer.n}`,
    ));
  }

  /**
   * Writes the chunks that have arrived, those that came together in one write, and
   * acknowledges the last of them (acknowledgements are cumulative).
   */
  async #drain(transfer: IncomingTransfer): Promise<void> {
    while (transfer.queued.length > 0 && transfer.file !== undefined) {
      const batch = transfer.queued;
      transfer.queued = [];
      if (transfer.chunks !== undefined) {
        try {
          for (const chunk of batch) {
            chunk.bytes = await transfer.chunks.decrypt(chunk.seq, chunk.bytes);
          }
        } catch (error) {
          this.#side.abort(transfer, (error as Error).message);
          return;
        }
      }
      const length = batch.reduce((sum, chunk) => sum + chunk.bytes.length, 0);
      if (transfer.done + length > transfer.size) {
        this.#side.abort(transfer, "more data than announced");
        return;
      }
      const bytes = batch.length === 1 ? batch[0].bytes : concat(batch.map((c) => c.bytes), length);
      let written = 0;
      while (written < bytes.length) written += await transfer.file.write(bytes.subarray(written));
      transfer.hash?.update(bytes);
      transfer.done += length;
      this.#side.link.send({ type: "received", id: transfer.id, seq: batch.at(-1)!.seq });
      showProgress(this.#side.ui, transfer);
    }
    if (transfer.done === transfer.size && transfer.file !== undefined) {
      await this.#received(transfer);
    }
  }

  /** Runs `step` after the file's earlier writes, while the transfer is still on. */
  #write(transfer: IncomingTransfer, step: () => Promise<void>): void {
    transfer.writing = transfer.writing.then(async () => {
      if (transfer.active && transfer.file !== undefined) await step();
    }).catch((error: Error) =>
      this.#side.abort(transfer, `cannot save the file: ${error.message}`)
    );
  }

  /** The whole file is written: it becomes the download if its checksum matches. */
  async #received(transfer: IncomingTransfer): Promise<void> {
    transfer.file?.close();
    transfer.file = undefined;
    const part = transfer.partPath!;
    if (transfer.hash?.digest("hex") !== transfer.sha256) {
      this.#side.abort(transfer, "the file does not match its checksum");
      return;
    }
    const path = await keepDownload(part, this.#side.downloads, transfer.name);
    transfer.partPath = undefined;
    this.#side.link.send({ type: "complete", id: transfer.id });
    this.#side.finish(transfer, "Received", "from", path);
  }
}
