/**
 * `WHOWAS`: who lately went by a nickname (users of every wire that left or renamed themselves),
 * newest first, bounded.
 *
 * @module
 */

import { nicknameKey } from "../protocol/values.ts";
import type { Lines } from "./lines.ts";
import { ERR, RPL } from "./numerics.ts";

/** Most departures remembered. */
export const MAX_WHOWAS = 200;

/** One nickname as it was left. */
interface Was {
  nick: string;
  user: string;
  host: string;
  realname: string;
}

/** The nicknames lately left, newest last. */
export class Whowas {
  readonly #was: Was[] = [];
  /** The departures noted already (a message is written once per wire). */
  readonly #noted = new WeakSet<object>();

  /** Notes that `nick` was left (once for `event`). */
  note(event: object, nick: string, user: string, host: string, realname: string): void {
    if (this.#noted.has(event)) return;
    this.#noted.add(event);
    this.#was.push({ nick, user, host, realname });
    if (this.#was.length > MAX_WHOWAS) this.#was.shift();
  }

  /** Writes `WHOWAS <nick> [count]` for `me` (count ≤ 0: every one). */
  reply(lines: Lines, server: string, me: string, nick: string, count: number): void {
    const key = nicknameKey(nick);
    const found = this.#was.filter((was) => nicknameKey(was.nick) === key).reverse();
    const shown = count > 0 ? found.slice(0, count) : found;
    if (shown.length === 0) {
      lines.add(server, ERR.WASNOSUCHNICK, [me, nick, "There was no such nickname"]);
    }
    for (const was of shown) {
      lines.add(server, RPL.WHOWASUSER, [me, was.nick, was.user, was.host, "*", was.realname]);
      lines.add(server, RPL.WHOISSERVER, [me, was.nick, server, "Chat for Deno"]);
    }
    lines.add(server, RPL.ENDOFWHOWAS, [me, nick, "End of WHOWAS"]);
  }
}
