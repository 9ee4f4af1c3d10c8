/**
 * File transfer on the server: it relays an offer, its answer, the data and its
 * acknowledgements between two connected clients that announced `offer`, and keeps nothing on
 * disk. Data is flow-controlled end to end (at most `WINDOW_CHUNKS` unacknowledged chunks per
 * transfer) and goes out in the bulk lane of each outbox, behind chat.
 *
 * @module
 */

import {
  CHUNK_BYTES,
  type OfferRequest,
  type ServerMessage,
  type TransferMessage,
  WINDOW_CHUNKS,
} from "../../protocol.ts";
import type { Member, Outbound } from "../core/types.ts";
import { type EventKind, eventKind, type Log } from "../common/log_event.ts";
import { eventLine } from "../core/console_lines.ts";
import type { Tally } from "../common/tally.ts";
import { safeFileName } from "../protocol/file_names.ts";

/** A transfer's id: chosen by its sender, unique among the transfers in progress. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const SHA256 = /^[0-9a-f]{64}$/i;

/** `nickname` offers `file` of `size` bytes to `to`. */
export const TRANSFER_OFFERED: EventKind<{
  nickname: string;
  to: string;
  file: string;
  size: number;
}> = eventKind(
  "transfer_offered",
  "info",
  (f, time) => eventLine(time, `${f.nickname}: offers ${f.file} (${f.size} bytes) to ${f.to}.`),
);

/** `nickname` accepted `file` from `from`. */
export const TRANSFER_ACCEPTED: EventKind<{ nickname: string; file: string; from: string }> =
  eventKind(
    "transfer_accepted",
    "info",
    (f, time) => eventLine(time, `${f.nickname}: accepted ${f.file} from ${f.from}.`),
  );

/** The transfer of `file` (`size` bytes) from `from` to `to` ended: `outcome` says how. */
export const TRANSFER_ENDED: EventKind<{
  file: string;
  size: number;
  from: string;
  to: string;
  outcome: string;
}> = eventKind("transfer_ended", "info", (f, time) =>
  eventLine(
    time,
    `transfer of ${f.file} (${f.size} bytes) from ${f.from} to ${f.to} ${f.outcome}.`,
  ));

/** What the feature needs of the chat core. */
export interface TransferChat<M extends Member> {
  /** The registered client that goes by `nickname` (in any case), if any. */
  find(nickname: string): M | undefined;
  /** Whether `nickname` is an account's (so that an offer to it can say it is away). */
  isAccount?(nickname: string): boolean;
}

/** What the feature counts, for the server's metrics. */
export interface TransferTallies {
  /** Offers relayed to their recipient. */
  offered: Tally;
  /** Transfers that ended complete. */
  completed: Tally;
  /** Offers their recipient rejected. */
  rejected: Tally;
  /** Transfers cancelled, or ended by one side leaving. */
  failed: Tally;
  /** File data relayed, in bytes. */
  bytes: Tally;
}

/** How a transfer ended, as counted. */
type Outcome = "completed" | "rejected" | "failed";

/** How the feature is set up. */
export interface TransfersOptions<M extends Member> {
  /** Where offers, answers, chunks and refusals go. */
  out: Outbound<M>;
  /** Who is connected, to find a transfer's recipient. */
  chat: TransferChat<M>;
  /** Takes each console event: an offer, an acceptance, and the end of each transfer. */
  log: Log;
  /** Largest file offered, in bytes. */
  maxFileBytes: number;
  /** Most transfers a client takes part in at once. */
  maxTransfers: number;
  /** The clock, for the console's lines and the offer's timestamp. */
  now?: () => Date;
  /** Where offers, ends and bytes relayed are counted, when they are. */
  tallies?: TransferTallies;
}

/** One transfer in progress. */
interface Transfer<M> {
  id: string;
  sender: M;
  recipient: M;
  name: string;
  size: number;
  accepted: boolean;
  /** When it was accepted (ms), for the console's finished line. */
  startedAt: number;
  /** The next chunk's number, and the bytes relayed so far. */
  nextSeq: number;
  relayed: number;
  /** The last chunk the recipient acknowledged (-1: none). */
  acked: number;
}

/** The transfers in progress, and their rules. */
export class Transfers<M extends Member> {
  readonly #out: Outbound<M>;
  readonly #chat: TransferChat<M>;
  readonly #log: Log;
  readonly #now: () => Date;
  readonly #maxFileBytes: number;
  readonly #maxTransfers: number;
  readonly #byId = new Map<string, Transfer<M>>();
  /** How many transfers each client takes part in. */
  readonly #counts = new Map<M, number>();
  readonly #tallies: TransferTallies | undefined;

  /** Creates the feature, with no transfer in progress. */
  constructor(options: TransfersOptions<M>) {
    this.#out = options.out;
    this.#chat = options.chat;
    this.#log = options.log;
    this.#now = options.now ?? (() => new Date());
    this.#maxFileBytes = options.maxFileBytes;
    this.#maxTransfers = options.maxTransfers;
    this.#tallies = options.tallies;
  }

  /** How many transfers are in progress. */
  get size(): number {
    return this.#byId.size;
  }

  /**
   * Carries out a transfer request from `member`; `frame` is the request as it arrived in JSON,
   * if it did (a chunk is passed on as it came, not encoded again). False when it was refused.
   */
  handle(member: M, request: OfferRequest | TransferMessage, frame?: Uint8Array): boolean {
    if (member.nickname === undefined) {
      this.#out.refuse(member, 'Not registered: send a "nickname" message first', "unregistered");
      return false;
    }
    if (request.type === "offer") {
      this.#offer(member, request);
      return true;
    }
    const transfer = this.#byId.get(request.id);
    const problem = transfer === undefined
      ? `No transfer ${JSON.stringify(request.id)} in progress`
      : transfer.sender !== member && transfer.recipient !== member
      ? `Transfer ${JSON.stringify(request.id)} is not yours`
      : undefined;
    if (problem !== undefined) {
      this.#out.refuse(member, problem);
      return false;
    }
    const error = this.#step(member, transfer!, request, frame);
    if (error !== undefined) {
      this.#out.refuse(member, `Transfer ${JSON.stringify(request.id)}: ${error}; nothing changed`);
    }
    return error === undefined;
  }

  /** Ends every transfer `member` takes part in: it is leaving. */
  left(member: M): void {
    if (!this.#counts.has(member)) return;
    for (const transfer of [...this.#byId.values()]) {
      if (transfer.sender !== member && transfer.recipient !== member) continue;
      const other = transfer.sender === member ? transfer.recipient : transfer.sender;
      this.#end(transfer, "failed", `failed: ${member.nickname} left`);
      this.#send(other, { type: "cancel", id: transfer.id, reason: `${member.nickname} left` });
    }
  }

  #offer(sender: M, offer: OfferRequest): void {
    if (!ID.test(offer.id)) {
      this.#out.refuse(
        sender,
        `Invalid transfer id ${JSON.stringify(offer.id)}: 1 to 64 letters, digits, - or _`,
      );
      return;
    }
    const refuse = (reason: string) => this.#send(sender, { type: "cancel", id: offer.id, reason });
    if (this.#byId.has(offer.id)) {
      this.#out.refuse(sender, `Transfer id ${JSON.stringify(offer.id)} is in use`);
      return;
    }
    const recipient = this.#chat.find(offer.to);
    const problem = recipient === undefined
      ? this.#chat.isAccount?.(offer.to)
        ? `${offer.to} is not connected: files go only to those who are`
        : `No such user ${JSON.stringify(offer.to)}`
      : recipient === sender
      ? "Cannot send a file to yourself"
      : !recipient.extensions.has("offer")
      ? `User ${
        JSON.stringify(recipient.nickname)
      } cannot receive files: their client does not support them`
      : offer.size > this.#maxFileBytes
      ? `File too large: the limit is ${this.#maxFileBytes} bytes`
      : !SHA256.test(offer.sha256)
      ? "The checksum must be a SHA-256 in hex"
      : this.#busy(sender) || this.#busy(recipient)
      ? `Too many transfers at once: the limit is ${this.#maxTransfers} per client`
      : undefined;
    if (problem !== undefined) {
      refuse(problem);
      return;
    }
    const transfer: Transfer<M> = {
      id: offer.id,
      sender,
      recipient: recipient!,
      name: safeFileName(offer.name),
      size: offer.size,
      accepted: false,
      startedAt: 0,
      nextSeq: 0,
      relayed: 0,
      acked: -1,
    };
    this.#byId.set(transfer.id, transfer);
    for (const each of [sender, recipient!]) {
      this.#counts.set(each, (this.#counts.get(each) ?? 0) + 1);
    }
    this.#log(TRANSFER_OFFERED.at(this.#now(), {
      nickname: sender.nickname!,
      to: recipient!.nickname!,
      file: transfer.name,
      size: transfer.size,
    }));
    this.#send(recipient!, {
      type: "offer",
      id: transfer.id,
      from: sender.nickname!,
      name: transfer.name,
      size: transfer.size,
      sha256: offer.sha256.toLowerCase(),
      ...(offer.e2e === undefined ? {} : { e2e: offer.e2e }),
      timestamp: this.#now().toISOString(),
    });
    this.#tallies?.offered.inc();
  }

  /** Carries out one step of `transfer` asked by `member`; the problem, if it may not. */
  #step(
    member: M,
    transfer: Transfer<M>,
    request: TransferMessage,
    frame?: Uint8Array,
  ): string | undefined {
    const fromRecipient = member === transfer.recipient;
    switch (request.type) {
      case "accept":
      case "reject":
        if (!fromRecipient) return `only its recipient may ${request.type} it`;
        if (transfer.accepted) return "it was accepted already";
        if (request.type === "reject") {
          this.#end(transfer, "rejected", `rejected by ${member.nickname}`);
        } else {
          transfer.accepted = true;
          transfer.startedAt = Date.now();
          this.#log(TRANSFER_ACCEPTED.at(this.#now(), {
            nickname: member.nickname!,
            file: transfer.name,
            from: transfer.sender.nickname!,
          }));
        }
        this.#send(transfer.sender, { type: request.type, id: transfer.id });
        return undefined;
      case "chunk":
        return this.#chunk(member, transfer, request, frame);
      case "received":
        if (!fromRecipient) return "only its recipient acknowledges chunks";
        if (request.seq <= transfer.acked || request.seq >= transfer.nextSeq) {
          return `chunk ${request.seq} is not awaiting acknowledgement`;
        }
        transfer.acked = request.seq;
        this.#send(transfer.sender, { type: "received", id: transfer.id, seq: request.seq });
        return undefined;
      case "complete":
        if (!fromRecipient) return "only its recipient says it is complete";
        if (!transfer.accepted || transfer.relayed !== transfer.size) {
          return `${transfer.relayed} of ${transfer.size} bytes relayed so far`;
        }
        this.#end(
          transfer,
          "completed",
          `finished in ${((Date.now() - transfer.startedAt) / 1000).toFixed(1)} s`,
        );
        this.#send(transfer.sender, { type: "complete", id: transfer.id });
        return undefined;
      case "cancel": {
        const other = fromRecipient ? transfer.sender : transfer.recipient;
        const reason = request.reason ?? `cancelled by ${member.nickname}`;
        this.#end(transfer, "failed", `failed: ${reason}`);
        this.#send(other, { type: "cancel", id: transfer.id, reason });
        return undefined;
      }
    }
  }

  #chunk(
    member: M,
    transfer: Transfer<M>,
    chunk: Extract<TransferMessage, { type: "chunk" }>,
    frame?: Uint8Array,
  ): string | undefined {
    if (member !== transfer.sender) return "only its sender sends data";
    if (!transfer.accepted) return "it has not been accepted";
    if (chunk.seq !== transfer.nextSeq) {
      return `chunk ${chunk.seq} is out of order (expected ${transfer.nextSeq})`;
    }
    if (transfer.nextSeq - transfer.acked > WINDOW_CHUNKS) {
      return `more than ${WINDOW_CHUNKS} chunks would be unacknowledged`;
    }
    // Its size is read from its length; whether it is base64 at all is the recipient's to check
    // (a chunk that is not fails the transfer there), as scanning it here would cost more than
    // everything else the server does with it.
    const { data } = chunk;
    if (data.length % 4 !== 0) return "a chunk's data must be base64";
    const bytes = data.length / 4 * 3 - (data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0);
    if (bytes === 0 || bytes > CHUNK_BYTES) return `a chunk holds 1 to ${CHUNK_BYTES} bytes`;
    if (transfer.relayed + bytes > transfer.size) {
      return `past the announced size of ${transfer.size} bytes`;
    }
    transfer.nextSeq++;
    transfer.relayed += bytes;
    this.#tallies?.bytes.inc(bytes);
    this.#out.bulk(transfer.recipient, chunk, frame);
    return undefined;
  }

  #busy(member: M): boolean {
    return (this.#counts.get(member) ?? 0) >= this.#maxTransfers;
  }

  /** Forgets `transfer`, with its console line (`outcome`, counted as `how`). */
  #end(transfer: Transfer<M>, how: Outcome, outcome: string): void {
    this.#tallies?.[how].inc();
    this.#byId.delete(transfer.id);
    for (const each of [transfer.sender, transfer.recipient]) {
      const count = (this.#counts.get(each) ?? 1) - 1;
      if (count > 0) this.#counts.set(each, count);
      else this.#counts.delete(each);
    }
    this.#log(TRANSFER_ENDED.at(this.#now(), {
      file: transfer.name,
      size: transfer.size,
      from: transfer.sender.nickname!,
      to: transfer.recipient.nickname!,
      outcome,
    }));
  }

  #send(member: M, message: ServerMessage): void {
    this.#out.deliver([member], [message]);
  }
}
