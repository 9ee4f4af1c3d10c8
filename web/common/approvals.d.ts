/** Types of `approvals.js` (a plain module, as the web page loads it unchanged). */

import type { KeyBundle } from "../../protocol.ts";
import type { Identity } from "./e2e.js";

/** A device as an approval names it: its public keys and its name. */
export interface ApprovedDevice {
  /** The device's public keys. */
  bundle: KeyBundle;
  /** The device's name for people. */
  name: string;
}
/** An approved device's signature (with `identity`) for another `device` of `account`, in base64. */
export function signApproval(
  identity: Identity,
  account: string,
  device: ApprovedDevice,
): Promise<string>;
/** Whether `sig`, by the Ed25519 key `by` (base64), approves `device` for `account`. */
export function verifyApproval(
  by: string,
  account: string,
  device: ApprovedDevice,
  sig: string,
): Promise<boolean>;
