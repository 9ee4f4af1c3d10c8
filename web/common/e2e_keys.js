// @ts-self-types="./e2e_keys.d.ts"
/**
 * A chat client's end-to-end encryption at work, shared by the terminal client (keys in a file)
 * and the web page (keys in IndexedDB), so that both behave alike: a user's devices looked up
 * and reviewed (`peer_devices.js`), private messages and file offers sealed for each trusted
 * device of the recipient and of one's own account and opened by each, replays dropped, what
 * cannot be opened said at both ends, and the `/fingerprint`, `/trust`, `/devices`, `/approve`
 * and `/revoke` commands. The keys themselves are a `KeyRing` (`key_ring.js`).
 *
 * @module
 */

import {
  decryptFileHeader,
  decryptText,
  encryptFileHeader,
  encryptText,
  fileChunks,
  newSession,
  sealSession,
} from "./e2e.js";
import { nicknameKey } from "./name_keys.js";
import { describeReview, listedDevices, reviewDevices, uniqueDevices } from "./peer_devices.js";
import { KeyLookups } from "./key_lookups.js";
import { OwnDevices } from "./own_devices.js";
import { Opening, TAMPERED, Unread } from "./opening.js";

export { KeyRing, REMEMBERED_SESSIONS } from "./key_ring.js";
export { KEY_LOOKUP_MS } from "./key_lookups.js";

/** Messages sent in one session before its key is renewed. */
export const SESSION_MESSAGES = 1000;

/** What a lookup the server refused gives (it says why itself). */
const REFUSED = Symbol("refused");

/** A client's end-to-end encryption: see the module's comment. */
export class E2eClient {
  #options;
  /** Lookups waiting for the server. */
  #lookups;
  /** This device's sessions with each peer (by nickname key): new at each login. */
  #outgoing = new Map();
  /** Opening what others sealed for this device. */
  #opening;
  /** One's own account's devices. */
  #own;
  /** Unapproved devices already warned of, by `nickname key/id`. */
  #warned = new Set();

  /**
   * `ring` (or `unavailable`, why there is none), `print` for lines to the user, `send` for
   * messages to the server, `nickname()` and `now()`, and `e2eOnly` to refuse rather than send
   * in the clear. Nothing is sent until `start`.
   */
  constructor(options) {
    this.#options = { ...options };
    this.#lookups = new KeyLookups(options.send);
    this.#own = new OwnDevices({
      ring: () => this.ring,
      nickname: options.nickname,
      print: options.print,
      send: options.send,
      lookUp: (nickname) => this.lookUp(nickname),
      tell: (nickname, review) => this.#tell(nickname, review, true),
    });
    this.#opening = new Opening({
      ring: () => this.ring,
      nickname: options.nickname,
      send: options.send,
      lookUp: (nickname) => this.lookUp(nickname),
      own: this.#own,
    });
  }

  /** The keys, when this client has them. */
  get ring() {
    return this.#options.ring;
  }

  /** Uses `keys` from now on: `{ring}`, or `{unavailable}` saying why there are none. */
  useKeys(keys) {
    this.#options.ring = keys.ring;
    this.#options.unavailable = keys.unavailable;
  }

  /**
   * Publishes this device's keys (once registered, and again at each login): from then on,
   * each conversation gets a new session key.
   */
  start() {
    this.#outgoing.clear();
    const ring = this.ring;
    if (ring === undefined) return;
    this.#options.send({ type: "keys", bundle: ring.bundle, device: ring.device.name });
  }

  /**
   * Handles a `keys` message: the answer to a lookup; or the list of one's own devices, after
   * publishing or when it changed. An `error` naming a lookup's `ref` ends that lookup.
   */
  onKeys(message) {
    const asked = this.#lookups.answers(message);
    if (message.type === "error") {
      this.#lookups.answer(message);
      return;
    }
    if (this.ring !== undefined && this.#isSelf(message.nickname)) {
      this.#own.listed(message, asked).catch((error) => this.#options.print(error.message));
    }
    this.#lookups.answer(message);
  }

  /** Ends the lookups still waiting (the session is over). */
  close() {
    this.#lookups.close();
  }

  /**
   * Asks for `nickname`'s devices, reviews them and says what changed: the review (see
   * `reviewDevices`), or undefined (said) when the user has no keys or no answer came.
   */
  async lookUp(nickname) {
    const review = await this.#lookUp(nickname);
    return review === REFUSED ? undefined : review;
  }

  /** `lookUp`, but `REFUSED` when the server refused it (and said why). */
  async #lookUp(nickname) {
    if (this.ring === undefined) return undefined;
    const reply = await this.#lookups.ask(nickname);
    const { print } = this.#options;
    if (reply === undefined) {
      print(`No answer about ${nickname}'s key`);
      return undefined;
    }
    if (reply.type === "error") return REFUSED;
    const devices = await listedDevices(reply);
    if (devices.length === 0) {
      print(
        `${reply.nickname} has no key: private messages and files to ${reply.nickname} are ` +
          "not end-to-end encrypted",
      );
      return undefined;
    }
    const self = this.#isSelf(reply.nickname);
    const review = await reviewDevices(this.ring, reply.nickname, devices, self);
    this.#tell(reply.nickname, review, self);
    return review.kind !== "changed" && review.trusted.length === 0 ? undefined : review;
  }

  /** Says what a review found (of each unapproved device, once). */
  #tell(nickname, review, self) {
    for (const { line, once } of describeReview(nickname, review, self)) {
      if (once !== undefined && this.#warned.has(once)) continue;
      if (once !== undefined) this.#warned.add(once);
      this.#options.print(line);
    }
  }

  /**
   * The private message to send for `text` to `to`: encrypted end to end when `to` has devices
   * this client trusts; in the clear, with a warning, when `to` has none; undefined (said) when
   * it may not be sent.
   */
  async seal(to, text) {
    const peer = await this.#peerFor(to);
    if (peer === "clear") return { type: "private", to, message: text };
    if (peer === undefined) return undefined;
    const outgoing = await this.#outgoingTo(to, peer.trusted);
    const from = nicknameKey(this.#options.nickname());
    const t = this.#options.now().toISOString();
    const { sid, n, iv, ct } = await encryptText(outgoing.session, from, nicknameKey(to), t, text);
    return {
      type: "private",
      to,
      e2e: { v: 1, sid, n, t, iv, ct, keys: outgoing.keys, bundle: this.ring.bundle },
    };
  }

  /**
   * This device's session with `to`, its key sealed for each of `devices` and for this
   * account's other trusted devices; new at each login, every `SESSION_MESSAGES` messages, and
   * when the devices change.
   */
  async #outgoingTo(to, devices) {
    const peerKey = nicknameKey(to);
    const recipients = uniqueDevices([...devices, ...this.#ownOthers()]);
    const ids = recipients.map((device) => device.id).sort().join(",");
    let outgoing = this.#outgoing.get(peerKey);
    if (
      outgoing === undefined || outgoing.session.sent >= SESSION_MESSAGES || outgoing.ids !== ids
    ) {
      const session = await newSession();
      outgoing = { session, ids, keys: await this.#sealFor(peerKey, recipients, session) };
      this.#outgoing.set(peerKey, outgoing);
    }
    return outgoing;
  }

  /** `session`'s key sealed for each of `devices`, by device id. */
  async #sealFor(peerKey, devices, session) {
    const from = nicknameKey(this.#options.nickname());
    const keys = {};
    for (const device of devices) {
      keys[device.id] = await sealSession(
        this.ring.identity,
        from,
        peerKey,
        device.bundle,
        session,
      );
    }
    return keys;
  }

  /** This account's other devices that this one trusts (a copy of what it sends goes to them). */
  #ownOthers() {
    const ring = this.ring;
    const own = ring.peer(this.#options.nickname());
    return (own?.devices ?? []).filter((device) => device.id !== ring.device.id);
  }

  /**
   * The text and time of an end-to-end private `message` (one received, or the copy of one this
   * account sent from another device: then `message.to` is set); throws an error saying why it
   * cannot be read (nothing of its content), and tells the sender when that is not a replay.
   */
  async open(message) {
    const envelope = message.e2e;
    try {
      const { session, from, to } = await this.#opening.session(
        message.nickname,
        message.to,
        envelope,
      );
      const text = await decryptText(session, from, to, envelope.t, envelope).catch((error) => {
        throw new Unread(error.message, TAMPERED);
      });
      await this.#opening.fresh(message.nickname, envelope);
      return { text, time: new Date(envelope.t) };
    } catch (error) {
      this.#opening.unread(message.nickname, envelope, error);
      throw error;
    }
  }

  /**
   * For a file `header` offered to `to` as transfer `id`: the offer's `e2e` envelope and the
   * transfer's chunk cipher (a session of its own); "clear" (warned) when `to` has no key;
   * undefined (said) when it may not be sent.
   */
  async sealFile(to, id, header) {
    const peer = await this.#peerFor(to);
    if (peer === "clear" || peer === undefined) return peer;
    const from = nicknameKey(this.#options.nickname());
    const peerKey = nicknameKey(to);
    const session = await newSession();
    const keys = await this.#sealFor(peerKey, peer.trusted, session);
    const t = this.#options.now().toISOString();
    const { sid, n, iv, ct } = await encryptFileHeader(session, from, peerKey, t, id, header);
    return {
      e2e: { v: 1, sid, n, t, iv, ct, keys, bundle: this.ring.bundle },
      chunks: await fileChunks(session, id),
    };
  }

  /**
   * The file header and chunk cipher of an end-to-end `offer`; throws an error saying why it
   * cannot be read, and tells the sender.
   */
  async openFile(offer) {
    const envelope = offer.e2e;
    try {
      const { session, from, to } = await this.#opening.session(offer.from, undefined, envelope);
      const header = await decryptFileHeader(session, from, to, envelope.t, offer.id, envelope)
        .catch((error) => {
          throw new Unread(error.message, TAMPERED);
        });
      await this.#opening.fresh(offer.from, envelope);
      return { header, chunks: await fileChunks(session, offer.id) };
    } catch (error) {
      this.#opening.unread(offer.from, envelope, error);
      throw error;
    }
  }

  /** Carries out `/fingerprint`, `/trust`, `/devices`, `/approve` or `/revoke`. */
  perform(command) {
    switch (command.kind) {
      case "trust":
        return this.trust(command.nickname);
      case "devices":
        return this.devices();
      case "approve":
        return this.approve(command.number);
      case "revoke":
        return this.revoke(command.number);
      default:
        return this.fingerprint(command.nickname);
    }
  }

  /** `/fingerprint [nickname]`: this device's fingerprint, or a user's devices' (pinned). */
  async fingerprint(nickname) {
    const { print } = this.#options;
    const ring = this.ring;
    if (ring === undefined) {
      this.#sayOff();
      return;
    }
    if (nickname === undefined || this.#isSelf(nickname)) {
      print(`Your fingerprint: ${await ring.ownFingerprint()} (${ring.place})`);
      return;
    }
    const review = await this.lookUp(nickname);
    if (review === undefined || review.kind === "changed") return;
    const how = review.kind === "new"
      ? `first seen: now pinned; compare it with what ${nickname}'s /fingerprint shows`
      : "pinned";
    if (review.trusted.length === 1) {
      print(`${nickname}'s fingerprint: ${review.trusted[0].fingerprint} (${how})`);
      return;
    }
    print(`${nickname}'s devices (${how}):`);
    for (const device of review.trusted) print(`  ${device.name}: ${device.fingerprint}`);
  }

  /** `/trust nickname`: trusts the devices `nickname` showed last in place of those pinned. */
  async trust(nickname) {
    const ring = this.ring;
    if (ring === undefined) {
      this.#sayOff();
      return;
    }
    const trusted = await ring.exclusive(() => ring.trust(nickname));
    this.#options.print(
      trusted === undefined
        ? `Nothing to trust: no new key of ${nickname}'s is waiting (see /fingerprint ${nickname})`
        : `You now trust ${nickname}'s new key: ${
          trusted.map((device) => device.fingerprint).join(", ")
        }`,
    );
  }

  /** `/devices`: this account's devices, numbered for `/approve` and `/revoke`. */
  devices() {
    return this.ring === undefined ? this.#sayOff() : this.#own.show();
  }

  /**
   * This account's devices as `/devices` numbers them (for a menu): undefined (said) when there
   * are no keys or no answer.
   */
  deviceList() {
    if (this.ring === undefined) {
      this.#sayOff();
      return Promise.resolve(undefined);
    }
    return this.#own.list();
  }

  /**
   * `/approve n`: approves device `n` of the list `/devices` showed last, or the device of id
   * `which`, from this device (approved itself).
   */
  approve(which) {
    return this.ring === undefined ? this.#sayOff() : this.#own.approve(which);
  }

  /** `/revoke n`: removes device `n` of `/devices` (or of id `which`) from the account. */
  revoke(which) {
    return this.ring === undefined ? this.#sayOff() : this.#own.revoke(which);
  }

  /**
   * The trusted devices of `to`; "clear" when a message to `to` goes in the clear (it has no
   * key, or this client has none); undefined (said) when nothing may go to `to`.
   */
  async #peerFor(to) {
    const { e2eOnly, print } = this.#options;
    const refused = (why) => {
      print(`Not sent: ${why}, and --e2e-only is on`);
      return undefined;
    };
    if (this.ring === undefined) {
      return e2eOnly ? refused("end-to-end encryption is off here") : "clear";
    }
    const peer = await this.#lookUp(to);
    // The server refused the lookup (no such user), and said so: nothing to send.
    if (peer === REFUSED) return undefined;
    if (peer === undefined) {
      return e2eOnly ? refused(`${to} cannot read an encrypted message`) : "clear";
    }
    if (peer.kind === "changed") {
      print(`Not sent: ${to}'s key has changed (see above)`);
      return undefined;
    }
    return peer;
  }

  #isSelf(nickname) {
    return nicknameKey(nickname) === nicknameKey(this.#options.nickname());
  }

  #sayOff() {
    const { unavailable } = this.#options;
    if (unavailable !== undefined) {
      this.#options.print(`End-to-end encryption is off: ${unavailable}`);
    }
  }
}

export { describeFailure, describeUnread } from "./opening.js";
