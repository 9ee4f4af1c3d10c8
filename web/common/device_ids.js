// @ts-self-types="./device_ids.d.ts"
/**
 * How a device of an account is named on the wire, by the server and both clients alike: its id
 * is made from its Ed25519 public key (so that nobody picks another device's id), and an
 * account has at most `MAX_DEVICES` of them. A plain module, so that the page loads it
 * unchanged; `protocol.ts` re-exports it.
 *
 * @module
 */

/** Devices one account may have at once (each with its own keys). */
export const MAX_DEVICES = 16;

/** Characters in a device id. */
export const DEVICE_ID_CHARS = 16;

/** Longest name of a device (`terminal on <host>`, `web page`), in characters. */
export const MAX_DEVICE_NAME_CHARS = 64;

/**
 * The id of the device whose Ed25519 public key is `sign` (base64, as in a key bundle): the
 * first 16 characters of the base64url SHA-256 of the key's bytes (96 bits).
 */
export async function deviceId(sign) {
  const bytes = Uint8Array.from(atob(sign), (c) => c.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const text = btoa(String.fromCharCode(...digest));
  return text.replace(/\+/g, "-").replace(/\//g, "_").slice(0, DEVICE_ID_CHARS);
}

/** Whether `id` has the shape of a device id. */
export function isDeviceId(id) {
  return typeof id === "string" && /^[A-Za-z0-9_-]{16}$/.test(id);
}

/**
 * Why a device could not open an end-to-end message, as its sender is told (`unread`): one of
 * these, so that nobody can put words of their own in front of the sender.
 */
export const UNREAD_REASONS = /** @type {const} */ ([
  "it was sealed before this device was approved",
  "this device was removed from the account",
  "end-to-end encryption is off on this device",
  "their key has changed",
  "it was sent from a device that is not approved",
  "their key is not known",
  "the key it names is not valid",
  "the message was changed, or made with another key",
  "the session key does not open",
]);

/** Why `name` cannot name a device (too long, empty, or with control characters), or undefined. */
export function deviceNameProblem(name) {
  if (typeof name !== "string" || name.trim() === "") return "A device name cannot be empty";
  if ([...name].length > MAX_DEVICE_NAME_CHARS) {
    return `A device name has at most ${MAX_DEVICE_NAME_CHARS} characters`;
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) {
    return "A device name cannot hold control characters";
  }
  return undefined;
}
