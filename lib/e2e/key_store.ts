/**
 * The terminal client's keys on disk: its identity (a key file, made on first use with mode 0600,
 * its private keys never leaving it but into memory) and the peers it has met (a known-peers file
 * beside it, one per key file: a nickname is a person only on one server), pinned on first use
 * as SSH pins hosts. A peer whose key changes is not trusted again
 * until the user says so.
 *
 * @module
 */

import {
  type Bundle,
  exportIdentity,
  fingerprint,
  generateIdentity,
  type Identity,
  importIdentity,
  publicBundle,
} from "../../web/e2e.js";
import { nicknameKey } from "../values.ts";

/** What the client knows of a peer's key. */
export type PeerKeyStatus =
  /** Seen for the first time: now pinned. */
  | { kind: "new"; fingerprint: string }
  /** The key pinned before. */
  | { kind: "known"; fingerprint: string }
  /** Another key than the one pinned: not trusted until `/trust`. */
  | { kind: "changed"; fingerprint: string; pinned: string };

/** One pinned peer, as the known-peers file keeps it. */
interface KnownPeer {
  nickname: string;
  bundle: Bundle;
  fingerprint: string;
  /** A newer key the peer showed, waiting for the user's `/trust`. */
  pending?: { bundle: Bundle; fingerprint: string };
}

/** The folder for key files: `$XDG_CONFIG_HOME/chat/keys`, or `~/.config/chat/keys`. */
export function defaultKeyFolder(env: (name: string) => string | undefined): string | undefined {
  const config = env("XDG_CONFIG_HOME") ?? (env("HOME") && `${env("HOME")}/.config`);
  return config ? `${config}/chat/keys` : undefined;
}

/** The default key file of `nickname` on the server at `host:port`, in `folder`. */
export function defaultKeyFile(folder: string, nickname: string, host: string, port: number) {
  const safe = (text: string) => text.replace(/[^\p{L}\p{N}._-]/gu, "_");
  return `${folder}/${safe(nicknameKey(nickname))}@${safe(host)}_${port}.json`;
}

/** The folder a file is in (`.` for a bare name). */
export function folderOf(file: string): string {
  return file.includes("/") ? file.slice(0, file.lastIndexOf("/")) || "/" : ".";
}

/** The known-peers file of the key file `file`: `alice@host_1.json` → `alice@host_1.peers.json`. */
export function knownPeersFile(file: string): string {
  return `${file.replace(/\.json$/, "")}.peers.json`;
}

/** A client's identity and the peers it knows, kept in `file` and its known-peers file. */
export class KeyStore {
  readonly identity: Identity;
  readonly bundle: Bundle;
  readonly file: string;
  readonly #peersFile: string;
  readonly #peers: Map<string, KnownPeer>;

  private constructor(
    file: string,
    identity: Identity,
    bundle: Bundle,
    peers: Map<string, KnownPeer>,
  ) {
    this.file = file;
    this.identity = identity;
    this.bundle = bundle;
    this.#peersFile = knownPeersFile(file);
    this.#peers = peers;
  }

  /**
   * Opens the key file (making it, mode 0600 in a folder of mode 0700, when it does not exist)
   * and the known peers beside it; throws an error saying what failed.
   */
  static async open(file: string): Promise<KeyStore> {
    let identity: Identity;
    let saved: string | undefined;
    try {
      saved = await Deno.readTextFile(file);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    if (saved === undefined) {
      const made = await generateIdentity(true);
      const saved = await exportIdentity(made);
      await Deno.mkdir(folderOf(file), { recursive: true, mode: 0o700 });
      await Deno.writeTextFile(file, JSON.stringify(saved) + "\n", {
        mode: 0o600,
        createNew: true,
      });
      // Kept in memory as non-extractable keys.
      identity = await importIdentity(saved);
    } else {
      try {
        identity = await importIdentity(JSON.parse(saved));
      } catch (error) {
        throw new Error(`"${file}" is not a key file: ${(error as Error).message}`);
      }
    }
    const store = new KeyStore(file, identity, await publicBundle(identity), new Map());
    await store.#loadPeers();
    return store;
  }

  /** This client's own fingerprint. */
  ownFingerprint(): Promise<string> {
    return fingerprint(this.bundle);
  }

  /** The key to encrypt to for `nickname`: the pinned one, or undefined while none is trusted. */
  trusted(nickname: string): Bundle | undefined {
    return this.#peers.get(nicknameKey(nickname))?.bundle;
  }

  /**
   * Records that `nickname` showed `bundle` (already verified): pinned on first sight, known if
   * it is the pinned one, else kept aside as changed until `trust`.
   */
  async saw(nickname: string, bundle: Bundle): Promise<PeerKeyStatus> {
    const print = await fingerprint(bundle);
    const key = nicknameKey(nickname);
    const known = this.#peers.get(key);
    if (known === undefined) {
      this.#peers.set(key, { nickname, bundle, fingerprint: print });
      await this.#savePeers();
      return { kind: "new", fingerprint: print };
    }
    if (known.fingerprint === print) return { kind: "known", fingerprint: print };
    if (known.pending?.fingerprint !== print) {
      known.pending = { bundle, fingerprint: print };
      await this.#savePeers();
    }
    return { kind: "changed", fingerprint: print, pinned: known.fingerprint };
  }

  /** Trusts the changed key `nickname` showed last; its fingerprint, or undefined if none. */
  async trust(nickname: string): Promise<string | undefined> {
    const known = this.#peers.get(nicknameKey(nickname));
    if (known?.pending === undefined) return undefined;
    known.bundle = known.pending.bundle;
    known.fingerprint = known.pending.fingerprint;
    delete known.pending;
    await this.#savePeers();
    return known.fingerprint;
  }

  async #loadPeers(): Promise<void> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.#peersFile);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    const peers = JSON.parse(text) as KnownPeer[];
    if (!Array.isArray(peers)) throw new Error(`"${this.#peersFile}" is not a known-peers file`);
    for (const peer of peers) this.#peers.set(nicknameKey(peer.nickname), peer);
  }

  async #savePeers(): Promise<void> {
    const text = JSON.stringify([...this.#peers.values()], null, 1) + "\n";
    const temporary = `${this.#peersFile}.tmp`;
    await Deno.writeTextFile(temporary, text, { mode: 0o600 });
    await Deno.rename(temporary, this.#peersFile);
  }
}
