/**
 * Devices as the key directory hands them out: a stored device as the wire's `DeviceInfo`, the
 * `keys` reply of a user's devices, and the checks on what clients send about devices (the
 * server does no cryptography on them: the clients check keys and approvals).
 *
 * @module
 */

import {
  type DeviceInfo,
  deviceNameProblem,
  type KeyBundle,
  type KeysReply,
  MAX_KEY_FIELD_CHARS,
  UNREAD_REASONS,
} from "../../protocol.ts";
import type { StoredDevice } from "../store/store.ts";

/** The name of a device that published its keys without one. */
export const DEFAULT_DEVICE_NAME = "device";

/** A bundle kept as JSON, or undefined if it no longer reads as one. */
export function parseBundle(text: string): KeyBundle | undefined {
  try {
    const { v, dh, sign, sig } = JSON.parse(text);
    if (![dh, sign, sig].every((field) => typeof field === "string")) return undefined;
    return { v, dh, sign, sig };
  } catch {
    return undefined;
  }
}

/** `device` as the wire shows it (undefined when its bundle no longer reads). */
export function deviceInfo(device: StoredDevice): DeviceInfo | undefined {
  const bundle = parseBundle(device.bundle);
  if (bundle === undefined) return undefined;
  const info: DeviceInfo = { id: device.id, name: device.name, bundle, approved: device.approved };
  if (device.by !== undefined) info.by = device.by;
  if (device.sig !== undefined) info.sig = device.sig;
  info.added = new Date(device.added).toISOString();
  return info;
}

/**
 * The `keys` reply of `nickname`'s `devices`: all of them, and the bundle of the first approved
 * one (for clients that know of one key per user); `device`: the publisher's own id.
 */
export function devicesReply(
  nickname: string,
  devices: readonly StoredDevice[],
  device?: string,
): KeysReply {
  const infos = devices.map(deviceInfo).filter((info): info is DeviceInfo => info !== undefined);
  const reply: KeysReply = { type: "keys", nickname };
  const first = infos.find((info) => info.approved);
  if (first !== undefined) reply.bundle = first.bundle;
  if (infos.length > 0) reply.devices = infos;
  if (device !== undefined) reply.device = device;
  return reply;
}

/** Why `name` cannot name a device, as said to its client, or undefined. */
export function deviceNameRefusal(name: string): string | undefined {
  const problem = deviceNameProblem(name);
  return problem === undefined ? undefined : `${problem}: ${quote(name)} was not taken`;
}

/** Why an approval's `by` and `sig` cannot be kept, or undefined. */
export function approvalProblem(by: string, sig: string): string | undefined {
  return by.length > MAX_KEY_FIELD_CHARS || sig.length > MAX_KEY_FIELD_CHARS
    ? `Invalid "approve" message: "by" and "sig" have at most ${MAX_KEY_FIELD_CHARS} characters`
    : undefined;
}

/** Why an `unread` message cannot be passed on, or undefined. */
export function unreadProblem(
  t: string,
  reason: string,
  device: string | undefined,
): string | undefined {
  if (t.length > MAX_KEY_FIELD_CHARS) {
    return `Invalid "unread" message: "t" has at most ${MAX_KEY_FIELD_CHARS} characters`;
  }
  if (!UNREAD_REASONS.includes(reason)) {
    return `Invalid "unread" message: "reason" must be one of the reasons the protocol names ` +
      `(${quote(reason)} is not)`;
  }
  const problem = device === undefined ? undefined : deviceNameProblem(device);
  return problem === undefined ? undefined : `Invalid "unread" message: ${problem}`;
}

/** `value` quoted for an error message, cut to a readable length. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
}
