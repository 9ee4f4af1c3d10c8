/**
 * Files offered to a node's users from other nodes of a cluster: which node runs each transfer
 * (the sender's), learned from the offers delivered here and forgotten when the transfer ends, so
 * that the recipient's answers and acknowledgements go to that node.
 *
 * @module
 */

import type { ServerMessage, TransferMessage } from "../../protocol.ts";

const ENDS: ReadonlySet<string> = new Set(["reject", "cancel", "complete"]);

/** The transfers offered to this node's users by users of other nodes. */
export class ForeignTransfers<M> {
  /** By recipient: the node that runs each transfer, by transfer id. */
  readonly #byMember = new Map<M, Map<string, string>>();

  /** Notes `message` from node `from` to `recipients`: an offer starts a transfer, an end ends it. */
  note(from: string, recipients: readonly M[], message: ServerMessage): void {
    if (message.type !== "offer" && !ENDS.has(message.type)) return;
    const id = (message as { id: string }).id;
    for (const member of recipients) {
      let ids = this.#byMember.get(member);
      if (message.type === "offer") {
        if (ids === undefined) this.#byMember.set(member, ids = new Map());
        ids.set(id, from);
      } else ids?.delete(id);
    }
  }

  /**
   * The node that runs the transfer `request` of `member` is about, if another node offered it;
   * a request that ends the transfer forgets it.
   */
  nodeFor(member: M, request: TransferMessage): string | undefined {
    const ids = this.#byMember.get(member);
    const node = ids?.get(request.id);
    if (node !== undefined && ENDS.has(request.type)) ids!.delete(request.id);
    return node;
  }

  /** `member` left: its transfers are forgotten. */
  forget(member: M): void {
    this.#byMember.delete(member);
  }
}
