/** Types of `device_ids.js` (a plain module, as the web page loads it unchanged). */

/** Devices one account may have at once (each with its own keys). */
export const MAX_DEVICES: number;

/** Characters in a device id. */
export const DEVICE_ID_CHARS: number;

/** Longest name of a device (`terminal on <host>`, `web page`), in characters. */
export const MAX_DEVICE_NAME_CHARS: number;

/**
 * The id of the device whose Ed25519 public key is `sign` (base64, as in a key bundle): the
 * first 16 characters of the base64url SHA-256 of the key's bytes (96 bits).
 */
export function deviceId(sign: string): Promise<string>;

/** Whether `id` has the shape of a device id. */
export function isDeviceId(id: unknown): id is string;

/** Why a device could not open an end-to-end message, as its sender is told (`unread`). */
export const UNREAD_REASONS: readonly string[];

/** Why `name` cannot name a device (too long, empty, or with control characters), or undefined. */
export function deviceNameProblem(name: unknown): string | undefined;
