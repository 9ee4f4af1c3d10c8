// @ts-self-types="./e2e_keys.d.ts"
/**
 * A chat client's end-to-end keys at work, shared by the terminal client (keys in a file) and the
 * web page (keys in IndexedDB), so that both behave alike: peers' keys looked up, verified and
 * pinned on first use, private messages and file offers sealed and opened, replays dropped, and
 * the `/fingerprint` and `/trust` commands. Where the keys are kept is the caller's: a `KeyRing`
 * is given the identity, the pinned peers and a way to save them.
 *
 * @module
 */

import {
  decryptFileHeader,
  decryptText,
  encryptFileHeader,
  encryptText,
  fileChunks,
  fingerprint,
  newSession,
  openBundle,
  openSession,
  sealSession,
} from "./e2e.js";
import { nicknameKey } from "./name_keys.js";

/** How long a key lookup waits for the server's answer (ms). */
export const KEY_LOOKUP_MS = 5000;
/** Messages sent in one session before its key is renewed. */
export const SESSION_MESSAGES = 1000;
/** Sessions remembered per peer, against replays (those forgotten are known by their time). */
export const REMEMBERED_SESSIONS = 64;

/**
 * One's identity and the peers one has met, pinned on first use as SSH pins hosts: a peer whose
 * key changes is not trusted again until the user says so.
 */
export class KeyRing {
  #peers = new Map();
  #save;

  /**
   * `identity` and its `bundle`; `peers` as `save` last kept them; `place` says where the keys
   * are, for people (`key file ~/x.json`, `kept in this browser`).
   */
  constructor({ identity, bundle, peers, save, place }) {
    this.identity = identity;
    this.bundle = bundle;
    this.place = place;
    this.#save = save;
    for (const peer of peers) this.#peers.set(nicknameKey(peer.nickname), peer);
  }

  /** This client's own fingerprint. */
  ownFingerprint() {
    return fingerprint(this.bundle);
  }

  /** The key to encrypt to for `nickname`: the pinned one, or undefined while none is trusted. */
  trusted(nickname) {
    return this.#peers.get(nicknameKey(nickname))?.bundle;
  }

  /**
   * Records that `nickname` showed `bundle` (already verified): pinned on first sight, known if
   * it is the pinned one, else kept aside as changed until `trust`.
   */
  async saw(nickname, bundle) {
    const print = await fingerprint(bundle);
    const key = nicknameKey(nickname);
    const known = this.#peers.get(key);
    if (known === undefined) {
      this.#peers.set(key, { nickname, bundle, fingerprint: print });
      await this.#save(this.peers);
      return { kind: "new", fingerprint: print };
    }
    if (known.fingerprint === print) return { kind: "known", fingerprint: print };
    if (known.pending?.fingerprint !== print) {
      known.pending = { bundle, fingerprint: print };
      await this.#save(this.peers);
    }
    return { kind: "changed", fingerprint: print, pinned: known.fingerprint };
  }

  /** Trusts the changed key `nickname` showed last; its fingerprint, or undefined if none. */
  async trust(nickname) {
    const known = this.#peers.get(nicknameKey(nickname));
    if (known?.pending === undefined) return undefined;
    known.bundle = known.pending.bundle;
    known.fingerprint = known.pending.fingerprint;
    delete known.pending;
    await this.#save(this.peers);
    return known.fingerprint;
  }

  /**
   * Whether message `n` of session `sid` from `nickname` (pinned), written at `time`, is new: not
   * seen before, in this run or an earlier one. It is then remembered. A peer's messages come in
   * order, so a session needs only its last number and time; the `REMEMBERED_SESSIONS` used last
   * are kept, and of those forgotten only the time of the latest message: a session not known
   * whose message is no later than that is taken as seen.
   */
  async accept(nickname, sid, n, time) {
    const known = this.#peers.get(nicknameKey(nickname));
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
    await this.#save(this.peers);
    return true;
  }

  /** The pinned peers, as `save` keeps them. */
  get peers() {
    return [...this.#peers.values()];
  }
}

/** A client's end-to-end encryption: see the module's comment. */
export class E2eClient {
  #options;
  /** Lookups waiting for the server, by nickname key. */
  #lookups = new Map();
  /** This client's sessions with each peer (by nickname key): new at each login. */
  #outgoing = new Map();
  /** Sessions opened from each peer, by `nickname key/session id`. */
  #incoming = new Map();

  /**
   * `ring` (or `unavailable`, why there is none), `print` for lines to the user, `send` for
   * messages to the server, `nickname()` and `now()`, and `e2eOnly` to refuse rather than send
   * in the clear. Nothing is sent until `start`.
   */
  constructor(options) {
    this.#options = options;
  }

  /** The keys, when this client has them. */
  get ring() {
    return this.#options.ring;
  }

  /**
   * Publishes this client's bundle (once registered, and again at each login): from then on,
   * each conversation gets a new session key.
   */
  start() {
    this.#outgoing.clear();
    if (this.ring !== undefined) this.#options.send({ type: "keys", bundle: this.ring.bundle });
  }

  /** Handles a `keys` message: the answer to a lookup, or to publishing. */
  onKeys(message) {
    const key = nicknameKey(message.nickname);
    const waiting = this.#lookups.get(key);
    if (waiting === undefined) return;
    this.#lookups.delete(key);
    for (const settle of waiting) settle(message);
  }

  /** Ends the lookups still waiting (the session is over). */
  close() {
    const waiting = [...this.#lookups.values()].flat();
    this.#lookups.clear();
    for (const settle of waiting) settle(undefined);
  }

  /**
   * Asks for `nickname`'s bundle, verifies it and pins it: the bundle and its status, or
   * undefined (said) when the peer has none, it does not verify, or no answer came.
   */
  async lookUp(nickname) {
    const ring = this.ring;
    if (ring === undefined) return undefined;
    const reply = await this.#ask(nickname);
    const { print } = this.#options;
    if (reply === undefined) {
      print(`No answer about ${nickname}'s key`);
      return undefined;
    }
    if (reply.bundle === undefined) {
      print(
        `${reply.nickname} has no key: private messages and files to ${reply.nickname} are ` +
          "not end-to-end encrypted",
      );
      return undefined;
    }
    try {
      await openBundle(reply.bundle);
    } catch (error) {
      print(`${reply.nickname}'s key is not valid (${error.message}): ignored`);
      return undefined;
    }
    const status = await ring.saw(reply.nickname, reply.bundle);
    if (status.kind === "changed") {
      print(
        `Warning: ${reply.nickname}'s key has changed. Pinned: ${status.pinned}; shown now: ` +
          `${status.fingerprint}. Nothing is encrypted to the new key until you check it ` +
          `with ${reply.nickname} and type /trust ${reply.nickname}`,
      );
    }
    return { bundle: reply.bundle, status };
  }

  /**
   * The private message to send for `text` to `to`: encrypted end to end when `to` has a key
   * this client trusts; in the clear, with a warning, when `to` has none; undefined (said) when
   * it may not be sent.
   */
  async seal(to, text) {
    const peer = await this.#peerFor(to);
    if (peer === "clear") return { type: "private", to, message: text };
    if (peer === undefined) return undefined;
    const ring = this.ring;
    const from = nicknameKey(this.#options.nickname());
    const peerKey = nicknameKey(to);
    let outgoing = this.#outgoing.get(peerKey);
    if (
      outgoing === undefined || outgoing.session.sent >= SESSION_MESSAGES ||
      outgoing.fingerprint !== peer.status.fingerprint
    ) {
      const session = await newSession();
      const sealed = await sealSession(ring.identity, from, peerKey, peer.bundle, session);
      outgoing = { session, sealed, fingerprint: peer.status.fingerprint };
      this.#outgoing.set(peerKey, outgoing);
    }
    const t = this.#options.now().toISOString();
    const { sid, n, iv, ct } = await encryptText(outgoing.session, from, peerKey, t, text);
    return {
      type: "private",
      to,
      e2e: { v: outgoing.sealed.v, sid, n, t, iv, ct, key: outgoing.sealed, bundle: ring.bundle },
    };
  }

  /**
   * The text and time of an end-to-end private `message`; throws an error saying why it cannot
   * be read (nothing of its content).
   */
  async open(message) {
    const envelope = message.e2e;
    const { session, from, to } = await this.#session(message.nickname, envelope);
    const text = await decryptText(session, from, to, envelope.t, envelope);
    await this.#fresh(message.nickname, envelope);
    return { text, time: new Date(envelope.t) };
  }

  /**
   * For a file `header` offered to `to` as transfer `id`: the offer's `e2e` envelope and the
   * transfer's chunk cipher (a session of its own); "clear" (warned) when `to` has no key;
   * undefined (said) when it may not be sent.
   */
  async sealFile(to, id, header) {
    const peer = await this.#peerFor(to);
    if (peer === "clear" || peer === undefined) return peer;
    const ring = this.ring;
    const from = nicknameKey(this.#options.nickname());
    const peerKey = nicknameKey(to);
    const session = await newSession();
    const key = await sealSession(ring.identity, from, peerKey, peer.bundle, session);
    const t = this.#options.now().toISOString();
    const { sid, n, iv, ct } = await encryptFileHeader(session, from, peerKey, t, id, header);
    return {
      e2e: { v: key.v, sid, n, t, iv, ct, key, bundle: ring.bundle },
      chunks: await fileChunks(session, id),
    };
  }

  /**
   * The file header and chunk cipher of an end-to-end `offer`; throws an error saying why it
   * cannot be read.
   */
  async openFile(offer) {
    const envelope = offer.e2e;
    const { session, from, to } = await this.#session(offer.from, envelope);
    const header = await decryptFileHeader(session, from, to, envelope.t, offer.id, envelope);
    await this.#fresh(offer.from, envelope);
    return { header, chunks: await fileChunks(session, offer.id) };
  }

  /** Carries out `/fingerprint [nickname]` or `/trust nickname`. */
  perform(command) {
    return command.kind === "trust"
      ? this.trust(command.nickname)
      : this.fingerprint(command.nickname);
  }

  /** `/fingerprint [nickname]`: one's own fingerprint, or a peer's (looked up and pinned). */
  async fingerprint(nickname) {
    const { print } = this.#options;
    const ring = this.ring;
    if (ring === undefined) {
      this.#sayOff();
      return;
    }
    if (nickname === undefined || nicknameKey(nickname) === nicknameKey(this.#options.nickname())) {
      print(`Your fingerprint: ${await ring.ownFingerprint()} (${ring.place})`);
      return;
    }
    const peer = await this.lookUp(nickname);
    if (peer === undefined) return;
    const { status } = peer;
    if (status.kind === "new") {
      print(
        `${nickname}'s fingerprint: ${status.fingerprint} (first seen: now pinned; compare it ` +
          `with what ${nickname}'s /fingerprint shows)`,
      );
    } else if (status.kind === "known") {
      print(`${nickname}'s fingerprint: ${status.fingerprint} (pinned)`);
    }
  }

  /** `/trust nickname`: trusts the changed key `nickname` showed last. */
  async trust(nickname) {
    const ring = this.ring;
    if (ring === undefined) {
      this.#sayOff();
      return;
    }
    const trusted = await ring.trust(nickname);
    this.#options.print(
      trusted === undefined
        ? `Nothing to trust: no new key of ${nickname}'s is waiting (see /fingerprint ${nickname})`
        : `You now trust ${nickname}'s new key: ${trusted}`,
    );
  }

  /**
   * The verified, trusted key of `to`; "clear" when a message to `to` goes in the clear (it has
   * no key, or this client has none); undefined (said) when nothing may go to `to`.
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
    const peer = await this.lookUp(to);
    if (peer === undefined) {
      return e2eOnly ? refused(`${to} cannot read an encrypted message`) : "clear";
    }
    if (peer.status.kind === "changed") {
      print(`Not sent: ${to}'s key has changed (see above)`);
      return undefined;
    }
    return peer;
  }

  /**
   * The session of `envelope` from `nickname`, opened the first time it is seen; throws, saying
   * why, when it cannot be.
   */
  async #session(nickname, envelope) {
    const ring = this.ring;
    if (ring === undefined) throw new Error("end-to-end encryption is off here");
    const from = nicknameKey(nickname);
    const to = nicknameKey(this.#options.nickname());
    const id = `${from}/${envelope.sid}`;
    let session = this.#incoming.get(id);
    if (session === undefined) {
      const sender = ring.trusted(nickname) === undefined
        ? await this.#senderKey(nickname, envelope)
        : undefined;
      if (sender?.status.kind === "changed") throw new Error("their key has changed (see above)");
      const bundle = ring.trusted(nickname);
      if (bundle === undefined) throw new Error("their key is not known");
      try {
        session = await openSession(ring.identity, from, to, bundle, ring.bundle, envelope.key);
      } catch (error) {
        // Perhaps the sender has a new key: looking it up says so (and pins nothing new).
        if (sender === undefined && (await this.lookUp(nickname))?.status.kind === "changed") {
          throw new Error("their key has changed (see above)");
        }
        throw new Error(`the session key does not open: ${error.message}`);
      }
      if (session.id !== envelope.sid) throw new Error("the session key is for another session");
      this.#incoming.set(id, session);
    }
    return { session, from, to };
  }

  /**
   * Throws unless `envelope` (opened: known to be genuine, so that a forgery cannot use up a
   * number) is seen for the first time.
   */
  async #fresh(nickname, envelope) {
    if (!await this.ring.accept(nickname, envelope.sid, envelope.n, envelope.t)) {
      throw new Error("it was received before (a replay)");
    }
  }

  /**
   * The key of the sender of `envelope`, seen for the first time: the bundle it carries (checked
   * and pinned, as a lookup would), or else the server's answer.
   */
  async #senderKey(nickname, envelope) {
    if (envelope.bundle === undefined) return await this.lookUp(nickname);
    await openBundle(envelope.bundle);
    return { bundle: envelope.bundle, status: await this.ring.saw(nickname, envelope.bundle) };
  }

  #sayOff() {
    const { unavailable } = this.#options;
    if (unavailable !== undefined) {
      this.#options.print(`End-to-end encryption is off: ${unavailable}`);
    }
  }

  /** Sends a lookup and waits for its answer, at most `KEY_LOOKUP_MS`. */
  #ask(nickname) {
    const key = nicknameKey(nickname);
    return new Promise((resolve) => {
      const settle = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      const timer = setTimeout(() => {
        const left = (this.#lookups.get(key) ?? []).filter((other) => other !== settle);
        if (left.length > 0) this.#lookups.set(key, left);
        else this.#lookups.delete(key);
        resolve(undefined);
      }, KEY_LOOKUP_MS);
      const waiting = this.#lookups.get(key);
      if (waiting === undefined) this.#lookups.set(key, [settle]);
      else waiting.push(settle);
      this.#options.send({ type: "keys", nickname });
    });
  }
}
