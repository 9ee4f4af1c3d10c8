/** Types of `peer_devices.js` (a plain module, as the web page loads it unchanged). */

import type { DeviceInfo, KeysReply } from "../../protocol.ts";
import type { KeyRing, PinnedDevice } from "./key_ring.js";

/** A device of a list, its keys checked. */
export type SoundDevice = DeviceInfo & { fingerprint: string };

/** What a review of a user's devices found. */
export interface DeviceReview {
  /** First seen, the pinned ones, or none of them (a new identity, until `/trust`). */
  kind: "new" | "known" | "changed";
  /** The devices to seal to. */
  trusted: PinnedDevice[];
  /** Devices trusted since the last review, approved by a trusted one. */
  added: SoundDevice[];
  /** Pinned devices no longer listed. */
  removed: PinnedDevice[];
  /** Listed devices that are not trusted. */
  unapproved: SoundDevice[];
  /** Listed devices whose keys, id or name are not sound, and why. */
  broken: { device: DeviceInfo; why: string }[];
  /** For "changed": the devices pinned before. */
  pinned?: PinnedDevice[];
}

/** Reviews `list`, the devices the server shows for `nickname`, against what `ring` pinned. */
export function reviewDevices(
  ring: KeyRing,
  nickname: string,
  list: readonly DeviceInfo[],
  self?: boolean,
): Promise<DeviceReview>;

/** What a review found, as lines for the user (`once`: a key under which to say it only once). */
export function describeReview(
  nickname: string,
  review: DeviceReview,
  self: boolean,
): { line: string; once?: string }[];

/** The devices a `keys` reply lists (from a server of one key per user, that key). */
export function listedDevices(reply: KeysReply): Promise<DeviceInfo[]>;

/** `devices` without those whose id came before, in order. */
export function uniqueDevices<T extends { id: string }>(devices: readonly T[]): T[];
