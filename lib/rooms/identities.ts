/**
 * Who a connection is for the rooms' rules (`Identity`), read with a hostile user in mind: a
 * connection that renamed away from its account is still held by that account's bans and mutes,
 * a connection that came as a guest is held by a guest's address even once it makes an account
 * (`/register`), and a user of another node is an account's when its nickname is one (only a
 * login holds such a name). It remembers what it needs of each connection weakly.
 *
 * @module
 */

import type { Member } from "../core/types.ts";
import { nicknameKey } from "../protocol/values.ts";
import type { Identity } from "./room_record.ts";

/** The identities of the connections of this node, and of the users of others. */
export class Identities<M extends Member> {
  readonly #accountName: (nickname: string) => string | undefined;
  /** Connections that registered as guests: a guest's address holds against them for good. */
  readonly #cameAsGuests = new WeakSet<M>();
  /** The account each connection was last seen logged in to (it may rename away from it). */
  readonly #accountOf = new WeakMap<M, string>();

  /** Identities that ask `accountName` whether a nickname is an account's. */
  constructor(accountName: (nickname: string) => string | undefined) {
    this.#accountName = accountName;
  }

  /** `user` registered (and was welcomed), logged in to its account or as a guest. */
  registered(user: M): void {
    if (user.account === undefined) this.#cameAsGuests.add(user);
    else this.#accountOf.set(user, user.account);
  }

  /**
   * Who `user` is. It notes the account a connection is logged in to, so that renaming away from
   * it later dodges nothing.
   */
  of(user: M): Identity {
    let account = user.account;
    if (account !== undefined) this.#accountOf.set(user, account);
    else if (user.remote && user.nickname !== undefined && this.#accountName(user.nickname)) {
      account = nicknameKey(user.nickname);
    }
    const former = this.#accountOf.get(user);
    return {
      ...(account === undefined ? {} : { account }),
      ...(former === undefined || former === account ? {} : { formerAccount: former }),
      nickKey: nicknameKey(user.nickname ?? ""),
      address: user.ip,
      guest: account === undefined || this.#cameAsGuests.has(user),
    };
  }

  /** The address of one of `users` of this node that is, or was, logged in to `account`. */
  addressOf(account: string, users: Iterable<M>): string | undefined {
    for (const user of users) {
      if (user.remote) continue;
      if (user.account === account || this.#accountOf.get(user) === account) return user.ip;
    }
    return undefined;
  }
}
