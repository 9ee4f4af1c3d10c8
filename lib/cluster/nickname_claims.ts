/**
 * Nicknames in a cluster: before the core lets a client register or rename, the nickname is
 * claimed in Redis (see `ClusterNode.claim`), so that two clients on two nodes can never hold one
 * name; it is freed when the client leaves the name or the chat. While a claim is under way the
 * client's next frames wait, so that what it says next comes after its registration.
 *
 * While Redis cannot be reached, a node grants names on its own (its chat goes on). When the link
 * is back it claims all its users' names again: where two nodes granted one name while apart, the
 * user who took it first keeps it, and the other is renamed to a free name and told why.
 *
 * @module
 */

import type { RegisterCommand } from "../core/types.ts";
import type { Log } from "../common/log_event.ts";
import { CLUSTER_PROBLEM } from "./cluster_events.ts";
import { MAX_NICKNAME_CHARS, nicknameKey, nicknameProblem } from "../protocol/values.ts";

/** What the claims need of the cluster (a `ClusterNode`). */
export interface ClaimLink {
  /** Whether Redis answers, as far as the node knows. */
  readonly up: boolean;
  /** Claims a nickname key for a holder (see `ClusterNode.claim`). */
  claim(
    key: string,
    holder: string,
    at: number,
    again?: boolean,
  ): Promise<"taken" | "took" | "refused">;
  /** Frees a nickname key if the holder still holds it (see `ClusterNode.release`). */
  release(key: string, holder: string, at: number): Promise<void>;
}

/** What a claim needs of a connection. */
export interface Claimant {
  /** Its nickname, once registered. */
  nickname: string | undefined;
  /** Set once it is being closed: a claim that ends then is freed again. */
  readonly closing: boolean;
}

/** A name held in Redis (or granted while Redis was away): by which holder, taken when (ms). */
interface Claim {
  key: string;
  holder: string;
  at: number;
}

/** The commands that take a nickname: a registration, and a rename. */
export type NameCommand = RegisterCommand | { kind: "nick"; nickname: string };

/** How the claims reach the rest of the server. */
export interface NicknameClaimsOptions<P extends Claimant> {
  /** Where names are claimed: the node's Redis. */
  link: ClaimLink;
  /** Carries out the command once its nickname is held (the core's `handle`). */
  handle: (peer: P, command: NameCommand) => void;
  /** Tells `peer` of a problem (the nickname is another's, or it was renamed). */
  refuse: (peer: P, message: string, reason?: "taken") => void;
  /** This node took `key` from a later registration on another node: that node must rename. */
  took: (key: string) => void;
  /** Where problems are logged. */
  log: Log;
}

/** The nicknames this node's clients hold in the cluster. */
export class NicknameClaims<P extends Claimant> {
  readonly #options: NicknameClaimsOptions<P>;
  /** Each connection's name as a holder: a number of its own on this node. */
  readonly #holders = new WeakMap<P, string>();
  /** The name each registered connection holds. */
  readonly #held = new Map<P, Claim>();
  /** Claims under way, by connection. */
  readonly #pending = new Map<P, Promise<void>>();
  /** Names that could not be freed (Redis was away): freed when it is back. */
  #unreleased: Claim[] = [];
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
  handle(peer: P, command: NameCommand): void {
    const { handle, refuse, link } = this.#options;
    const key = nicknameKey(command.nickname);
    const before = peer.nickname;
    // What the core refuses anyway, or a change of case of one's own name, needs no claim.
    const unchanged = before !== undefined && nicknameKey(before) === key;
    if (
      nicknameProblem(command.nickname) !== undefined || unchanged ||
      (command.kind === "register" && before !== undefined)
    ) {
      handle(peer, command);
      return;
    }
    const claim = { key, holder: this.#holder(peer), at: Date.now() };
    if (!link.up) {
      // Granted here alone; claimed again when Redis is back.
      this.#grant(peer, command, claim);
      return;
    }
    const claimed = link.claim(key, claim.holder, claim.at).then((result) => {
      if (peer.closing) {
        if (result !== "refused") this.#release(claim);
      } else if (result === "refused") {
        refuse(peer, "Nickname already in use", "taken");
      } else {
        if (result === "took") this.#options.took(key);
        this.#grant(peer, command, claim);
      }
    }, () => {
      // Redis went away meanwhile: granted here alone, as while it is away.
      if (!peer.closing) this.#grant(peer, command, claim);
    }).finally(() => this.#pending.delete(peer));
    this.#pending.set(peer, claimed);
  }

  /**
   * `peer` registered without waiting for a claim (its login was checked, and the accounts
   * feature registers at once): its name is claimed now, and should another node hold it by an
   * earlier registration, `peer` is renamed.
   */
  adopt(peer: P): void {
    if (peer.nickname === undefined) return;
    const claim = { key: nicknameKey(peer.nickname), holder: this.#holder(peer), at: Date.now() };
    this.#held.set(peer, claim);
    if (!this.#options.link.up) return; // Claimed again when Redis is back.
    this.#options.link.claim(claim.key, claim.holder, claim.at).then((result) => {
      if (result === "refused") return this.renameAway(peer);
      if (result === "took") this.#options.took(claim.key);
    }, () => {});
  }

  /** `peer` left, and `next` (another connection of its user) holds its nickname now. */
  moved(peer: P, next: P): void {
    const claim = this.#held.get(peer);
    this.#held.delete(peer);
    if (claim !== undefined) this.#held.set(next, claim);
  }

  /** `peer` left the chat: its nickname is free. */
  left(peer: P): void {
    const claim = this.#held.get(peer);
    this.#held.delete(peer);
    if (claim !== undefined) this.#release(claim);
  }

  /**
   * Redis is back: every name held here is claimed again (those granted meanwhile included),
   * and those that could not be freed are freed. A user who lost its name to an earlier
   * registration elsewhere is renamed. Resolves when all is done.
   */
  async reclaim(): Promise<void> {
    const unreleased = this.#unreleased;
    this.#unreleased = [];
    for (const claim of unreleased) this.#release(claim);
    for (const [peer, claim] of [...this.#held]) {
      const result = await this.#options.link.claim(claim.key, claim.holder, claim.at, true)
        .catch(() => "taken" as const);
      if (result === "took") this.#options.took(claim.key);
      if (result === "refused") await this.renameAway(peer);
    }
  }

  /** Another node holds `peer`'s name by an earlier registration: `peer` gets a free one. */
  async renameAway(peer: P): Promise<void> {
    const old = peer.nickname;
    if (old === undefined || peer.closing) return;
    this.#held.delete(peer);
    for (let n = 2; n < 1000; n++) {
      const suffix = `_${n}`;
      const candidate = [...old].slice(0, MAX_NICKNAME_CHARS - suffix.length).join("") + suffix;
      if (nicknameProblem(candidate) !== undefined) continue;
      const claim = { key: nicknameKey(candidate), holder: this.#holder(peer), at: Date.now() };
      const result = await this.#options.link.claim(claim.key, claim.holder, claim.at)
        .catch(() => "refused" as const);
      if (result === "refused") continue;
      this.#grant(peer, { kind: "nick", nickname: candidate }, claim);
      this.#options.refuse(
        peer,
        `Your nickname "${old}" was also given to someone on another server while the servers ` +
          `could not reach each other; they had it first, so you are now "${candidate}"`,
      );
      return;
    }
  }

  /** Carries out `command` for `peer`, which now holds `claim` (unless the core refuses). */
  #grant(peer: P, command: NameCommand, claim: Claim): void {
    this.#options.handle(peer, command);
    const now = peer.nickname === undefined ? undefined : nicknameKey(peer.nickname);
    if (now !== claim.key) {
      // Refused by the core (an account's name, say): the claim goes.
      this.#release(claim);
      return;
    }
    const before = this.#held.get(peer);
    if (before !== undefined) this.#release(before);
    this.#held.set(peer, claim);
  }

  #holder(peer: P): string {
    let holder = this.#holders.get(peer);
    if (holder === undefined) this.#holders.set(peer, holder = String(++this.#lastHolder));
    return holder;
  }

  #release(claim: Claim): void {
    if (!this.#options.link.up) {
      this.#unreleased.push(claim);
      return;
    }
    this.#options.link.release(claim.key, claim.holder, claim.at).catch((error: Error) => {
      this.#unreleased.push(claim);
      this.#options.log(CLUSTER_PROBLEM.at(new Date(), {
        problem: `cannot free the nickname ${claim.key}: ${error.message}`,
      }));
    });
  }
}
