/**
 * The page's file transfers: the Files list with a progress bar for each, the file picker, the
 * transfer messages of protocol.ts handed to the side they are for (`file_send.js`,
 * `file_receive.js`), and `/accept`, `/reject`, `/cancel` and `/transfers`.
 *
 * @module
 */

import { sealedMark } from "./file_bytes.js";
import { keepChunk, listOffer } from "./file_receive.js";
import { acknowledged, offerFile, sendChunks } from "./file_send.js";

const $ = (id) => document.getElementById(id);

/** The transfers of this page, to and from other people, in the Files list. */
export class Files {
  #transfers = new Map();
  /** What sending and receiving share: the list, and what they need of the page. */
  #list;
  /** Whom the file picked next goes to (`/send`), else the person of the conversation open. */
  #sendTo;

  /**
   * Takes the file picker and the Files list; `send` sends a message, `keys` is the page's
   * end-to-end encryption and `conversations` where the page says what happened.
   */
  constructor(send, keys, conversations) {
    this.#list = {
      send,
      keys,
      conversations,
      add: (transfer, status) => this.#add(transfer, status),
      end: (transfer, outcome) => this.#end(transfer, outcome),
    };
    $("file").addEventListener("change", () => this.#picked());
  }

  /** Picks a file to offer to `to` (`/send`). */
  pick(to) {
    this.#sendTo = to;
    $("file").click();
  }

  /** Handles a transfer message from the server. */
  async receive(message) {
    if (message.type === "offer") {
      await listOffer(this.#list, message);
      return;
    }
    const transfer = this.#transfers.get(message.id);
    if (transfer === undefined) return;
    switch (message.type) {
      case "accept":
        transfer.label.textContent = `${transfer.name} to ${transfer.peer}`;
        sendChunks(this.#list.send, transfer);
        break;
      case "received":
        acknowledged(this.#list.send, transfer, message.seq);
        transfer.bar.value = transfer.done;
        break;
      case "chunk":
        await keepChunk(this.#list, transfer, message);
        break;
      case "complete":
        transfer.bar.value = transfer.size;
        this.#end(transfer, "sent");
        break;
      case "reject":
        this.#end(transfer, "rejected");
        break;
      case "cancel":
        this.#end(transfer, `failed: ${message.reason ?? "cancelled"}`);
        break;
    }
  }

  /** Ends every transfer, for `outcome` (the connection was lost). */
  endAll(outcome) {
    for (const transfer of this.#transfers.values()) this.#end(transfer, outcome);
  }

  /** Accepts or rejects (`answer`) the latest file offered and not yet answered. */
  answerLatest(answer) {
    const transfer = this.#latest((t) => !t.outgoing && t.item.querySelector("button"));
    const button = transfer &&
      [...transfer.item.querySelectorAll("button")].find((b) =>
        b.textContent.toLowerCase() === answer
      );
    button?.click();
  }

  /** Stops the latest transfer. */
  cancelLatest() {
    const transfer = this.#latest(() => true);
    if (transfer === undefined) return;
    this.#list.send({ type: "cancel", id: transfer.id, reason: "cancelled by the user" });
    this.#end(transfer, "cancelled");
  }

  /** Says each transfer and how far it has come (`/transfers`). */
  tell() {
    const say = (text) => this.#list.conversations.system(text);
    if (this.#transfers.size === 0) say("No transfers");
    for (const t of this.#transfers.values()) {
      say(`${t.name} ${t.outgoing ? "to" : "from"} ${t.peer}: ${t.done} of ${t.size} bytes`);
    }
  }

  #picked() {
    const conversations = this.#list.conversations;
    const file = $("file").files?.[0];
    const active = conversations.active;
    const to = this.#sendTo ?? (active.startsWith("@") ? conversations.titleOf(active) : undefined);
    this.#sendTo = undefined;
    if (file && to) offerFile(this.#list, to, file);
    else if (file) {
      conversations.system(
        "Open a private conversation (click a name), or type /send <user>, to send a file",
      );
    }
    $("file").value = "";
  }

  /** Lists `transfer` with its progress bar, and `status` if any after its name. */
  #add(transfer, status) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.className = "text";
    const bar = document.createElement("progress");
    bar.max = Math.max(transfer.size, 1);
    bar.value = 0;
    item.append(label, bar);
    $("files").append(item);
    Object.assign(transfer, { item, label, bar });
    this.#transfers.set(transfer.id, transfer);
    this.#label(transfer, status);
  }

  /** The latest transfer that `fits`, or undefined (said so). */
  #latest(fits) {
    const found = [...this.#transfers.values()].reverse().find(fits);
    if (found === undefined) {
      this.#list.conversations.system("No such transfer: /transfers lists them");
    }
    return found;
  }

  /** Ends `transfer` (unless it has ended), for `outcome`. */
  #end(transfer, outcome) {
    if (!this.#transfers.delete(transfer.id)) return;
    this.#label(transfer, outcome);
    for (const button of transfer.item.querySelectorAll("button")) button.remove();
  }

  #label(transfer, status) {
    const way = transfer.outgoing ? "to" : "from";
    const name = `${transfer.name} ${way} ${transfer.peer}${sealedMark(transfer)}`;
    transfer.label.textContent = status === undefined ? name : `${name}: ${status}`;
  }
}
