/** Types of `opening.js` (a plain module, as the web page loads it unchanged). */

import type { ClientMessage, E2eEnvelope, UnreadNotice } from "../../protocol.ts";
import type { Session } from "./e2e.js";
import type { KeyRing } from "./key_ring.js";
import type { DeviceReview } from "./peer_devices.js";

/** What the sender is told of a message changed, or made with another key. */
export const TAMPERED: string;

/** An error that the message's sender is told of (a replay is not). */
export class Unread extends Error {
  /** `message` for this device's user; `told`, what the sender is told (the same by default). */
  constructor(message: string, told?: string);
  /** What the sender is told: one of the protocol's reasons. */
  told: string;
}

/** What `Opening` needs of the client. */
export interface OpeningOptions {
  /** This device's keys, if it has them. */
  ring(): KeyRing | undefined;
  /** This user's nickname, as the server knows it now. */
  nickname(): string;
  /** Sends a message to the server (an `unread`). */
  send(message: ClientMessage): void;
  /** Looks up and reviews a user's devices. */
  lookUp(nickname: string): Promise<DeviceReview | undefined>;
  /** This account's devices: whether this one is approved, or removed. */
  own: { approved: boolean; removed: boolean };
}

/** Opening sealed sessions for one device. */
export class Opening {
  /** Takes what it needs of the client. */
  constructor(options: OpeningOptions);
  /** The session of `envelope` from `nickname` (to `copyTo` for one's own copy); throws why not. */
  session(
    nickname: string,
    copyTo: string | undefined,
    envelope: E2eEnvelope,
  ): Promise<{ session: Session; from: string; to: string }>;
  /** Tells the sender of `envelope` that this device could not open it (not for a replay). */
  unread(nickname: string, envelope: E2eEnvelope, error: unknown): void;
  /** Throws unless `envelope` is seen for the first time. */
  fresh(nickname: string, envelope: E2eEnvelope): Promise<void>;
}

/** The line that tells a sender that a device could not open what it sent (`unread`). */
export function describeUnread(notice: UnreadNotice, when: string): string;

/** The line that says `what` could not be opened on this device, and why. */
export function describeFailure(what: string, error: Error): string;
