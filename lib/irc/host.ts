/**
 * What the registration and command handlers use of the IRC listener's edge (`irc_edge.ts`):
 * the chat as IRC reads it, replies, handing commands on, and the sessions.
 *
 * @module
 */

import type { Command, Member } from "../core/types.ts";
import type { Lines } from "./lines.ts";
import type { Context, IrcSession } from "./session.ts";
import type { IrcView } from "./view.ts";

/** How an `OPER` ended: an operator now, or refused for the name or for the password. */
export type OperOutcome =
  | { ok: true }
  | { ok: false; problem: "not an operator" | "password"; message: string };

/** What the registration and command handlers use of the edge. */
export interface IrcHost<M extends Member> {
  /** The chat, as the listener reads it. */
  readonly view: IrcView<M>;
  /** Whether accounts can be logged in to (SASL is offered). */
  readonly accounts: boolean;
  /** `member`'s session. */
  session(member: M): IrcSession;
  /** Writes replies to `member` (`write` adds the lines). */
  reply(member: M, write: (lines: Lines) => void): void;
  /** Hands `command` to the chat as the IRC command `context`. */
  dispatch(member: M, command: Command, context: Context): void;
  /** `member`'s capabilities changed: it takes the wire of the new set. */
  recaps(member: M): void;
  /** Ends `member`'s connection with `ERROR :why`, after the `numeric` saying it, if given. */
  close(member: M, why: string, numeric?: string): void;
  /** Registers `member` once NICK, USER and CAP negotiation are done. */
  register(member: M): void;
  /**
   * Carries out `member`'s later lines only once `work` (a password check) has settled, so that
   * its replies come in the order of its commands.
   */
  hold(member: M, work: Promise<unknown>): void;
  /** Checks an account's password (SASL). */
  checkPassword(member: M, nickname: string, password: string): Promise<string | undefined>;
  /** Whether `nickname` is an account's. */
  isAccount(nickname: string): boolean;
  /** Writes `line` to every IRC user with `cap` who shares a channel with `member` (all do). */
  tellOthers(member: M, cap: string, line: (lines: Lines) => void): void;
  /** The clock (ms since the epoch). */
  now(): number;
  /** Writes `WHOWAS <nick>`'s reply, `count` entries at most (≤ 0: all). */
  whowas(member: M, nick: string, count: number): void;
  /** Sets (with `time`, an ISO time) or gets `member`'s read marker of `target`, and says it. */
  markRead(member: M, target: string, time?: string): void;
  /** Carries out `OPER <account> <password>`: `381` and `MODE +o`, or `491` or `464`. */
  oper(member: M, account: string, password: string): void;
  /** Carries out `MONITOR <sub> [targets]`. */
  monitor(member: M, sub: string, targets: string | undefined): void;
}
