/**
 * Where the terminal client's key file is, and whether it may use one. What is done with the keys
 * is `web/common/e2e_keys.js`'s `E2eClient`, which the web page shares.
 *
 * @module
 */

import type { KeyRing } from "../../../web/common/key_ring.js";
import {
  defaultKeyFile,
  defaultKeyFolder,
  folderOf,
  legacyKeyFile,
  openKeyFile,
} from "./key_store.ts";

/** The keys a client has, or why it has none. */
export type ClientKeyStore = { ring: KeyRing } | { unavailable: string };

/** Where the client is: the server's address as typed, and the chat's id if it gave one. */
export interface KeyPlace {
  /** The nickname the keys are for. */
  nickname: string;
  /** The chat's id, from the server's `welcome` or `login`; undefined from a server without. */
  chat: string | undefined;
  /** The server's host, as typed. */
  host: string;
  /** The server's port. */
  port: number;
}

/**
 * Opens the key file: `file` when given, else the default for the nickname on the chat (or, with
 * a server that gives no chat id, on `host:port`) under the user's config folder, taking over the
 * files of an older client (per address: this address's, else the latest). Without the
 * permissions it needs, says which instead of asking.
 */
export async function openClientKeys(
  file: string | undefined,
  place: KeyPlace,
  env: (name: string) => string | undefined = grantedEnv,
): Promise<ClientKeyStore> {
  const folder = file === undefined ? defaultKeyFolder(env) : folderOf(file);
  if (folder === undefined) {
    return {
      unavailable: "it keeps your keys under your config folder, and may not read $HOME " +
        "(run with --allow-env=HOME, as deno task client does, or give --keys <file>)",
    };
  }
  for (const name of ["read", "write"] as const) {
    if (Deno.permissions.querySync({ name, path: folder }).state !== "granted") {
      return {
        unavailable: `it keeps your keys in ${folder}, and needs --allow-read and ` +
          `--allow-write for it (deno task client grants them)`,
      };
    }
  }
  const { nickname, chat, host, port } = place;
  const legacy = legacyKeyFile(folder, nickname, host, port);
  const path = file ?? (chat === undefined ? legacy : defaultKeyFile(folder, nickname, chat));
  const takeOver = file === undefined && chat !== undefined
    ? await olderFileFor(folder, nickname, legacy)
    : undefined;
  try {
    return { ring: await openKeyFile(path, { name: deviceName(), takeOver }) };
  } catch (error) {
    return { unavailable: `cannot use the key file "${path}": ${(error as Error).message}` };
  }
}

/**
 * The key files an older client made for `nickname` in `folder`, one per server address
 * (`<nickname>@<host>_<port>.json`), the most recently written first.
 */
async function olderFiles(folder: string, nickname: string): Promise<string[]> {
  const prefix = legacyKeyFile(folder, nickname, "", 0).split("/").pop()!.split("@")[0] + "@";
  const found: { path: string; written: number }[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      const rest = entry.name.slice(prefix.length, -".json".length);
      if (!entry.isFile || !entry.name.startsWith(prefix) || !entry.name.endsWith(".json")) {
        continue;
      }
      // `<host>_<port>`, not a chat's id (22 characters of base64url) nor a known-peers file.
      if (!/^.+_\d{1,5}$/.test(rest) || rest.endsWith(".peers") || CHAT_ID.test(rest)) continue;
      const path = `${folder}/${entry.name}`;
      found.push({ path, written: (await Deno.stat(path)).mtime?.getTime() ?? 0 });
    }
  } catch {
    // No folder yet: nothing to take over.
  }
  return found.sort((a, b) => b.written - a.written).map((file) => file.path);
}

/** A chat's id, as a key file's name holds it. */
const CHAT_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * What a new key file for `nickname` takes over: the older client's file for this address
 * (`legacy`), else its most recent one for any address; the others kept as retired keys.
 */
async function olderFileFor(
  folder: string,
  nickname: string,
  legacy: string,
): Promise<{ file: string; retired: string[] } | undefined> {
  const older = await olderFiles(folder, nickname);
  if (older.length === 0) return undefined;
  const file = older.includes(legacy) ? legacy : older[0];
  return { file, retired: older.filter((path) => path !== file) };
}

/** The environment variable `name`, when the client may read it. */
function grantedEnv(name: string): string | undefined {
  return Deno.permissions.querySync({ name: "env", variable: name }).state === "granted"
    ? Deno.env.get(name)
    : undefined;
}

/** This device's name for people: `terminal on <host name>` when the host name may be read. */
export function deviceName(): string {
  const granted = Deno.permissions.querySync({ name: "sys", kind: "hostname" }).state === "granted";
  return granted ? `terminal on ${Deno.hostname()}`.slice(0, 64) : "terminal";
}
