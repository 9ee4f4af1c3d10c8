/**
 * The transfers of one session as the client keeps them: each one's record, sent or received,
 * numbered as the user types them, found and listed (`/transfers`); and what the sending and
 * the receiving side are both given (where lines go, the link to the server, how one ends).
 *
 * @module
 */

import type { Hash } from "node:crypto";
import type { ClientMessage } from "../../../protocol.ts";
import type { FileChunks } from "../../../web/common/e2e.js";
import { escapeControls, formatBytes } from "../../common/text.ts";

/** Where the transfers show things. */
export interface TransferUi {
  /** Shows one line. */
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

/** One transfer, as this client sees it, whichever way it goes. */
export interface TransferRecord {
  /** The number the user types. */
  n: number;
  /** The transfer's id on the wire. */
  id: string;
  /** The other side's nickname. */
  peer: string;
  /** The file's name. */
  name: string;
  /** The file's size (of its plain bytes, when end to end). */
  size: number;
  /** The file's SHA-256 in hex (of its plain bytes, when end to end). */
  sha256: string;
  /** End to end: the chunk cipher (bytes of the file per chunk are then fewer). */
  chunks?: FileChunks;
  /** Whether the offer was accepted and data moves. */
  active: boolean;
  /** Bytes sent and acknowledged, or received and written. */
  done: number;
  /** When data began to move (ms since the epoch). */
  startedAt: number;
  /** When the progress line was last drawn (ms since the epoch). */
  shownAt: number;
}

/** A file this client sends. */
export interface OutgoingTransfer extends TransferRecord {
  /** Always true: this client sends. */
  outgoing: true;
  /** The file. */
  path: string;
  /** The file, open once the offer is accepted. */
  source?: Deno.FsFile;
  /** The block last read from the file, starting at byte `start`. */
  block?: { start: number; bytes: Uint8Array };
  /** Whether chunks are being sent now. */
  pumping: boolean;
  /** The next chunk to send. */
  nextSeq: number;
  /** Chunks sent and not yet acknowledged. */
  unacked: number;
}

/** A file this client receives. */
export interface IncomingTransfer extends TransferRecord {
  /** Always false: this client receives. */
  outgoing: false;
  /** The checksum of what has been written so far. */
  hash?: Hash;
  /** The `.part` file, once the offer is accepted. */
  file?: Deno.FsFile;
  /** Where the `.part` file is, until it becomes the download or is removed. */
  partPath?: string;
  /** The chunks waiting to be written. */
  queued: { seq: number; bytes: Uint8Array }[];
  /** The writes to the `.part` file, in order. */
  writing: Promise<void>;
}

/** One transfer, either way. */
export type Transfer = OutgoingTransfer | IncomingTransfer;

/** What the sending and the receiving side are given by the transfers they belong to. */
export interface TransferSide {
  /** Where lines go. */
  ui: TransferUi;
  /** The link to the server. */
  link: TransferLink;
  /** The session's transfers. */
  table: TransferTable;
  /** Fails `transfer` from this side: the other side is told why. */
  abort(transfer: Transfer, reason: string): void;
  /** Ends `transfer` done, saying so: `verb` (Sent, Received) `way` (to, from), and where. */
  finish(transfer: Transfer, verb: string, way: string, path?: string): void;
}

/** The transfers of a session, by number. */
export class TransferTable {
  readonly #print: (line: string) => void;
  readonly #all: Transfer[] = [];
  #lastNumber = 0;

  /** Creates an empty table that says things with `print`. */
  constructor(print: (line: string) => void) {
    this.#print = print;
  }

  /** Keeps a new transfer of `fields`, numbered, not yet under way. */
  add<T extends Transfer>(fields: Omit<T, "n" | "active" | "done" | "startedAt" | "shownAt">): T {
    const transfer = {
      ...fields,
      n: ++this.#lastNumber,
      active: false,
      done: 0,
      startedAt: 0,
      shownAt: 0,
    } as T;
    this.#all.push(transfer);
    return transfer;
  }

  /** The transfer with wire id `id`, if any. */
  byId(id: string): Transfer | undefined {
    return this.#all.find((t) => t.id === id);
  }

  /** Transfer `n`, or the latest that `fits`; says so when there is none. */
  find(n: number | undefined, fits: (transfer: Transfer) => boolean): Transfer | undefined {
    const found = n === undefined
      ? this.#all.findLast(fits)
      : this.#all.find((t) => t.n === n && fits(t));
    if (found === undefined) {
      this.#print(
        n === undefined
          ? "No such transfer: /transfers lists them"
          : `No transfer ${n} to do that with: /transfers lists them`,
      );
    }
    return found;
  }

  /** Whether `transfer` is still kept. */
  has(transfer: Transfer): boolean {
    return this.#all.includes(transfer);
  }

  /** Forgets `transfer`. */
  delete(transfer: Transfer): void {
    const at = this.#all.indexOf(transfer);
    if (at >= 0) this.#all.splice(at, 1);
  }

  /** Every transfer kept, oldest first (a copy). */
  all(): Transfer[] {
    return [...this.#all];
  }

  /** Lists the offers and transfers with their numbers. */
  list(): void {
    if (this.#all.length === 0) {
      this.#print("No transfers (/send <user> <path> offers a file)");
      return;
    }
    for (const t of this.#all) {
      const way = t.outgoing ? `to ${t.peer}` : `from ${t.peer}`;
      const state = t.active
        ? `${percent(t)}, ${formatBytes(t.done)} of ${formatBytes(t.size)}`
        : t.outgoing
        ? "offered, waiting for an answer"
        : `offered: /accept ${t.n} or /reject ${t.n}`;
      this.#print(
        `  ${t.n}  ${escapeControls(t.name)} (${formatBytes(t.size)}) ${
          escapeControls(way)
        }: ${state}`,
      );
    }
  }
}

/** How much of `transfer` is done, as a whole percentage. */
export function percent(transfer: Transfer): string {
  return transfer.size === 0 ? "100%" : `${Math.floor(transfer.done * 100 / transfer.size)}%`;
}

/** How a line about `transfer` says it is end-to-end encrypted. */
export function sealedMark(transfer: Transfer): string {
  return transfer.chunks === undefined ? "" : ", end-to-end encrypted";
}
