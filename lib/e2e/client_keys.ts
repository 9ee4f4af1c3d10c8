/**
 * The client's side of the keys: where its key file is (and whether it may use one), publishing
 * its bundle once registered, looking up a peer's bundle (verified, then pinned on first use),
 * and the `/fingerprint` and `/trust` commands.
 *
 * @module
 */

import type {
  ClientMessage,
  E2eEnvelope,
  KeyBundle,
  KeysReply,
  PrivateMessage,
  PrivateRequest,
} from "../../protocol.ts";
import {
  decryptText,
  encryptText,
  newSession,
  openBundle,
  openSession,
  ReplayGuard,
  sealSession,
  type Session,
} from "../../web/e2e.js";
import type { ClientUi } from "../session.ts";
import { nicknameKey } from "../values.ts";
import {
  defaultKeyFile,
  defaultKeyFolder,
  folderOf,
  KeyStore,
  type PeerKeyStatus,
} from "./key_store.ts";

/** How long a key lookup waits for the server's answer (ms). */
export const KEY_LOOKUP_MS = 5000;
/** Messages sent in one session before its key is renewed. */
export const SESSION_MESSAGES = 1000;

/** The keys a client has, or why it has none. */
export type ClientKeyStore = { store: KeyStore } | { unavailable: string };

/**
 * Opens the key file: `file` when given, else the default for `nickname` on `host:port` under the
 * user's config folder. Without the permissions it needs, says which instead of asking.
 */
export async function openClientKeys(
  file: string | undefined,
  nickname: string,
  host: string,
  port: number,
): Promise<ClientKeyStore> {
  let path = file;
  if (path === undefined) {
    const env = (name: string) =>
      Deno.permissions.querySync({ name: "env", variable: name }).state === "granted"
        ? Deno.env.get(name)
        : undefined;
    const folder = defaultKeyFolder(env);
    if (folder === undefined) {
      return {
        unavailable: "it keeps your keys under your config folder, and may not read $HOME " +
          "(run with --allow-env=HOME, as deno task client does, or give --keys <file>)",
      };
    }
    path = defaultKeyFile(folder, nickname, host, port);
  }
  const folder = folderOf(path);
  for (const name of ["read", "write"] as const) {
    if (Deno.permissions.querySync({ name, path: folder }).state !== "granted") {
      return {
        unavailable: `it keeps your keys in ${folder}, and needs --allow-read and ` +
          `--allow-write for it (deno task client grants them)`,
      };
    }
  }
  try {
    return { store: await KeyStore.open(path) };
  } catch (error) {
    return { unavailable: `cannot use the key file "${path}": ${(error as Error).message}` };
  }
}

/** What the keys feature needs of the session. */
export interface ClientKeysOptions {
  ui: Pick<ClientUi, "print">;
  send: (message: ClientMessage) => void;
  keys: ClientKeyStore;
  /** This user's nickname, as the server knows it now. */
  nickname: () => string;
  /** The time now (for the time bound into a message). */
  now: () => Date;
  /** Refuse rather than send a private message in the clear. */
  e2eOnly?: boolean;
}

/** A conversation's session as its sender keeps it: the key, and the key sealed for the peer. */
interface Outgoing {
  session: Session;
  sealed: E2eEnvelope["key"];
  /** The fingerprint of the peer's key it was sealed to. */
  fingerprint: string;
}

/** A peer's verified bundle and what the client knows of it. */
export interface PeerKey {
  bundle: KeyBundle;
  status: PeerKeyStatus;
}

/** The keys feature of a session. */
export class ClientKeys {
  readonly #options: ClientKeysOptions;
  /** Lookups waiting for the server, by nickname key. */
  readonly #lookups = new Map<string, Lookup[]>();
  /** This client's sessions with each peer (by nickname key): new at each start. */
  readonly #outgoing = new Map<string, Outgoing>();
  /** Sessions opened from each peer, by `nickname key/session id`. */
  readonly #incoming = new Map<string, Session>();
  readonly #replays = new ReplayGuard();

  /** Creates the feature; nothing is sent until `start`. */
  constructor(options: ClientKeysOptions) {
    this.#options = options;
  }

  /** The key store, when this client has keys. */
  get store(): KeyStore | undefined {
    return "store" in this.#options.keys ? this.#options.keys.store : undefined;
  }

  /** Publishes this client's bundle (once registered, and again on each connection). */
  start(): void {
    const store = this.store;
    if (store !== undefined) this.#options.send({ type: "keys", bundle: store.bundle });
  }

  /** Handles a `keys` message: the answer to a lookup, or to publishing. */
  onKeys(message: KeysReply): void {
    const key = nicknameKey(message.nickname);
    const waiting = this.#lookups.get(key);
    if (waiting === undefined) return;
    this.#lookups.delete(key);
    for (const lookup of waiting) lookup.settle(message);
  }

  /** Ends the lookups still waiting (the session is over). */
  close(): void {
    const waiting = [...this.#lookups.values()].flat();
    this.#lookups.clear();
    for (const lookup of waiting) lookup.settle(undefined);
  }

  /**
   * Asks for `nickname`'s bundle, verifies it and pins it: the bundle and its status, or
   * undefined (said) when the peer has none, it does not verify, or no answer came.
   */
  async lookUp(nickname: string): Promise<PeerKey | undefined> {
    const store = this.store;
    if (store === undefined) return undefined;
    const reply = await this.#ask(nickname);
    const { ui } = this.#options;
    if (reply === undefined) {
      ui.print(`No answer about ${nickname}'s key`);
      return undefined;
    }
    if (reply.bundle === undefined) {
      ui.print(
        `${reply.nickname} has no key: private messages to ${reply.nickname} are not ` +
          "end-to-end encrypted",
      );
      return undefined;
    }
    try {
      await openBundle(reply.bundle);
    } catch (error) {
      ui.print(`${reply.nickname}'s key is not valid (${(error as Error).message}): ignored`);
      return undefined;
    }
    const status = await store.saw(reply.nickname, reply.bundle);
    if (status.kind === "changed") {
      ui.print(
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
   * `to`'s key has changed and is not trusted yet.
   */
  async seal(to: string, text: string): Promise<PrivateRequest | undefined> {
    const clear: PrivateRequest = { type: "private", to, message: text };
    const refused = (why: string) => {
      this.#options.ui.print(`Not sent: ${why}, and --e2e-only is on`);
      return undefined;
    };
    if (this.store === undefined) {
      return this.#options.e2eOnly ? refused("end-to-end encryption is off here") : clear;
    }
    const peer = await this.lookUp(to);
    if (peer === undefined) {
      return this.#options.e2eOnly ? refused(`${to} cannot read an encrypted message`) : clear;
    }
    if (peer.status.kind === "changed") {
      this.#options.ui.print(`Not sent: ${to}'s key has changed (see above)`);
      return undefined;
    }
    const store = this.store;
    const from = nicknameKey(this.#options.nickname());
    const peerKey = nicknameKey(to);
    let outgoing = this.#outgoing.get(peerKey);
    if (
      outgoing === undefined || outgoing.session.sent >= SESSION_MESSAGES ||
      outgoing.fingerprint !== peer.status.fingerprint
    ) {
      const session = await newSession();
      const sealed = await sealSession(store.identity, from, peerKey, peer.bundle, session);
      outgoing = { session, sealed, fingerprint: peer.status.fingerprint };
      this.#outgoing.set(peerKey, outgoing);
    }
    const t = this.#options.now().toISOString();
    const { sid, n, iv, ct } = await encryptText(outgoing.session, from, peerKey, t, text);
    return {
      type: "private",
      to,
      e2e: { v: outgoing.sealed.v, sid, n, t, iv, ct, key: outgoing.sealed, bundle: store.bundle },
    };
  }

  /**
   * The text and time of an end-to-end message `message`; throws an error saying why it cannot
   * be read (nothing of its content).
   */
  async open(
    message: PrivateMessage & { e2e: E2eEnvelope },
  ): Promise<{ text: string; time: Date }> {
    const store = this.store;
    if (store === undefined) throw new Error("end-to-end encryption is off here");
    const envelope = message.e2e;
    const from = nicknameKey(message.nickname);
    const to = nicknameKey(this.#options.nickname());
    const id = `${from}/${envelope.sid}`;
    let session = this.#incoming.get(id);
    if (session === undefined) {
      const sender = store.trusted(message.nickname) === undefined
        ? await this.#senderKey(message.nickname, envelope)
        : undefined;
      if (sender?.status.kind === "changed") throw new Error("their key has changed (see above)");
      const bundle = store.trusted(message.nickname);
      if (bundle === undefined) throw new Error("their key is not known");
      try {
        session = await openSession(store.identity, from, to, bundle, store.bundle, envelope.key);
      } catch (error) {
        // Perhaps the sender has a new key: looking it up says so (and pins nothing new).
        if (
          sender === undefined && (await this.lookUp(message.nickname))?.status.kind === "changed"
        ) {
          throw new Error("their key has changed (see above)");
        }
        throw new Error(`the session key does not open: ${(error as Error).message}`);
      }
      if (session.id !== envelope.sid) throw new Error("the session key is for another session");
      this.#incoming.set(id, session);
    }
    const text = await decryptText(session, from, to, envelope.t, envelope);
    // Checked once it is known to be genuine, so that a forgery cannot use up a number.
    if (!this.#replays.accept(id, envelope.n)) throw new Error("it was received before (a replay)");
    return { text, time: new Date(envelope.t) };
  }

  /**
   * The key of the sender of `envelope`, seen for the first time: the bundle it carries (checked
   * and pinned, as a lookup would), or else the server's answer.
   */
  async #senderKey(nickname: string, envelope: E2eEnvelope): Promise<PeerKey | undefined> {
    if (envelope.bundle === undefined) return await this.lookUp(nickname);
    await openBundle(envelope.bundle);
    return { bundle: envelope.bundle, status: await this.store!.saw(nickname, envelope.bundle) };
  }

  /** Carries out `/fingerprint` or `/trust`. */
  perform(
    command: { kind: "fingerprint"; nickname?: string } | { kind: "trust"; nickname: string },
  ): Promise<void> {
    return command.kind === "trust"
      ? this.trust(command.nickname)
      : this.fingerprint(command.nickname);
  }

  /** `/fingerprint [nickname]`: one's own fingerprint, or a peer's (looked up and pinned). */
  async fingerprint(nickname: string | undefined): Promise<void> {
    const { ui } = this.#options;
    const store = this.store;
    if (store === undefined) {
      this.#sayOff();
      return;
    }
    if (nickname === undefined || nicknameKey(nickname) === nicknameKey(this.#options.nickname())) {
      ui.print(`Your fingerprint: ${await store.ownFingerprint()} (key file ${store.file})`);
      return;
    }
    const peer = await this.lookUp(nickname);
    if (peer === undefined) return;
    const { status } = peer;
    if (status.kind === "new") {
      ui.print(
        `${nickname}'s fingerprint: ${status.fingerprint} (first seen: now pinned; compare it ` +
          `with what ${nickname}'s /fingerprint shows)`,
      );
    } else if (status.kind === "known") {
      ui.print(`${nickname}'s fingerprint: ${status.fingerprint} (pinned)`);
    }
  }

  /** `/trust nickname`: trusts the changed key `nickname` showed last. */
  async trust(nickname: string): Promise<void> {
    const { ui } = this.#options;
    const store = this.store;
    if (store === undefined) {
      this.#sayOff();
      return;
    }
    const trusted = await store.trust(nickname);
    ui.print(
      trusted === undefined
        ? `Nothing to trust: no new key of ${nickname}'s is waiting (see /fingerprint ${nickname})`
        : `You now trust ${nickname}'s new key: ${trusted}`,
    );
  }

  #sayOff(): void {
    const { keys } = this.#options;
    if ("unavailable" in keys) {
      this.#options.ui.print(`End-to-end encryption is off: ${keys.unavailable}`);
    }
  }

  /** Sends a lookup and waits for its answer, at most `KEY_LOOKUP_MS`. */
  #ask(nickname: string): Promise<KeysReply | undefined> {
    const key = nicknameKey(nickname);
    return new Promise((resolve) => {
      const lookup: Lookup = {
        settle: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
      };
      const timer = setTimeout(() => {
        const left = (this.#lookups.get(key) ?? []).filter((other) => other !== lookup);
        if (left.length > 0) this.#lookups.set(key, left);
        else this.#lookups.delete(key);
        resolve(undefined);
      }, KEY_LOOKUP_MS);
      const waiting = this.#lookups.get(key);
      if (waiting === undefined) this.#lookups.set(key, [lookup]);
      else waiting.push(lookup);
      this.#options.send({ type: "keys", nickname });
    });
  }
}

/** A lookup waiting for the server's answer. */
interface Lookup {
  settle: (reply: KeysReply | undefined) => void;
}
