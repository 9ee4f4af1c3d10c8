// @ts-self-types="./peer_devices.d.ts"
/**
 * What a client makes of a user's devices as the server lists them: which to seal to, and what
 * to tell its user. The server only keeps the list; this is where it is checked.
 *
 * - Each device's keys must be signed by themselves and its id must be that of its keys.
 * - The first time a user is seen, its first device and the devices approved through it are
 *   pinned (trust on first use, as for one key before): a device the server marks approved
 *   without such a signature is not.
 * - After that, a device is trusted when it is pinned, or approved (signed) by a trusted device
 *   still listed: `added`. A pinned device no longer listed is `removed`, and never taken back unasked.
 * - A list none of whose devices can be trusted is a new identity (`changed`): the account lost
 *   every device, or someone put keys of their own in its place. Nothing is sealed to it until
 *   the user says `/trust`.
 * - Any other device is `unapproved`: shown, never sealed to.
 *
 * @module
 */

import { fingerprint, openBundle } from "./e2e.js";
import { verifyApproval } from "./approvals.js";
import { deviceId, deviceNameProblem } from "./device_ids.js";
import { nicknameKey } from "./name_keys.js";

/** The devices of `list` whose keys, id and name are sound, each with its fingerprint. */
async function soundDevices(list) {
  const sound = [];
  const broken = [];
  for (const device of list) {
    try {
      await openBundle(device.bundle);
      if (device.id !== await deviceId(device.bundle.sign)) {
        throw new Error("its id is not its own");
      }
      const problem = deviceNameProblem(device.name);
      if (problem !== undefined) throw new Error(problem);
      sound.push({ ...device, fingerprint: await fingerprint(device.bundle) });
    } catch (error) {
      broken.push({ device, why: error.message });
    }
  }
  return { sound, broken };
}

/**
 * Reviews `list`, the devices the server shows for `nickname`, against what `ring` pinned (for
 * `self`, this device's own account, this device is always trusted). Pins and unpins as said in
 * the module's comment, and returns `{kind, trusted, added, removed, unapproved, broken,
 * pinned?}`: `kind` is "new" (first seen), "known" or "changed" (then `pinned` holds the
 * devices pinned before, and `trusted` is empty).
 */
export function reviewDevices(ring, nickname, list, self = false) {
  return ring.exclusive(() => review(ring, nickname, list, self));
}

async function review(ring, nickname, list, self) {
  const account = nicknameKey(nickname);
  const { sound, broken } = await soundDevices(list);
  const own = self ? [{ ...ring.device, fingerprint: await ring.ownFingerprint() }] : [];
  const known = ring.peer(nickname);
  if (known === undefined || known.provisional === true) {
    const trusted = await firstSight(account, sound, own);
    // Pinned for now from a message: taken as a first sight when the list shows it trusted.
    if (known === undefined || known.devices.every((device) => samePinned(trusted, device))) {
      const sessions = known?.sessions;
      const peer = await ring.pin(nickname, trusted);
      if (sessions !== undefined) peer.sessions = sessions;
      return report(known === undefined ? "new" : "known", trusted, sound, { broken });
    }
  }
  const removedIds = new Set(known.removed ?? []);
  const trusted = uniqueDevices([
    ...own,
    ...sound.filter((device) => samePinned(known.devices, device)),
  ])
    .map(keep);
  const added = await chain(account, sound, trusted, removedIds);
  if (trusted.length === 0 && sound.some((device) => device.approved)) {
    known.pending = { devices: (await firstSight(account, sound, [])).map(keep) };
    await ring.save();
    return report("changed", [], sound, { broken, pinned: known.devices });
  }
  const listed = new Set(sound.map((device) => device.id));
  const removed = known.devices.filter((device) =>
    !listed.has(device.id) && !isOwn(ring, self, device)
  );
  if (added.length > 0 || removed.length > 0 || known.pending !== undefined) {
    known.devices = trusted.map(keep);
    known.removed = [...removedIds, ...removed.map((device) => device.id)];
    delete known.pending;
    await ring.save();
  }
  return report("known", trusted, sound, { added, removed, broken });
}

/**
 * What a first sight of an account trusts: its first device (approved by being first, without
 * `by`), or, when that one is gone, the earliest approved device (whose approver can no longer be
 * checked), and the devices approved through it; and `own`, this device itself.
 */
async function firstSight(account, sound, own) {
  const root = sound.find((device) => device.approved && device.by === undefined) ??
    sound.find((device) => device.approved);
  const trusted = uniqueDevices([...own, ...(root === undefined ? [] : [root])]).map(keep);
  await chain(account, sound, trusted, new Set());
  return trusted;
}

/**
 * Adds to `trusted` each device of `sound` whose approval is signed by a device trusted (and
 * listed: a device removed vouches for nothing more), over and over, but never one of `barred`
 * (removed before). The devices added, in order.
 */
async function chain(account, sound, trusted, barred) {
  const signers = new Set(trusted.map((device) => device.bundle.sign));
  const added = [];
  for (let more = true; more;) {
    more = false;
    for (const device of sound) {
      if (trusted.some((each) => each.id === device.id) || barred.has(device.id)) continue;
      if (!device.approved || device.by === undefined || !signers.has(device.by)) continue;
      if (!await verifyApproval(device.by, account, device, device.sig ?? "")) continue;
      trusted.push(keep(device));
      added.push(device);
      signers.add(device.bundle.sign);
      more = true;
    }
  }
  return added;
}

function report(kind, trusted, sound, extra) {
  const ids = new Set(trusted.map((device) => device.id));
  return {
    kind,
    trusted,
    added: [],
    removed: [],
    unapproved: sound.filter((device) => !ids.has(device.id)),
    ...extra,
  };
}

/** Whether `device` is one of `devices` (pinned ones), with the same keys. */
function samePinned(devices, device) {
  return devices.some((each) => each.id === device.id && each.fingerprint === device.fingerprint);
}

function isOwn(ring, self, device) {
  return self && device.id === ring.device.id;
}

/** What a ring keeps of a device. */
function keep({ id, name, bundle, fingerprint }) {
  return { id, name, bundle, fingerprint };
}

/** `devices` without those whose id came before, in order. */
export function uniqueDevices(devices) {
  const seen = new Set();
  return devices.filter((device) => !seen.has(device.id) && seen.add(device.id));
}

/**
 * What a review found, as lines for the user: keys that are not valid, a changed identity, the
 * devices added and removed, and each device not approved (`once`: a key under which to say it
 * only once).
 */
export function describeReview(nickname, review, self) {
  const lines = review.broken.map(({ device, why }) => ({
    line: `A key of ${nickname}'s is not valid (${why}): ignored (${device.name})`,
  }));
  if (review.kind === "changed") {
    const prints = (devices) => devices.map((device) => device.fingerprint).join(", ");
    lines.push({
      line: `Warning: ${nickname}'s key has changed. Pinned: ${prints(review.pinned)}; shown ` +
        `now: ${prints(review.unapproved)}. Nothing is encrypted to the new key until you ` +
        `check it with ${nickname} and type /trust ${nickname}`,
    });
    return lines;
  }
  const who = self ? "Your account" : nickname;
  for (const device of review.added) lines.push({ line: `${who} added a device (${device.name})` });
  for (const device of review.removed) {
    lines.push({ line: `${who} removed a device (${device.name})` });
  }
  for (const device of review.unapproved) {
    lines.push({
      once: `${nicknameKey(nickname)}/${device.id}`,
      line: self
        ? `A device of your account is not approved: ${device.name} (${device.fingerprint}). ` +
          "If it is yours, approve it: /devices, then /approve <n>"
        : `Warning: ${nickname} has a device that is not approved: ${device.name} ` +
          `(${device.fingerprint}). Nothing is sealed to it until ${nickname} approves it ` +
          "from another of their devices",
    });
  }
  return lines;
}

/**
 * The devices a `keys` reply lists; from a server that knows one key per user, that key as its
 * one device (approved).
 */
export async function listedDevices(reply) {
  if (reply.devices !== undefined) return reply.devices;
  if (reply.bundle === undefined) return [];
  const id = await deviceId(reply.bundle.sign).catch(() => "");
  return [{ id, name: "device", bundle: reply.bundle, approved: true }];
}
