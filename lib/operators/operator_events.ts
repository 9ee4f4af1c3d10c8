/**
 * The operators feature's console events: `OPER` given or refused, an operator account not made
 * yet, each operator action (`Alice (operator): killed Bob: spamming`), a timed ban's end, and
 * the store failing the bans. No event carries a password.
 *
 * @module
 */

import type { OperatorAction } from "../../protocol.ts";
import { type EventKind, eventKind } from "../common/log_event.ts";
import { escapeControls } from "../common/text.ts";
import { eventLine } from "../core/console_lines.ts";
import { banEnd } from "./bans.ts";

/** `: <reason>`, or nothing without one. */
export function because(reason: string | undefined): string {
  return reason === undefined ? "" : `: ${reason}`;
}

/**
 * `nickname` (`-` before registering; from `ip`:`port`) asked `OPER` as `account`, which is no
 * operator account (a wrong password is the accounts' `login_failed`).
 */
export const OPER_REFUSED: EventKind<{
  nickname: string | undefined;
  ip: string;
  port: number;
  account: string;
}> = eventKind(
  "oper_refused",
  "warn",
  (f, time) =>
    eventLine(time, `${f.nickname ?? "-"}: OPER as ${escapeControls(f.account)} refused.`),
);

/** `nickname` proved the password of operator account `account` (its key) with `OPER`. */
export const OPERED: EventKind<{ nickname: string; account: string }> = eventKind(
  "oper",
  "info",
  (f, time) => eventLine(time, `${f.nickname} (operator): OPER as ${f.account}.`),
);

/** Operator account `nickname` is not registered yet: whoever registers it first operates. */
export const OPERATOR_UNREGISTERED: EventKind<{ nickname: string }> = eventKind(
  "operator_unregistered",
  "warn",
  (f) =>
    `Operator ${JSON.stringify(f.nickname)} is no account yet: whoever registers that nickname ` +
    "first is an operator, so register it now",
);

/**
 * Operator `nickname` did `action`: killed `target` (for `reason`), banned it (`until`, or until
 * lifted), lifted the ban on it, or announced `text` to everyone.
 */
export type OperatorActionFields = {
  nickname: string;
  action: OperatorAction;
  target?: string;
  reason?: string;
  until?: Date;
  text?: string;
};

/** What an operator did (`OperatorActionFields`). */
export const OPERATOR_ACTION: EventKind<OperatorActionFields> = eventKind(
  "operator_action",
  "info",
  (f, time) => {
    const what = {
      kill: () => `killed ${f.target}${because(f.reason)}`,
      serverban: () =>
        `banned ${f.target} ${banEnd({ until: f.until?.getTime() })}${because(f.reason)}`,
      serverunban: () => `lifted the ban on ${f.target}`,
      wall: () => `announced: ${f.text}`,
    }[f.action]();
    return eventLine(time, escapeControls(`${f.nickname} (operator): ${what}`));
  },
);

/** The timed server ban on `target` ended. */
export const SERVER_BAN_ENDED: EventKind<{ target: string }> = eventKind(
  "server_ban_ended",
  "info",
  (f, time) => eventLine(time, `server ban on ${f.target} ended.`),
);

/** The store failed to keep or forget a server ban. */
export const BANS_STORE_ERROR: EventKind<{ error: string }> = eventKind(
  "store_error",
  "error",
  (f, time) => eventLine(time, `server bans: the store failed: ${f.error}`),
);
