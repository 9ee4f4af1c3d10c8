/**
 * File transfer in the client: offering a file (`/send`), answering offers (`/accept`,
 * `/reject`), cancelling and listing transfers, sending data within the window the server
 * allows, and receiving it into a `.part` file that becomes the download only once its SHA-256
 * checks out. Between two clients with keys, the name, size and checksum go sealed in the offer and
 * every chunk is encrypted (`web/common/e2e.js`); the checksum is checked after decryption. Progress goes
 * to a status line per transfer on a terminal, and to one line at the start and one at the end
 * elsewhere.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import {
  CHUNK_BYTES,
  type ClientMessage,
  type E2eEnvelope,
  type OfferNotice,
  type OfferRequest,
  type TransferMessage,
  WINDOW_CHUNKS,
} from "../../../protocol.ts";
import {
  CHUNK_OVERHEAD,
  encryptedSize,
  type FileChunks,
  SEALED_FILE_NAME,
} from "../../../web/common/e2e.js";
import type { E2eClient } from "../../../web/common/e2e_keys.js";
import { concat } from "../../common/bytes.ts";
import { escapeControls, formatBytes } from "../../common/text.ts";
import { formatNotice } from "../screen.ts";
import {
  checksum,
  encryptedChecksum,
  exists,
  randomId,
  READ_BLOCK_BYTES,
  readFully,
} from "./local_files.ts";
import { freeName, safeFileName } from "../../protocol/file_names.ts";

/** Bytes of the file in one end-to-end encrypted chunk (the rest is its tag). */
const SEALED_PIECE_BYTES = CHUNK_BYTES - CHUNK_OVERHEAD;

/** How often a transfer's progress line is redrawn, at most (ms). */
const PROGRESS_EVERY_MS = 100;

/** Where the transfers show things. */
export interface TransferUi {
  print(line: string): void;
  /** Sets (or, with undefined, removes) the progress line `key` (on a terminal only). */
  status?(key: string, line: string | undefined): void;
  /** Whether a person watches a terminal (then progress lines replace start and end lines). */
  readonly interactive?: boolean;
}

/** How the transfers reach the server. */
export interface TransferLink {
  /** Sends a control message. */
  send(message: ClientMessage): void;
  /** Sends file data, behind everything else. */
  sendBulk(message: ClientMessage): void;
}

/** How the transfers are set up. */
export interface FileTransfersOptions {
  ui: TransferUi;
  link: TransferLink;
  /** The folder downloads go to. */
  downloads: string;
  now?: () => Date;
  /** Seals offers and chunks for peers with keys, and opens theirs. */
  e2e?: Pick<E2eClient, "sealFile" | "openFile">;
}

/** One transfer, as this client sees it. */
interface Local {
  /** The number the user types. */
  n: number;
  id: string;
  outgoing: boolean;
  /** The other side's nickname. */
  peer: string;
  name: string;
  /** The file's size and checksum (of its plain bytes, when end to end). */
  size: number;
  sha256: string;
  /** End to end: the chunk cipher (bytes of the file per chunk are then `SEALED_PIECE_BYTES`). */
  chunks?: FileChunks;
  active: boolean;
  /** Bytes sent and acknowledged, or received and written. */
  done: number;
  startedAt: number;
  shownAt: number;
  /** Outgoing: the file, a block read from it, the next chunk and those not yet acknowledged. */
  path?: string;
  source?: Deno.FsFile;
  block?: { start: number; bytes: Uint8Array };
  pumping: boolean;
  nextSeq: number;
  unacked: number;
  /** Incoming: the checksum of what has been written so far. */
  hash?: Hash;
  /** Incoming: the `.part` file, the chunks waiting to be written, and the writes in order. */
  file?: Deno.FsFile;
  partPath?: string;
  queued: { seq: number; bytes: Uint8Array }[];
  writing: Promise<void>;
}

/** The transfers of one session. */
export class FileTransfers {
  readonly #ui: TransferUi;
  readonly #link: TransferLink;
  readonly #downloads: string;
  readonly #now: () => Date;
  readonly #e2e: FileTransfersOptions["e2e"];
  readonly #all: Local[] = [];
  /** Clean-ups under way (closing and removing `.part` files). */
  readonly #cleanups = new Set<Promise<void>>();
  #lastNumber = 0;

  /** Creates the transfers of a session; nothing happens until asked. */
  constructor(options: FileTransfersOptions) {
    this.#ui = options.ui;
    this.#link = options.link;
    this.#downloads = options.downloads.replace(/\/+$/, "") || ".";
    this.#now = options.now ?? (() => new Date());
    this.#e2e = options.e2e;
  }

  /** Offers the file at `path` to `to`. */
  async send(to: string, path: string): Promise<void> {
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") {
      this.#ui.print(
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
      const sealed = this.#e2e ? await this.#e2e.sealFile(to, id, { name, ...file }) : "clear";
      if (sealed === undefined) return;
      if (sealed !== "clear") {
        chunks = sealed.chunks;
        const sha256 = await encryptedChecksum(path, file.size, SEALED_PIECE_BYTES, chunks);
        const size = encryptedSize(file.size, CHUNK_BYTES);
        offer = { ...offer, name: SEALED_FILE_NAME, size, sha256, e2e: sealed.e2e };
      }
    } catch (error) {
      this.#ui.print(`Cannot send "${escapeControls(path)}": ${(error as Error).message}`);
      return;
    }
    const transfer = this.#add({ id, outgoing: true, peer: to, name, ...file });
    transfer.path = path;
    transfer.chunks = chunks;
    this.#link.send(offer);
    this.#ui.print(
      `Offering ${escapeControls(name)} (${formatBytes(transfer.size)}) to ${escapeControls(to)}${
        sealedMark(transfer)
      }: waiting for an answer (/cancel ${transfer.n} withdraws it)`,
    );
  }

  /** Accepts offer `n` (the latest by default) into the downloads folder. */
  async accept(n?: number): Promise<void> {
    const transfer = this.#find(n, (t) => !t.outgoing && !t.active);
    if (transfer === undefined) return;
    const dir = this.#downloads;
    for (const name of ["write", "read"] as const) {
      if (Deno.permissions.querySync({ name, path: dir }).state !== "granted") {
        this.#ui.print(
          `Cannot save to "${escapeControls(dir)}": the client needs --allow-${name}=${dir} ` +
            "(deno task client grants it)",
        );
        return;
      }
    }
    try {
      await Deno.mkdir(dir, { recursive: true });
      const name = freeName(
        transfer.name,
        (c) => exists(`${dir}/${c}`) || exists(`${dir}/${c}.part`),
      );
      transfer.partPath = `${dir}/${name}.part`;
      transfer.file = await Deno.open(transfer.partPath, { createNew: true, write: true });
    } catch (error) {
      this.#ui.print(`Cannot save ${escapeControls(transfer.name)}: ${(error as Error).message}`);
      return;
    }
    transfer.hash = createHash("sha256");
    this.#start(transfer);
    this.#link.send({ type: "accept", id: transfer.id });
    if (transfer.size === 0) this.#write(transfer, () => this.#received(transfer));
  }

  /** Rejects offer `n` (the latest by default). */
  reject(n?: number): void {
    const transfer = this.#find(n, (t) => !t.outgoing && !t.active);
    if (transfer === undefined) return;
    this.#link.send({ type: "reject", id: transfer.id });
    this.#remove(transfer);
    this.#ui.print(
      `Rejected ${escapeControls(transfer.name)} from ${escapeControls(transfer.peer)}`,
    );
  }

  /** Cancels transfer `n` (the latest by default), from either side. */
  cancel(n?: number): void {
    const transfer = this.#find(n, () => true);
    if (transfer === undefined) return;
    this.#link.send({ type: "cancel", id: transfer.id, reason: "cancelled by the user" });
    this.#fail(transfer, "cancelled");
  }

  /** Lists the offers and transfers with their numbers. */
  list(): void {
    if (this.#all.length === 0) {
      this.#ui.print("No transfers (/send <user> <path> offers a file)");
      return;
    }
    for (const t of this.#all) {
      const way = t.outgoing ? `to ${t.peer}` : `from ${t.peer}`;
      const state = t.active
        ? `${percent(t)}, ${formatBytes(t.done)} of ${formatBytes(t.size)}`
        : t.outgoing
        ? "offered, waiting for an answer"
        : `offered: /accept ${t.n} or /reject ${t.n}`;
      this.#ui.print(
        `  ${t.n}  ${escapeControls(t.name)} (${formatBytes(t.size)}) ${
          escapeControls(way)
        }: ${state}`,
      );
    }
  }

  /** Handles a transfer message from the server. */
  onMessage(message: OfferNotice | TransferMessage): void | Promise<void> {
    if (message.type === "offer") return this.#offered(message);
    const transfer = this.#all.find((t) => t.id === message.id);
    if (transfer === undefined) return;
    switch (message.type) {
      case "accept":
        if (transfer.outgoing && !transfer.active) {
          this.#start(transfer);
          this.#pump(transfer);
        }
        break;
      case "reject":
        this.#remove(transfer);
        this.#ui.print(
          `${escapeControls(transfer.peer)} rejected ${escapeControls(transfer.name)}`,
        );
        break;
      case "received":
        // Acknowledgements are cumulative: everything up to `seq` arrived.
        if (!transfer.outgoing || message.seq >= transfer.nextSeq) break;
        transfer.unacked = Math.min(transfer.unacked, transfer.nextSeq - 1 - message.seq);
        transfer.done = Math.min(transfer.size, (message.seq + 1) * piece(transfer));
        this.#progress(transfer);
        this.#pump(transfer);
        break;
      case "complete":
        if (transfer.outgoing) this.#finished(transfer, `Sent`, "to");
        break;
      case "chunk":
        if (!transfer.outgoing && transfer.active) this.#chunk(transfer, message.seq, message.data);
        break;
      case "cancel":
        this.#fail(transfer, message.reason ?? "cancelled");
        break;
    }
  }

  /** Ends every transfer (the session is over): no `.part` file is left behind. */
  async close(): Promise<void> {
    for (const transfer of [...this.#all]) this.#discard(transfer);
    await Promise.all(this.#cleanups);
  }

  #offered(offer: OfferNotice): void | Promise<void> {
    if (offer.e2e !== undefined) return this.#offeredSealed({ ...offer, e2e: offer.e2e });
    const transfer = this.#add({
      id: offer.id,
      outgoing: false,
      peer: offer.from,
      name: safeFileName(offer.name),
      size: offer.size,
      sha256: offer.sha256.toLowerCase(),
    });
    this.#sayOffered(transfer);
  }

  /** An end-to-end offer: opened, or refused saying why (nothing of what it holds). */
  async #offeredSealed(offer: OfferNotice & { e2e: E2eEnvelope }): Promise<void> {
    try {
      if (this.#e2e === undefined) throw new Error("end-to-end encryption is off here");
      const { header, chunks } = await this.#e2e.openFile(offer);
      if (encryptedSize(header.size, CHUNK_BYTES) !== offer.size) {
        throw new Error("its size does not match what it says it holds");
      }
      const transfer = this.#add({
        id: offer.id,
        outgoing: false,
        peer: offer.from,
        name: safeFileName(header.name),
        size: header.size,
        sha256: header.sha256,
      });
      transfer.chunks = chunks;
      this.#sayOffered(transfer);
    } catch (error) {
      this.#link.send({ type: "reject", id: offer.id });
      this.#ui.print(
        `Could not decrypt a file offer from ${escapeControls(offer.from)}: ${
          escapeControls((error as Error).message)
        } (rejected)`,
      );
    }
  }

  #sayOffered(transfer: Local): void {
    this.#ui.print(formatNotice(
      this.#now(),
      `${escapeControls(transfer.peer)} offers ${escapeControls(transfer.name)} ` +
        `(${formatBytes(transfer.size)})${sealedMark(transfer)}: /accept ${transfer.n} or ` +
        `/reject ${transfer.n}`,
    ));
  }

  #add(fields: Pick<Local, "id" | "outgoing" | "peer" | "name" | "size" | "sha256">): Local {
    const transfer: Local = {
      ...fields,
      n: ++this.#lastNumber,
      active: false,
      done: 0,
      startedAt: 0,
      shownAt: 0,
      pumping: false,
      nextSeq: 0,
      unacked: 0,
      queued: [],
      writing: Promise.resolve(),
    };
    this.#all.push(transfer);
    return transfer;
  }

  /** Transfer `n`, or the latest that `fits`; says so when there is none. */
  #find(n: number | undefined, fits: (transfer: Local) => boolean): Local | undefined {
    const found = n === undefined
      ? this.#all.findLast(fits)
      : this.#all.find((t) => t.n === n && fits(t));
    if (found === undefined) {
      this.#ui.print(
        n === undefined
          ? "No such transfer: /transfers lists them"
          : `No transfer ${n} to do that with: /transfers lists them`,
      );
    }
    return found;
  }

  #start(transfer: Local): void {
    transfer.active = true;
    transfer.startedAt = Date.now();
    if (!this.#ui.interactive) {
      const [verb, way] = transfer.outgoing ? ["Sending", "to"] : ["Receiving", "from"];
      this.#ui.print(
        `${verb} ${escapeControls(transfer.name)} (${formatBytes(transfer.size)}) ${way} ` +
          `${escapeControls(transfer.peer)}`,
      );
    }
    this.#progress(transfer, true);
  }

  /** Sends chunks while the window allows, reading the file a block at a time. */
  async #pump(transfer: Local): Promise<void> {
    if (transfer.pumping) return;
    transfer.pumping = true;
    try {
      transfer.source ??= await Deno.open(transfer.path!);
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
        this.#link.sendBulk({ type: "chunk", id: transfer.id, seq, data: bytes.toBase64() });
        transfer.nextSeq++;
        transfer.unacked++;
      }
    } catch (error) {
      this.#abort(transfer, `cannot read the file: ${(error as Error).message}`);
    } finally {
      transfer.pumping = false;
    }
  }

  /** Bytes `start` to `end` of the file being sent (read in order, a block at a time). */
  async #read(transfer: Local, start: number, end: number): Promise<Uint8Array> {
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

  #chunk(transfer: Local, seq: number, data: string): void {
    let bytes: Uint8Array;
    try {
      bytes = Uint8Array.fromBase64(data);
    } catch {
      this.#abort(transfer, "a chunk's data could not be read");
      return;
    }
    transfer.queued.push({ seq, bytes });
    if (transfer.queued.length === 1) this.#write(transfer, () => this.#drain(transfer));
  }

  /**
   * Writes the chunks that have arrived, those that came together in one write, and
   * acknowledges the last of them (acknowledgements are cumulative).
   */
  async #drain(transfer: Local): Promise<void> {
    while (transfer.queued.length > 0 && transfer.file !== undefined) {
      const batch = transfer.queued;
      transfer.queued = [];
      if (transfer.chunks !== undefined) {
        try {
          for (const chunk of batch) {
            chunk.bytes = await transfer.chunks.decrypt(chunk.seq, chunk.bytes);
          }
        } catch (error) {
          this.#abort(transfer, (error as Error).message);
          return;
        }
      }
      const length = batch.reduce((sum, chunk) => sum + chunk.bytes.length, 0);
      if (transfer.done + length > transfer.size) {
        this.#abort(transfer, "more data than announced");
        return;
      }
      const bytes = batch.length === 1 ? batch[0].bytes : concat(batch.map((c) => c.bytes), length);
      let written = 0;
      while (written < bytes.length) written += await transfer.file.write(bytes.subarray(written));
      transfer.hash?.update(bytes);
      transfer.done += length;
      this.#link.send({ type: "received", id: transfer.id, seq: batch.at(-1)!.seq });
      this.#progress(transfer);
    }
    if (transfer.done === transfer.size && transfer.file !== undefined) {
      await this.#received(transfer);
    }
  }

  /** Runs `step` after the file's earlier writes, while the transfer is still on. */
  #write(transfer: Local, step: () => Promise<void>): void {
    transfer.writing = transfer.writing.then(async () => {
      if (transfer.active && transfer.file !== undefined) await step();
    }).catch((error: Error) => this.#abort(transfer, `cannot save the file: ${error.message}`));
  }

  /** The whole file is written: it becomes the download if its checksum matches. */
  async #received(transfer: Local): Promise<void> {
    transfer.file?.close();
    transfer.file = undefined;
    const part = transfer.partPath!;
    if (transfer.hash?.digest("hex") !== transfer.sha256) {
      this.#abort(transfer, "the file does not match its checksum");
      return;
    }
    const dir = this.#downloads;
    let path: string;
    while (true) {
      const name = freeName(transfer.name, (c) => exists(`${dir}/${c}`));
      path = `${dir}/${name}`;
      try {
        // A link never replaces a file that appeared meanwhile, as a rename would.
        await Deno.link(part, path);
        break;
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      }
    }
    await Deno.remove(part);
    transfer.partPath = undefined;
    this.#link.send({ type: "complete", id: transfer.id });
    this.#finished(transfer, "Received", "from", path);
  }

  #finished(transfer: Local, verb: string, way: string, path?: string): void {
    this.#remove(transfer);
    const seconds = ((Date.now() - transfer.startedAt) / 1000).toFixed(1);
    this.#ui.print(
      `${verb} ${escapeControls(transfer.name)} (${formatBytes(transfer.size)}) ${way} ` +
        `${escapeControls(transfer.peer)} in ${seconds} s${
          path === undefined ? "" : `: ${escapeControls(path)}`
        }`,
    );
  }

  /** Fails `transfer` from this side: the other side is told why. */
  #abort(transfer: Local, reason: string): void {
    if (!this.#all.includes(transfer)) return;
    this.#link.send({ type: "cancel", id: transfer.id, reason });
    this.#fail(transfer, reason);
  }

  #fail(transfer: Local, reason: string): void {
    if (!this.#all.includes(transfer)) return;
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
  #discard(transfer: Local): Promise<void> {
    this.#remove(transfer);
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
    const cleanup = transfer.writing;
    this.#cleanups.add(cleanup);
    cleanup.finally(() => this.#cleanups.delete(cleanup));
    return cleanup;
  }

  #remove(transfer: Local): void {
    const at = this.#all.indexOf(transfer);
    if (at >= 0) this.#all.splice(at, 1);
    transfer.active = false;
    try {
      transfer.source?.close();
    } catch {
      // Closed already.
    }
    transfer.source = undefined;
    this.#ui.status?.(`transfer ${transfer.n}`, undefined);
  }

  /** Redraws the progress line of `transfer` (on a terminal), at most every 100 ms. */
  #progress(transfer: Local, now = false): void {
    if (!this.#ui.interactive || this.#ui.status === undefined) return;
    const at = Date.now();
    if (!now && at - transfer.shownAt < PROGRESS_EVERY_MS && transfer.done < transfer.size) return;
    transfer.shownAt = at;
    const seconds = Math.max((at - transfer.startedAt) / 1000, 0.001);
    const rate = transfer.done / seconds;
    const left = rate > 0 ? (transfer.size - transfer.done) / rate : Infinity;
    const arrow = transfer.outgoing ? `↑ ${transfer.name} to` : `↓ ${transfer.name} from`;
    this.#ui.status(
      `transfer ${transfer.n}`,
      `${escapeControls(arrow)} ${escapeControls(transfer.peer)}: ${percent(transfer)}, ` +
        `${formatBytes(transfer.done)} of ${formatBytes(transfer.size)}, ${formatBytes(rate)}/s, ` +
        `${Number.isFinite(left) ? `${left.toFixed(1)} s left` : "starting"}`,
    );
  }
}

function percent(transfer: Local): string {
  return transfer.size === 0 ? "100%" : `${Math.floor(transfer.done * 100 / transfer.size)}%`;
}

/** Bytes of the file in each chunk of `transfer`. */
function piece(transfer: Local): number {
  return transfer.chunks === undefined ? CHUNK_BYTES : SEALED_PIECE_BYTES;
}

/** How a line about `transfer` says it is end-to-end encrypted. */
function sealedMark(transfer: Local): string {
  return transfer.chunks === undefined ? "" : ", end-to-end encrypted";
}
