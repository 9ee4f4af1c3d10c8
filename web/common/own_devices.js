// @ts-self-types="./own_devices.d.ts"
/**
 * One's own account's devices, as a client sees them: the list the server keeps (after this
 * device publishes its keys, and again whenever it changes), whether this device is approved, and
 * the `/devices`, `/approve` and `/revoke` commands. Shared by the terminal client and the page
 * through `E2eClient`.
 *
 * @module
 */

import { fingerprint } from "./e2e.js";
import { signApproval } from "./approvals.js";
import { nicknameKey } from "./name_keys.js";
import { reviewDevices } from "./peer_devices.js";

/** This account's devices, and the commands on them. */
export class OwnDevices {
  #options;
  /** The devices as the server listed them last, in its order (`/devices` numbers them so). */
  #list = [];
  /** The ids of the devices as `/devices` showed them last, by number. */
  #shown = new Map();

  /**
   * `ring()` (this device's keys), `nickname()`, `print`, `send`, `lookUp(nickname)` (a lookup
   * that reviews what it gets) and `tell(nickname, review)` (says what a review found).
   */
  constructor(options) {
    this.#options = options;
  }

  /** Whether the server lists this device as approved. */
  approved = false;

  /** Whether the server listed the account's devices without this one (it was removed). */
  removed = false;

  /**
   * The server listed this account's devices (`asked`: in answer to a lookup, which reviews them
   * itself): kept, and else reviewed and said.
   */
  async listed(message, asked) {
    const devices = message.devices ?? [];
    const ring = this.#options.ring();
    this.#list = devices;
    const before = this.approved;
    this.approved = devices.some((device) => device.id === ring.device.id && device.approved);
    const wasRemoved = this.removed;
    this.removed = devices.length > 0 && !devices.some((device) => device.id === ring.device.id);
    if (this.removed && !wasRemoved) {
      this.#options.print(
        "This device was removed from your account: nothing is sealed to it any more (connect " +
          "again to come back as a new device, to approve)",
      );
    }
    if (message.devices === undefined) return;
    if (!before && this.approved && message.device === undefined) {
      this.#options.print(
        "This device is approved now: what is sealed for your account opens here from now on",
      );
    }
    if (asked) return;
    if (message.device !== undefined && !this.approved) {
      this.#options.print(
        "This device is not approved yet: what is sealed for your account cannot be opened " +
          "here until you approve it from another of your devices (/devices there, then " +
          "/approve <n>)",
      );
    }
    const review = await reviewDevices(ring, message.nickname, devices, true);
    this.#options.tell(message.nickname, review);
  }

  /**
   * `/devices`: the devices as the server lists them now, numbered for `/approve` and
   * `/revoke`: name, fingerprint, approved or not, and which is this one.
   */
  async show() {
    const devices = await this.list();
    if (devices === undefined) return;
    const lines = [`Your devices (${devices.length}):`];
    for (const device of devices) {
      const marks = [device.approved ? "approved" : `not approved: /approve ${device.number}`];
      if (device.current) marks.push("this device");
      lines.push(`  ${device.number}. ${device.name}: ${device.fingerprint} (${marks.join(", ")})`);
    }
    for (const line of lines) this.#options.print(line);
    this.#shown = new Map(devices.map((device) => [device.number, device.id]));
  }

  /**
   * The devices as the server lists them now (looked up again), numbered from 1 as `/approve`
   * and `/revoke` take them: `{number, id, name, bundle, fingerprint, approved, current}`, `approved`
   * when the account approved it and this device trusts that; undefined (said) when there is
   * no answer.
   */
  async list() {
    const review = await this.#options.lookUp(this.#options.nickname());
    if (review === undefined) {
      this.#options.print("No answer about your devices: try again");
      return undefined;
    }
    const trusted = new Set(review.trusted.map((device) => device.id));
    const ring = this.#options.ring();
    const devices = [];
    for (const [index, device] of this.#list.entries()) {
      devices.push({
        number: index + 1,
        id: device.id,
        name: device.name,
        bundle: device.bundle,
        fingerprint: await fingerprint(device.bundle),
        approved: device.approved && trusted.has(device.id),
        current: device.id === ring.device.id,
      });
    }
    return devices;
  }

  /**
   * `/approve n`: approves device `n` of the list `/devices` showed last (`which` may be the
   * device's id instead, as the page's buttons give it), from this device (approved itself).
   */
  async approve(which) {
    const device = await this.#chosen(which, "approve");
    if (device === undefined) return;
    const { print, send, nickname } = this.#options;
    if (!this.approved) {
      print("This device is not approved itself: approve it from another of your devices first");
      return;
    }
    if (device.approved) {
      print(`Device ${device.number} (${device.name}) is approved already`);
      return;
    }
    const ring = this.#options.ring();
    const sig = await signApproval(ring.identity, nicknameKey(nickname()), device);
    send({ type: "approve", device: device.id, by: ring.bundle.sign, sig });
    const review = await this.#options.lookUp(nickname());
    if (review?.trusted.some((each) => each.id === device.id)) {
      print(`Approved device ${device.number} (${device.name}): ${device.fingerprint}`);
    }
  }

  /** `/revoke n`: removes device `n` of the list `/devices` showed last (or of id `which`). */
  async revoke(which) {
    const device = await this.#chosen(which, "revoke");
    if (device === undefined) return;
    this.#options.send({ type: "revoke", device: device.id });
    const review = await this.#options.lookUp(this.#options.nickname());
    if (review !== undefined && !this.#list.some((each) => each.id === device.id)) {
      this.#options.print(
        `Removed device ${device.number} (${device.name}): nothing is sealed to it now`,
      );
    }
  }

  /**
   * The device `which` names (a number of the list shown last, or an id), as the server lists it
   * now, numbered and with its fingerprint; undefined (said) when the list was not shown, there
   * is no answer, or the device is gone: a number never falls on another device than the one the
   * user saw.
   */
  async #chosen(which, command) {
    const id = typeof which === "string" ? which : this.#shown.get(which);
    if (id === undefined) {
      this.#options.print(
        `Type /devices first, check the device's fingerprint, then /${command} <n>`,
      );
      return undefined;
    }
    const devices = await this.list();
    if (devices === undefined) return undefined;
    const device = devices.find((each) => each.id === id);
    if (device === undefined) {
      this.#options.print("That device is no longer on your account: /devices lists them");
    }
    return device;
  }
}
