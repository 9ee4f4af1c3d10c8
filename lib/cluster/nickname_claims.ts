/**
 * Nicknames in a cluster: before the core lets a client register or rename, the nickname is
 * claimed in Redis (see `ClusterNode.claim`), so that two clients on two nodes can never hold one
 * name; it is freed when the client leaves the name or the chat. While a claim is under way the
 * client's next frames wait, so that what it says next comes after its registration.
 *
 * @module
 */

import type { RegisterCommand } from "../core/types.ts";
import { formatDateTime } from "../format.ts";
import { nicknameKey, nicknameProblem } from "../values.ts";

/** What the claims need of the cluster (a `ClusterNode`). */
export interface ClaimLink {
  claim(nicknameKey: string, holder: string): Promise<boolean>;
  release(nicknameKey: string, holder: string): Promise<void>;
}

/** What a claim needs of a connection. */
interface Claimant {
  nickname: string | undefined;
  readonly closing: boolean;
}

/** How the claims reach the rest of the server. */
export interface NicknameClaimsOptions<P extends Claimant> {
  link: ClaimLink;
  /** Carries out the command once its nickname is held (the core's `handle`). */
  handle: (peer: P, command: RegisterCommand | { kind: "nick"; nickname: string }) => void;
  /** Refuses with `message` (the nickname is another's, or the cluster cannot be reached). */
  refuse: (peer: P, message: string, reason?: "taken") => void;
  /** Where a failure to free a nickname is logged. */
  log: (line: string) => void;
}

/** The nicknames this node's clients hold in the cluster. */
export class NicknameClaims<P extends Claimant> {
  readonly #options: NicknameClaimsOptions<P>;
  /** Each connection's name as a holder: a number of its own on this node. */
  readonly #holders = new WeakMap<P, string>();
  /** Claims under way, by connection. */
  readonly #pending = new Map<P, Promise<void>>();
  #lastHolder = 0;

  /** Creates the claims of a node. */
  constructor(options: NicknameClaimsOptions<P>) {
    this.#options = options;
  }

  /** What `peer`'s next frame waits for: its claim under way, if any. */
  pending(peer: P): Promise<void> | undefined {
    return this.#pending.get(peer);
  }

  /** Registers or renames `peer` once its new nickname is claimed (or refuses). */
  handle(peer: P, command: RegisterCommand | { kind: "nick"; nickname: string }): void {
    const { handle, refuse, link } = this.#options;
    const key = nicknameKey(command.nickname);
    const before = peer.nickname;
    // What the core refuses anyway, or a change of case of one's own name, needs no claim.
    const unchanged = before !== undefined && nicknameKey(before) === key;
    const noClaim = nicknameProblem(command.nickname) !== undefined || unchanged ||
      (command.kind === "register" && before !== undefined);
    if (noClaim) {
      handle(peer, command);
      return;
    }
    const holder = this.#holder(peer);
    const claimed = link.claim(key, holder).then((ok) => {
      if (peer.closing) {
        if (ok) this.#release(key, holder);
      } else if (!ok) {
        refuse(peer, "Nickname already in use", "taken");
      } else {
        handle(peer, command);
        const now = peer.nickname === undefined ? undefined : nicknameKey(peer.nickname);
        // Refused by the core (an account's name, say): the claim goes; renamed: the old one.
        if (now !== key) this.#release(key, holder);
        else if (before !== undefined) this.#release(nicknameKey(before), holder);
      }
    }, (error: Error) => {
      refuse(peer, `Cannot reach the cluster to claim the nickname: ${error.message}`);
    }).finally(() => this.#pending.delete(peer));
    this.#pending.set(peer, claimed);
  }

  /** `peer` left the chat: its nickname is free. */
  left(peer: P): void {
    const holder = this.#holders.get(peer);
    if (holder !== undefined && peer.nickname !== undefined) {
      this.#release(nicknameKey(peer.nickname), holder);
    }
  }

  #holder(peer: P): string {
    let holder = this.#holders.get(peer);
    if (holder === undefined) this.#holders.set(peer, holder = String(++this.#lastHolder));
    return holder;
  }

  #release(key: string, holder: string): void {
    this.#options.link.release(key, holder).catch((error: Error) => {
      const now = formatDateTime(new Date());
      this.#options.log(`${now} :: cluster: cannot free the nickname ${key}: ${error.message}`);
    });
  }
}
