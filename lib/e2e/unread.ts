/**
 * `unread` notices: a device tells the sender of an end-to-end message that it could not open it.
 * The notice goes to the sender's connections that asked for such notices, or is kept with the
 * sender's account while it is away (a guest who left has nobody to tell).
 *
 * @module
 */

import type { UnreadNotice } from "../../protocol.ts";
import type { DevicesCommand, Member, Outbound } from "../core/types.ts";
import type { Store } from "../store/store.ts";
import { nicknameKey } from "../protocol/values.ts";
import { unreadProblem } from "./devices.ts";
import { type EventKind, eventKind, type Log } from "../common/log_event.ts";

/** The store could not do `action` for the key directory (`store: cannot <action>: <error>`). */
export const E2E_STORE_ERROR: EventKind<{ action: string; error: string }> = eventKind(
  "store_error",
  "error",
  (f) => `store: cannot ${f.action}: ${f.error}`,
);

/** What relaying a notice needs. */
export interface UnreadRelay<M extends Member> {
  /** Where notices are delivered. */
  out: Outbound<M>;
  /** Where notices for accounts that are away are kept; none: they are not. */
  store?: Store;
  /** The clock, in milliseconds. */
  now: () => number;
  /** Told of a notice that could not be kept. */
  log: Log;
  /** Every connection of a user (of any node), none when away. */
  connectionsOf(nickname: string): M[];
}

/**
 * Relays the `unread` notice `member` sends (`command`): to the sender's connections, or kept
 * for its account while it is away. Why it is refused, or undefined.
 */
export async function relayUnread<M extends Member>(
  relay: UnreadRelay<M>,
  member: M,
  command: Extract<DevicesCommand, { kind: "unread" }>,
): Promise<string | undefined> {
  const { to, t, reason, device } = command;
  const problem = unreadProblem(t, reason, device);
  if (problem !== undefined) return problem;
  const notice: UnreadNotice = { type: "unread", nickname: member.nickname!, t, reason };
  if (device !== undefined) notice.device = device;
  const connections = relay.connectionsOf(to);
  if (connections.length === 0) {
    await keepNotice(relay, to, notice);
    return undefined;
  }
  const recipients = connections.filter((each) => !each.closing && each.extensions.has("unread"));
  if (recipients.length > 0) relay.out.deliver(recipients, [notice]);
  return undefined;
}

/**
 * Keeps `notice` for `to` while it is away, when it is an account (with its messages, within
 * their bounds).
 */
async function keepNotice<M extends Member>(
  relay: UnreadRelay<M>,
  to: string,
  notice: UnreadNotice,
): Promise<void> {
  const { store } = relay;
  const key = nicknameKey(to);
  try {
    if (store === undefined || await store.account(key) === undefined) return;
    const at = relay.now();
    await store.keep(key, {
      from: notice.nickname,
      text: "",
      notice: JSON.stringify(notice),
      timestamp: new Date(at).toISOString(),
      at,
    });
  } catch (error) {
    relay.log(
      E2E_STORE_ERROR.at(new Date(relay.now()), {
        action: `keep a notice for ${to}`,
        error: (error as Error).message,
      }),
    );
  }
}
