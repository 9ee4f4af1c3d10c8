/**
 * The terminal client's keys on disk: this device's identity (a key file, made on first use with
 * mode 0600, its private keys never leaving it but into memory) and the peers it has met (a
 * known-peers file beside it, one per key file: a nickname is a person only on one chat). A key
 * file is per nickname and chat id, so that the same chat at another address, port or node uses
 * the same keys; files made before chat ids (per address) are taken over. What is done with them
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
import { KeyRing, type KnownPeer } from "../../../web/common/key_ring.js";
import type { KeyBundle } from "../../../protocol.ts";
import { nicknameKey } from "../../protocol/values.ts";

/** The folder for key files: `$XDG_CONFIG_HOME/chat/keys`, or `~/.config/chat/keys`. */
export function defaultKeyFolder(env: (name: string) => string | undefined): string | undefined {
  const config = env("XDG_CONFIG_HOME") ?? (env("HOME") && `${env("HOME")}/.config`);
  return config ? `${config}/chat/keys` : undefined;
}

/** A name made safe for a file name. */
function safe(text: string): string {
  return text.replace(/[^\p{L}\p{N}._-]/gu, "_");
}

/**
 * The default key file of `nickname` on the chat whose id is `chat` (the same at any address,
 * port or node), in `folder`.
 */
export function defaultKeyFile(folder: string, nickname: string, chat: string): string {
  return `${folder}/${safe(nicknameKey(nickname))}@${safe(chat)}.json`;
}

/**
 * The key file clients made before chats had ids, per nickname and server address: taken over
 * by `openKeyFile`, and still used with a server that gives no chat id.
 */
export function legacyKeyFile(
  folder: string,
  nickname: string,
  host: string,
  port: number,
): string {
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

/** How a key file is opened. */
export interface KeyFileOptions {
  /** This device's name for people (`terminal on <host>`). */
  name: string;
  /**
   * When `file` does not exist yet: a key file of before chat ids to take over (copied, with
   * its known peers), and others of the same user to keep as retired keys (still good for what
   * was sealed to them).
   */
  takeOver?: { file: string; retired: string[] };
}

/**
 * Opens the key file `file` (making it, mode 0600 in a folder of mode 0700, when it does not
 * exist: taken over from an older one, or new) and the known peers beside it, as a key ring that
 * saves its peers there; throws an error saying what failed.
 */
export async function openKeyFile(file: string, options: KeyFileOptions): Promise<KeyRing> {
  let saved = await readIfThere(file);
  if (saved === undefined) {
    saved = await makeKeyFile(file, options.takeOver);
  }
  let identity: Identity;
  const retired: { identity: Identity; bundle: KeyBundle }[] = [];
  try {
    const parsed = JSON.parse(saved);
    identity = await importIdentity(parsed);
    for (const old of Array.isArray(parsed.retired) ? parsed.retired : []) {
      const key = await importIdentity(old);
      retired.push({ identity: key, bundle: await publicBundle(key) });
    }
  } catch (error) {
    throw new Error(`"${file}" is not a key file: ${(error as Error).message}`);
  }
  const peersFile = knownPeersFile(file);
  return await KeyRing.open({
    identity,
    bundle: await publicBundle(identity),
    name: options.name,
    retired,
    peers: await loadPeers(peersFile),
    save: (peers) => savePeers(peersFile, peers),
    place: `key file ${file}`,
  });
}

async function readIfThere(file: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Makes key file `file`: the older one `takeOver` names (its known peers copied too, other old
 * files of the user kept as retired keys), or a new identity. Its text.
 */
async function makeKeyFile(file: string, takeOver: KeyFileOptions["takeOver"]): Promise<string> {
  const old = takeOver && await readIfThere(takeOver.file);
  let made;
  if (old !== undefined) {
    made = JSON.parse(old);
    const retired = [];
    for (const other of takeOver!.retired) {
      const text = await readIfThere(other);
      if (text !== undefined) retired.push(JSON.parse(text));
    }
    if (retired.length > 0) made.retired = retired;
  } else {
    made = await exportIdentity(await generateIdentity(true));
  }
  const text = JSON.stringify(made) + "\n";
  await Deno.mkdir(folderOf(file), { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(file, text, { mode: 0o600, createNew: true });
  const peers = takeOver && old !== undefined
    ? await readIfThere(knownPeersFile(takeOver.file))
    : undefined;
  if (peers !== undefined) {
    await Deno.writeTextFile(knownPeersFile(file), peers, { mode: 0o600 });
  }
  return text;
}

async function loadPeers(file: string): Promise<unknown[]> {
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
