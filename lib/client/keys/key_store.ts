/**
 * The terminal client's keys on disk: its identity (a key file, made on first use with mode 0600,
 * its private keys never leaving it but into memory) and the peers it has met (a known-peers file
 * beside it, one per key file: a nickname is a person only on one server). What is done with them
 * is `web/common/e2e_keys.js`'s, which the web page shares.
 *
 * @module
 */

import {
  exportIdentity,
  generateIdentity,
  type Identity,
  importIdentity,
  publicBundle,
} from "../../../web/common/e2e.js";
import { KeyRing, type KnownPeer } from "../../../web/common/e2e_keys.js";
import { nicknameKey } from "../../protocol/values.ts";

/** The folder for key files: `$XDG_CONFIG_HOME/chat/keys`, or `~/.config/chat/keys`. */
export function defaultKeyFolder(env: (name: string) => string | undefined): string | undefined {
  const config = env("XDG_CONFIG_HOME") ?? (env("HOME") && `${env("HOME")}/.config`);
  return config ? `${config}/chat/keys` : undefined;
}

/** The default key file of `nickname` on the server at `host:port`, in `folder`. */
export function defaultKeyFile(
  folder: string,
  nickname: string,
  host: string,
  port: number,
): string {
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

/**
 * Opens the key file `file` (making it, mode 0600 in a folder of mode 0700, when it does not
 * exist) and the known peers beside it, as a key ring that saves its peers there; throws an
 * error saying what failed.
 */
export async function openKeyFile(file: string): Promise<KeyRing> {
  let identity: Identity;
  let saved: string | undefined;
  try {
    saved = await Deno.readTextFile(file);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (saved === undefined) {
    const made = await exportIdentity(await generateIdentity(true));
    await Deno.mkdir(folderOf(file), { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(file, JSON.stringify(made) + "\n", { mode: 0o600, createNew: true });
    // Kept in memory as non-extractable keys.
    identity = await importIdentity(made);
  } else {
    try {
      identity = await importIdentity(JSON.parse(saved));
    } catch (error) {
      throw new Error(`"${file}" is not a key file: ${(error as Error).message}`);
    }
  }
  const peersFile = knownPeersFile(file);
  return new KeyRing({
    identity,
    bundle: await publicBundle(identity),
    peers: await loadPeers(peersFile),
    save: (peers) => savePeers(peersFile, peers),
    place: `key file ${file}`,
  });
}

async function loadPeers(file: string): Promise<KnownPeer[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const peers = JSON.parse(text);
  if (!Array.isArray(peers)) throw new Error(`"${file}" is not a known-peers file`);
  return peers;
}

async function savePeers(file: string, peers: KnownPeer[]): Promise<void> {
  const temporary = `${file}.tmp`;
  await Deno.writeTextFile(temporary, JSON.stringify(peers, null, 1) + "\n", { mode: 0o600 });
  await Deno.rename(temporary, file);
}
