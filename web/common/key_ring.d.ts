/** Types of `key_ring.js` (a plain module, as the web page loads it unchanged). */

import type { E2eEnvelope, SealedKey } from "../../protocol.ts";
import type { Bundle, Identity } from "./e2e.js";

/** Sessions remembered per peer, against replays (those forgotten are known by their time). */
export const REMEMBERED_SESSIONS: number;

/** A device as a ring pins it. */
export interface PinnedDevice {
  /** The device's id (from its signing key). */
  id: string;
  /** The device's name for people. */
  name: string;
  /** Its public keys. */
  bundle: Bundle;
  /** Their fingerprint. */
  fingerprint: string;
}

/** One peer, as a key ring's `save` keeps it. */
export interface KnownPeer {
  /** The peer's nickname, as first seen. */
  nickname: string;
  /** The devices pinned (a peer saved before devices had one `bundle` instead: taken over). */
  devices: PinnedDevice[];
  /** Devices the peer removed: never trusted again unasked. */
  removed?: string[];
  /** Pinned from a message, not from the server's list (see `KeyRing.pin`). */
  provisional?: boolean;
  /** Other devices the peer showed in place of all those pinned, waiting for `/trust`. */
  pending?: { devices: PinnedDevice[] };
  /** The sessions the peer used last, the latest last: the last message's number and time. */
  sessions?: { sid: string; n: number; t: string }[];
  /** The time of the latest message of the sessions forgotten. */
  forgotten?: string;
}

/** A key this device has, with its device id. */
export interface DeviceKey {
  /** The device id of the key. */
  id: string;
  /** The key pair. */
  identity: Identity;
  /** Its public half. */
  bundle: Bundle;
}

/** What `KeyRing.open` takes. */
export interface KeyRingOptions {
  /** This device's keys. */
  identity: Identity;
  /** Their public half. */
  bundle: Bundle;
  /** This device's name for people. */
  name: string;
  /** Keys this device used before, still good for what was sealed to them. */
  retired?: { identity: Identity; bundle: Bundle }[];
  /** The peers as `save` last kept them (or as a client kept them before devices). */
  peers: readonly unknown[];
  /** Keeps the peers. */
  save: (peers: KnownPeer[]) => Promise<void>;
  /** Where the keys are, for people. */
  place: string;
}

/** This device's keys, the peers it has met, and the messages it has seen. */
export class KeyRing {
  /** Opens a ring, taking over peers saved before devices. */
  static open(options: KeyRingOptions): Promise<KeyRing>;
  private constructor();
  /** This device's keys. */
  readonly identity: Identity;
  /** Their public half. */
  readonly bundle: Bundle;
  /** This device: its id, name and public keys. */
  readonly device: { id: string; name: string; bundle: Bundle };
  /** Keys this device used before. */
  readonly retired: DeviceKey[];
  /** Where the keys are, for people. */
  readonly place: string;
  /** This device's own fingerprint. */
  ownFingerprint(): Promise<string>;
  /** This device's keys and those it used before, the current first. */
  keys(): DeviceKey[];
  /** The sealed keys of `envelope` that this device's keys may open, each with the key to try. */
  sealedKeys(envelope: E2eEnvelope): { key: SealedKey; identity: Identity; bundle: Bundle }[];
  /** What is kept of `nickname`, or undefined when it was never seen. */
  peer(nickname: string): KnownPeer | undefined;
  /** Pins `devices` as those of `nickname`, seen for the first time. */
  pin(
    nickname: string,
    devices: { bundle: Bundle; id?: string; name?: string; fingerprint?: string }[],
    provisional?: boolean,
  ): Promise<KnownPeer>;
  /** The device of `nickname` pinned under `id`, or undefined. */
  pinnedDevice(nickname: string, id: string): PinnedDevice | undefined;
  /** Trusts the devices `nickname` showed last; them, or undefined if none wait. */
  trust(nickname: string): Promise<PinnedDevice[] | undefined>;
  /** Runs `step` once the steps given before it have ended. */
  exclusive<T>(step: () => Promise<T>): Promise<T>;
  /** Keeps what changed. */
  save(): Promise<void>;
  /** Whether message `n` of session `sid` from `nickname`, written at `time`, is new (remembered). */
  accept(nickname: string, sid: string, n: number, time: string): Promise<boolean>;
  /** The peers, as `save` keeps them. */
  readonly peers: KnownPeer[];
}
