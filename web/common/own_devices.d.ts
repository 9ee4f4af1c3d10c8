/** Types of `own_devices.js` (a plain module, as the web page loads it unchanged). */

import type { ClientMessage, KeyBundle, KeysReply } from "../../protocol.ts";
import type { KeyRing } from "./key_ring.js";
import type { DeviceReview } from "./peer_devices.js";

/** What `OwnDevices` needs of the client. */
export interface OwnDevicesOptions {
  /** This device's keys. */
  ring(): KeyRing;
  /** This user's nickname, as the server knows it now. */
  nickname(): string;
  /** Shows a line to the user. */
  print(line: string): void;
  /** Sends a message to the server. */
  send(message: ClientMessage): void;
  /** Looks up and reviews a user's devices (and says what changed). */
  lookUp(nickname: string): Promise<DeviceReview | undefined>;
  /** Says what a review of this account's devices found. */
  tell(nickname: string, review: DeviceReview): void;
}

/** One device of the account, as `/devices` shows it. */
export interface ListedDevice {
  /** Its number for `/approve` and `/revoke`, from 1. */
  number: number;
  /** Its id. */
  id: string;
  /** Its name for people. */
  name: string;
  /** Its public keys. */
  bundle: KeyBundle;
  /** Its keys' fingerprint. */
  fingerprint: string;
  /** Whether the account approved it (and this device trusts that). */
  approved: boolean;
  /** Whether it is this device. */
  current: boolean;
}

/** This account's devices, and the commands on them. */
export class OwnDevices {
  /** Takes what it needs of the client. */
  constructor(options: OwnDevicesOptions);
  /** Whether the server lists this device as approved. */
  approved: boolean;
  /** Whether the server listed the account's devices without this one (it was removed). */
  removed: boolean;
  /** The server listed this account's devices (`asked`: in answer to a lookup). */
  listed(message: KeysReply, asked: boolean): Promise<void>;
  /** `/devices`. */
  show(): Promise<void>;
  /** The devices as the server lists them now, numbered as `/approve` and `/revoke` take them. */
  list(): Promise<ListedDevice[] | undefined>;
  /** `/approve n` (of the list shown last), or the device of id `which`. */
  approve(which: number | string): Promise<void>;
  /** `/revoke n` (of the list shown last), or the device of id `which`. */
  revoke(which: number | string): Promise<void>;
}
