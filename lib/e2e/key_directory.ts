/**
 * The server's key directory for end-to-end private messages: it keeps each user's public key
 * bundle (with the account, so that it outlives the connection; with the connection, for a
 * guest) and hands it to whoever asks. It never checks or uses a bundle beyond its shape: the
 * clients verify its signature and pin it, so a server that swaps keys is caught by them.
 *
 * @module
 */

import type { KeyBundle, ServerMessage } from "../../protocol.ts";
import type { KeysCommand, Member, Outbound } from "../core/types.ts";
import type { Store } from "../store/store.ts";
import { nicknameKey } from "../protocol/values.ts";

/** What the key directory needs of the server. */
export interface KeyDirectoryOptions<M extends Member> {
  /** Where the `keys` replies and refusals go. */
  out: Outbound<M>;
  /** The connected member with this nickname, if any. */
  find: (nickname: string) => M | undefined;
  /** Where accounts keep their bundles; none: bundles last as long as connections. */
  store?: Store;
  /** Told of a bundle that could not be kept. */
  log: (line: string) => void;
  /** Told of each bundle a member of this server publishes (a cluster passes it on). */
  published?: (member: M, bundle: KeyBundle) => void;
}

/** Keeps and hands out public key bundles. */
export class KeyDirectory<M extends Member> {
  readonly #options: KeyDirectoryOptions<M>;
  readonly #byMember = new Map<M, KeyBundle>();

  /** Creates an empty directory. */
  constructor(options: KeyDirectoryOptions<M>) {
    this.#options = options;
  }

  /** Carries out `command` from `member`: publishing its bundle, or asking for one. */
  handle(member: M, command: KeysCommand): void {
    if (member.nickname === undefined) {
      this.#options.out.refuse(
        member,
        'Not registered: send a "nickname" message first',
        "unregistered",
      );
    } else if (command.bundle !== undefined) this.#publish(member, command.bundle);
    else this.#lookUp(member, command.nickname);
  }

  /** Keeps the bundle `member` published with the account it has just made. */
  async registered(member: M): Promise<void> {
    const bundle = this.#byMember.get(member);
    if (bundle !== undefined) await this.#keep(member, bundle);
  }

  /** Forgets what `member` published for its connection (an account's bundle stays). */
  left(member: M): void {
    this.#byMember.delete(member);
  }

  /** The bundle `member` published on its connection, if any. */
  bundleOf(member: M): KeyBundle | undefined {
    return this.#byMember.get(member);
  }

  /** Sets the bundle of `member`, a user of another node of the cluster (undefined: forgets it). */
  setBundle(member: M, bundle: KeyBundle | undefined): void {
    if (bundle === undefined) this.#byMember.delete(member);
    else this.#byMember.set(member, bundle);
  }

  async #publish(member: M, bundle: KeyBundle): Promise<void> {
    this.#byMember.set(member, bundle);
    this.#options.published?.(member, bundle);
    await this.#keep(member, bundle);
    this.#reply(member, { type: "keys", nickname: member.nickname!, bundle });
  }

  /** Keeps `bundle` with `member`'s account, if it has one. */
  async #keep(member: M, bundle: KeyBundle): Promise<void> {
    const { store } = this.#options;
    if (member.account === undefined || store === undefined) return;
    try {
      await store.setKeyBundle(member.account, JSON.stringify(bundle));
    } catch (error) {
      this.#options.log(`store: cannot keep the key of ${member.nickname}: ${error}`);
    }
  }

  async #lookUp(member: M, nickname: string): Promise<void> {
    const connected = this.#options.find(nickname);
    const own = connected && this.#byMember.get(connected);
    if (connected !== undefined && own !== undefined) {
      this.#reply(member, { type: "keys", nickname: connected.nickname!, bundle: own });
      return;
    }
    let account;
    try {
      account = await this.#options.store?.account(nicknameKey(nickname));
    } catch (error) {
      // The store is away (a cluster's Redis): said, never a crash.
      const why = `Cannot look up ${JSON.stringify(nickname)}'s key now: ${
        (error as Error).message
      }`;
      if (!member.closing) this.#options.out.refuse(member, why);
      return;
    }
    if (connected === undefined && account === undefined) {
      if (!member.closing) {
        this.#options.out.refuse(member, `No such user ${JSON.stringify(nickname)}`);
      }
      return;
    }
    const kept = account?.keyBundle === undefined ? undefined : parseBundle(account.keyBundle);
    const name = connected?.nickname ?? account!.nickname;
    this.#reply(
      member,
      kept === undefined
        ? { type: "keys", nickname: name }
        : { type: "keys", nickname: name, bundle: kept },
    );
  }

  #reply(member: M, message: ServerMessage): void {
    if (!member.closing) this.#options.out.deliver([member], [message]);
  }
}

/** A bundle kept as JSON, or undefined if it no longer reads as one. */
function parseBundle(text: string): KeyBundle | undefined {
  try {
    const { v, dh, sign, sig } = JSON.parse(text);
    return { v, dh, sign, sig };
  } catch {
    return undefined;
  }
}
