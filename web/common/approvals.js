// @ts-self-types="./approvals.d.ts"
/**
 * An account's approval of one of its devices: an Ed25519 signature by an approved device over
 * the new device's public keys, its name and the account, so that the server can neither add a
 * device of its own to an account nor rename one. Peers check it (`peer_devices.js`).
 *
 * @module
 */

import { fromBase64, internals, toBase64 } from "./e2e.js";

const { fields } = internals;

const DEVICE_CONTEXT = "chat e2e device v1";

/**
 * An approved device's signature (with `identity`, its own keys) for another device of the same
 * `account` (a nickname key): over that device's public keys and name, so that the server can
 * neither add a device of its own to the account nor rename one. In base64.
 */
export async function signApproval(identity, account, device) {
  const sig = await crypto.subtle.sign(
    "Ed25519",
    identity.signing.privateKey,
    approvalFields(account, device),
  );
  return toBase64(new Uint8Array(sig));
}

/**
 * Whether `sig` is the signature, by the Ed25519 key `by` (base64), approving `device` (its
 * `bundle` and `name`) for `account`. False, never a throw, on anything malformed.
 */
export async function verifyApproval(by, account, device, sig) {
  try {
    const key = await crypto.subtle.importKey("raw", fromBase64(by), "Ed25519", true, ["verify"]);
    return await crypto.subtle.verify(
      "Ed25519",
      key,
      fromBase64(sig),
      approvalFields(account, device),
    );
  } catch {
    return false;
  }
}

function approvalFields(account, { bundle, name }) {
  return fields(DEVICE_CONTEXT, account, fromBase64(bundle.dh), fromBase64(bundle.sign), name);
}
