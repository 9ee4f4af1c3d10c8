// @ts-self-types="./opening.d.ts"
/**
 * Opening what others sealed for this device, for `E2eClient`: the session key of a message or
 * file offer found among the envelope's sealed keys (this device's, or a key it replaced), the
 * sender's device checked against those trusted, replays dropped, and, when it cannot be opened,
 * why: in words for this device's user, and in one of the protocol's phrases for the sender
 * (an `unread` notice; not for a replay).
 *
 * @module
 */

import { openBundle, openSession } from "./e2e.js";
import { deviceId, UNREAD_REASONS } from "./device_ids.js";
import { nicknameKey } from "./name_keys.js";

/** Why a message could not be opened when no key in it is this device's. */
const NOT_SEALED_HERE = "it was sealed before this device was approved";
const NOT_APPROVED = NOT_SEALED_HERE + " (approve this device from " +
  "another of yours: /devices, then /approve)";

const REMOVED = "this device was removed from the account";
const OFF = "end-to-end encryption is off on this device";
const CHANGED = "their key has changed";
const NOT_APPROVED_SENDER = "it was sent from a device that is not approved";
const UNKNOWN_SENDER = "their key is not known";
const BAD_KEY = "the key it names is not valid";
export const TAMPERED = "the message was changed, or made with another key";
const NOT_OPENED = "the session key does not open";

/** An error that the message's sender is told of (a replay is not). */
export class Unread extends Error {
  /** `message` for this device's user; `told`, what the sender is told (the same by default). */
  constructor(message, told = message) {
    super(message);
    this.told = told;
  }
}

/** Opening sealed sessions for one device. */
export class Opening {
  #options;
  /** Sessions opened from each peer, by `nickname key/session id`. */
  #incoming = new Map();

  /**
   * `ring()` (this device's keys, or undefined), `nickname()`, `send` (for `unread`),
   * `lookUp(nickname)` (a lookup that reviews what it gets) and `own` (this account's devices:
   * whether this one is approved, or removed).
   */
  constructor(options) {
    this.#options = options;
  }

  /**
   * The session of `envelope` from `nickname` (to `copyTo` when it is the copy of a message this
   * account sent), opened the first time it is seen; throws, saying why, when it cannot be.
   */
  async session(nickname, copyTo, envelope) {
    const ring = this.#options.ring();
    if (ring === undefined) throw new Unread(OFF);
    const from = nicknameKey(nickname);
    const to = nicknameKey(copyTo ?? this.#options.nickname());
    const id = `${from}/${envelope.sid}`;
    let session = this.#incoming.get(id);
    if (session === undefined) {
      const sealed = ring.sealedKeys(envelope);
      if (sealed.length === 0) {
        throw this.#options.own.removed ? new Unread(REMOVED) : new Unread(
          this.#options.own.approved ? NOT_SEALED_HERE : NOT_APPROVED,
          NOT_SEALED_HERE,
        );
      }
      const sender = await this.#senderDevices(nickname, envelope);
      const tries = sealed.flatMap((mine) => sender.map((bundle) => ({ mine, bundle })));
      session = await openFirst(
        tries,
        ({ mine, bundle }) => openSession(mine.identity, from, to, bundle, mine.bundle, mine.key),
      );
      if (session.id !== envelope.sid) {
        throw new Unread("the session key is for another session", NOT_OPENED);
      }
      this.#incoming.set(id, session);
    }
    return { session, from, to };
  }

  /**
   * The bundles of the trusted devices of `nickname` that may have sent `envelope`: the one it
   * names (looked up when not yet trusted), or all of them for an envelope that names none.
   */
  async #senderDevices(nickname, envelope) {
    const id = envelope.bundle &&
      await deviceId(envelope.bundle.sign).catch(() => {
        throw new Unread(BAD_KEY);
      });
    const trusted = () => {
      const devices = this.#options.ring().peer(nickname)?.pending === undefined
        ? this.#options.ring().peer(nickname)?.devices ?? []
        : [];
      return devices.filter((device) => id === undefined || device.id === id);
    };
    if (this.#options.ring().peer(nickname) === undefined && envelope.bundle !== undefined) {
      // First sight of a sender who may be gone (a kept message): its own key, pinned for now.
      await openBundle(envelope.bundle).catch((error) => {
        throw new Unread(`their key is not valid: ${error.message}`, BAD_KEY);
      });
      const ring = this.#options.ring();
      await ring.exclusive(async () => {
        if (ring.peer(nickname) === undefined) {
          await ring.pin(nickname, [{ bundle: envelope.bundle }], true);
        }
      });
    }
    if (trusted().length === 0) {
      const review = await this.#options.lookUp(nickname);
      if (review?.kind === "changed") throw new Unread(`${CHANGED} (see above)`, CHANGED);
    }
    const devices = trusted();
    if (devices.length === 0) {
      throw this.#options.ring().peer(nickname) === undefined
        ? new Unread(UNKNOWN_SENDER)
        : new Unread(
          `it was sent from a device of ${nickname}'s that is not approved`,
          NOT_APPROVED_SENDER,
        );
    }
    return devices.map((device) => device.bundle);
  }

  /** Tells the sender of `envelope` that this device could not open it (not for a replay). */
  unread(nickname, envelope, error) {
    if (
      !(error instanceof Unread) || nicknameKey(nickname) === nicknameKey(this.#options.nickname())
    ) return;
    const device = this.#options.ring()?.device.name;
    const notice = { type: "unread", to: nickname, t: envelope.t, reason: error.told };
    this.#options.send(device === undefined ? notice : { ...notice, device });
  }

  /**
   * Throws unless `envelope` (opened: known to be genuine, so that a forgery cannot use up a
   * number) is seen for the first time.
   */
  async fresh(nickname, envelope) {
    const ring = this.#options.ring();
    if (!await ring.exclusive(() => ring.accept(nickname, envelope.sid, envelope.n, envelope.t))) {
      throw new Error("it was received before (a replay)");
    }
  }
}

/** The first session that `open` opens with one of `tries`; throws why the last failed. */
async function openFirst(tries, open) {
  let failure;
  for (const each of tries) {
    try {
      return await open(each);
    } catch (error) {
      failure = error;
    }
  }
  throw new Unread(`${NOT_OPENED}: ${failure.message}`, NOT_OPENED);
}

/**
 * The line that tells a sender that a device of `notice.nickname` could not open what it sent
 * (an `unread` notice); `when` is the message's time as the client shows times.
 */
export function describeUnread(notice, when) {
  // Only the protocol's reasons are shown: never words of someone else's in their place.
  const reason = UNREAD_REASONS.includes(notice.reason) ? notice.reason : "for a reason not known";
  const where = notice.device === undefined
    ? "one of their devices"
    : `their device "${notice.device}"`;
  return `${notice.nickname} could not open your private message of ${when} on ${where}: ` +
    reason;
}

/**
 * The line that says a private message (`what`: "A private message from Alice", "A file offer
 * from Alice") could not be opened here, and why.
 */
export function describeFailure(what, error) {
  return `${what} could not be opened on this device: ${error.message}`;
}
