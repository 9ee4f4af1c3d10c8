/**
 * File transfer in the client: the user's commands (`/send`, `/accept`, `/reject`, `/cancel`,
 * `/transfers`) and the server's transfer messages, handed to the sending or the receiving side;
 * and the end of a transfer, whichever way it goes: done, failed, or cut short with the session,
 * never leaving a `.part` file behind. Between two clients with keys, files go end to end
 * encrypted (`web/common/e2e.js`).
 *
 * @module
 */

import type { OfferNotice, TransferMessage } from "../../../protocol.ts";
import type { E2eClient } from "../../../web/common/e2e_keys.js";
import { escapeControls } from "../../common/text.ts";
import { Receiving } from "./receiving.ts";
import { Sending } from "./sending.ts";
import { clearProgress, showEnd } from "./transfer_screen.ts";
import {
  type Transfer,
  type TransferLink,
  type TransferSide,
  TransferTable,
  type TransferUi,
} from "./transfer_table.ts";

/** How the transfers are set up. */
export interface FileTransfersOptions {
  /** Where the transfers show things. */
  ui: TransferUi;
  /** How they reach the server. */
  link: TransferLink;
  /** The folder downloads go to. */
  downloads: string;
  /** The time now (for the notice of an offer). */
  now?: () => Date;
  /** Seals offers and chunks for peers with keys, and opens theirs. */
  e2e?: Pick<E2eClient, "sealFile" | "openFile">;
}

/** The transfers of one session. */
export class FileTransfers {
  readonly #ui: TransferUi;
  readonly #link: TransferLink;
  readonly #table: TransferTable;
  readonly #sending: Sending;
  readonly #receiving: Receiving;
  /** Clean-ups under way (closing and removing `.part` files). */
  readonly #cleanups = new Set<Promise<void>>();

  /** Creates the transfers of a session; nothing happens until asked. */
  constructor(options: FileTransfersOptions) {
    this.#ui = options.ui;
    this.#link = options.link;
    this.#table = new TransferTable((line) => this.#ui.print(line));
    const side: TransferSide = {
      ui: this.#ui,
      link: this.#link,
      table: this.#table,
      abort: (transfer, reason) => this.#abort(transfer, reason),
      finish: (transfer, verb, way, path) => this.#finish(transfer, verb, way, path),
    };
    this.#sending = new Sending({ ...side, e2e: options.e2e });
    this.#receiving = new Receiving({
      ...side,
      downloads: options.downloads.replace(/\/+$/, "") || ".",
      now: options.now ?? (() => new Date()),
      e2e: options.e2e,
    });
  }

  /** Offers the file at `path` to `to`. */
  send(to: string, path: string): Promise<void> {
    return this.#sending.offer(to, path);
  }

  /** Accepts offer `n` (the latest by default) into the downloads folder. */
  async accept(n?: number): Promise<void> {
    const transfer = this.#table.find(n, (t) => !t.outgoing && !t.active);
    if (transfer !== undefined && !transfer.outgoing) await this.#receiving.accept(transfer);
  }

  /** Rejects offer `n` (the latest by default). */
  reject(n?: number): void {
    const transfer = this.#table.find(n, (t) => !t.outgoing && !t.active);
    if (transfer === undefined) return;
    this.#link.send({ type: "reject", id: transfer.id });
    this.#remove(transfer);
    this.#ui.print(
      `Rejected ${escapeControls(transfer.name)} from ${escapeControls(transfer.peer)}`,
    );
  }

  /** Cancels transfer `n` (the latest by default), from either side. */
  cancel(n?: number): void {
    const transfer = this.#table.find(n, () => true);
    if (transfer === undefined) return;
    this.#link.send({ type: "cancel", id: transfer.id, reason: "cancelled by the user" });
    this.#fail(transfer, "cancelled");
  }

  /** Lists the offers and transfers with their numbers. */
  list(): void {
    this.#table.list();
  }

  /** Handles a transfer message from the server. */
  onMessage(message: OfferNotice | TransferMessage): void | Promise<void> {
    if (message.type === "offer") return this.#receiving.offered(message);
    const transfer = this.#table.byId(message.id);
    if (transfer === undefined) return;
    switch (message.type) {
      case "accept":
        if (transfer.outgoing) this.#sending.accepted(transfer);
        break;
      case "reject":
        this.#remove(transfer);
        this.#ui.print(
          `${escapeControls(transfer.peer)} rejected ${escapeControls(transfer.name)}`,
        );
        break;
      case "received":
        if (transfer.outgoing) this.#sending.acknowledged(transfer, message.seq);
        break;
      case "complete":
        if (transfer.outgoing) this.#finish(transfer, `Sent`, "to");
        break;
      case "chunk":
        if (!transfer.outgoing && transfer.active) {
          this.#receiving.chunk(transfer, message.seq, message.data);
        }
        break;
      case "cancel":
        this.#fail(transfer, message.reason ?? "cancelled");
        break;
    }
  }

  /** Ends every transfer (the session is over): no `.part` file is left behind. */
  async close(): Promise<void> {
    for (const transfer of this.#table.all()) this.#discard(transfer);
    await Promise.all(this.#cleanups);
  }

  /** Ends `transfer` done, saying so. */
  #finish(transfer: Transfer, verb: string, way: string, path?: string): void {
    this.#remove(transfer);
    showEnd(this.#ui, transfer, verb, way, path);
  }

  /** Fails `transfer` from this side: the other side is told why. */
  #abort(transfer: Transfer, reason: string): void {
    if (!this.#table.has(transfer)) return;
    this.#link.send({ type: "cancel", id: transfer.id, reason });
    this.#fail(transfer, reason);
  }

  #fail(transfer: Transfer, reason: string): void {
    if (!this.#table.has(transfer)) return;
    const way = transfer.outgoing ? "to" : "from";
    // Said once its .part file is gone.
    this.#discard(transfer).then(() =>
      this.#ui.print(
        `Transfer of ${escapeControls(transfer.name)} ${way} ${escapeControls(transfer.peer)} ` +
          `failed: ${escapeControls(reason)}`,
      )
    );
  }

  /** Forgets `transfer`, removing its `.part` file once the writes under way are done. */
  #discard(transfer: Transfer): Promise<void> {
    this.#remove(transfer);
    const cleanup = transfer.outgoing ? Promise.resolve() : this.#receiving.discard(transfer);
    this.#cleanups.add(cleanup);
    cleanup.finally(() => this.#cleanups.delete(cleanup));
    return cleanup;
  }

  #remove(transfer: Transfer): void {
    this.#table.delete(transfer);
    transfer.active = false;
    if (transfer.outgoing) this.#sending.close(transfer);
    clearProgress(this.#ui, transfer);
  }
}
