// @ts-self-types="./key_ring.d.ts"
/**
 * A device's keys and what it knows of others', shared by the terminal client (kept in a file)
 * and the web page (kept in IndexedDB): this device's identity (and the ones it replaced, still
 * good for what was sealed to them), each peer's devices pinned on first use as SSH pins hosts,
 * and the numbers of the messages seen, against replays. Where it is kept is the caller's: a
 * `KeyRing` is given what was saved and a way to save it.
 *
 * @module
 */

import { fingerprint } from "./e2e.js";
import { deviceId } from "./device_ids.js";
import { nicknameKey } from "./name_keys.js";

/** Sessions remembered per peer, against replays (those forgotten are known by their time). */
export const REMEMBERED_SESSIONS = 64;

/** One device as a ring pins it. */
async function pinned(device) {
  return {
    id: device.id ?? await deviceId(device.bundle.sign),
    name: device.name ?? "device",
    bundle: device.bundle,
    fingerprint: device.fingerprint ?? await fingerprint(device.bundle),
  };
}

/**
 * A peer as saved before devices (one `bundle`, one `fingerprint`), as a peer with devices; one
 * saved since, as it is.
 */
async function upgradePeer(peer) {
  if (Array.isArray(peer.devices)) return peer;
  const { bundle, fingerprint: _print, pending, ...rest } = peer;
  const upgraded = { ...rest, devices: [await pinned({ bundle })] };
  if (pending !== undefined) upgraded.pending = { devices: [await pinned(pending)] };
  return upgraded;
}

/** This device's keys, the peers it has met, and the messages it has seen. */
export class KeyRing {
  #peers = new Map();
  #save;
  /** The save under way: saves go one after another, the last with everything. */
  #saving = Promise.resolve();
  /** The last of the steps that must not overlap (see `exclusive`). */
  #exclusive = Promise.resolve();

  /**
   * Opens a ring: `identity` and its `bundle`, this device's `name`; `retired`, the identities
   * (with their bundles) this device used before; `peers` as `save` last kept them (or as a
   * client kept them before devices: taken over); `place` says where the keys are, for people
   * (`key file ~/x.json`, `kept in this browser`).
   */
  static async open({ identity, bundle, name, retired = [], peers, save, place }) {
    const device = { id: await deviceId(bundle.sign), name, bundle };
    const old = [];
    for (const each of retired) {
      old.push({ id: await deviceId(each.bundle.sign), ...each });
    }
    const upgraded = [];
    for (const peer of peers) upgraded.push(await upgradePeer(peer));
    return new KeyRing({ identity, device, retired: old, peers: upgraded, save, place });
  }

  /** Use `KeyRing.open`. */
  constructor({ identity, device, retired, peers, save, place }) {
    this.identity = identity;
    this.bundle = device.bundle;
    this.device = device;
    this.retired = retired;
    this.place = place;
    this.#save = save;
    for (const peer of peers) this.#peers.set(nicknameKey(peer.nickname), peer);
  }

  /** This device's own fingerprint. */
  ownFingerprint() {
    return fingerprint(this.bundle);
  }

  /** This device's keys and those it used before, with their device ids, the current first. */
  keys() {
    return [{ id: this.device.id, identity: this.identity, bundle: this.bundle }, ...this.retired];
  }

  /**
   * The sealed keys of `envelope` that this device's keys (its own, or those it replaced) may
   * open, each with the key to try: `{key, identity, bundle}`; none when none is this device's.
   * An envelope of before devices, sealed for one key, is tried with each.
   */
  sealedKeys(envelope) {
    return this.keys().flatMap(({ id, identity, bundle }) => {
      const key = envelope.keys?.[id] ?? envelope.key;
      return key === undefined ? [] : [{ key, identity, bundle }];
    });
  }

  /** What is kept of `nickname` (its pinned devices), or undefined when it was never seen. */
  peer(nickname) {
    return this.#peers.get(nicknameKey(nickname));
  }

  /**
   * Pins `devices` as those of `nickname`, seen for the first time; `provisional` when they were
   * not listed by the server (the key a kept message carried): its next list is then taken as a
   * first sight, as long as it shows them.
   */
  async pin(nickname, devices, provisional = false) {
    const peer = { nickname, devices: await Promise.all(devices.map(pinned)) };
    if (provisional) peer.provisional = true;
    this.#peers.set(nicknameKey(nickname), peer);
    await this.save();
    return peer;
  }

  /** The device of `nickname` pinned under `id` (the same keys), or undefined. */
  pinnedDevice(nickname, id) {
    return this.peer(nickname)?.devices.find((device) => device.id === id);
  }

  /** Trusts the devices `nickname` showed last in place of those pinned; them, or undefined. */
  async trust(nickname) {
    const known = this.peer(nickname);
    if (known?.pending === undefined) return undefined;
    known.devices = known.pending.devices;
    const ids = new Set(known.devices.map((device) => device.id));
    known.removed = (known.removed ?? []).filter((id) => !ids.has(id));
    delete known.pending;
    await this.save();
    return known.devices;
  }

  /**
   * Runs `step` once the steps given before it have ended (a review of a user's devices reads
   * and changes the pins across awaits: two at once would both count a device as new).
   */
  exclusive(step) {
    const run = this.#exclusive.catch(() => {}).then(step);
    this.#exclusive = run;
    return run;
  }

  /** Keeps what changed (after any save under way: never two at once). */
  save() {
    const saved = this.#saving.catch(() => {}).then(() => this.#save(this.peers));
    this.#saving = saved;
    return saved;
  }

  /**
   * Whether message `n` of session `sid` from `nickname` (pinned), written at `time`, is new: not
   * seen before, in this run or an earlier one. It is then remembered. A device's messages come
   * in order, so a session needs only its last number and time; the `REMEMBERED_SESSIONS` used
   * last are kept, and of those forgotten only the time of the latest message: a session not
   * known whose message is no later than that is taken as seen.
   */
  async accept(nickname, sid, n, time) {
    const known = this.peer(nickname);
    const at = Date.parse(time);
    if (known === undefined || Number.isNaN(at)) return false;
    const sessions = known.sessions ??= [];
    const index = sessions.findIndex((each) => each.sid === sid);
    if (index >= 0) {
      if (n <= sessions[index].n) return false;
      sessions.splice(index, 1);
    } else if (known.forgotten !== undefined && at <= Date.parse(known.forgotten)) return false;
    sessions.push({ sid, n, t: time });
    if (sessions.length > REMEMBERED_SESSIONS) {
      const { t } = sessions.shift();
      if (known.forgotten === undefined || Date.parse(t) > Date.parse(known.forgotten)) {
        known.forgotten = t;
      }
    }
    await this.save();
    return true;
  }

  /** The peers, as `save` keeps them. */
  get peers() {
    return [...this.#peers.values()];
  }
}
