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
 * file of an older client for this address. Without the permissions it needs, says which
 * instead of asking.
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
    ? { file: legacy, retired: await sameUserElsewhere(folder, nickname, port, legacy) }
    : undefined;
  try {
    return { ring: await openKeyFile(path, { name: deviceName(), takeOver }) };
  } catch (error) {
    return { unavailable: `cannot use the key file "${path}": ${(error as Error).message}` };
  }
}

/**
 * The other key files an older client made for `nickname` on port `port` under other host names
 * (`localhost`, `127.0.0.1`, the machine's name: likely the same server): kept as retired keys
 * when the file for this address is taken over.
 */
async function sameUserElsewhere(
  folder: string,
  nickname: string,
  port: number,
  taken: string,
): Promise<string[]> {
  const prefix = legacyKeyFile(folder, nickname, "", port).split("@")[0].split("/").pop() + "@";
  const found: string[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      const name = entry.name;
      if (!entry.isFile || !name.startsWith(prefix) || !name.endsWith(`_${port}.json`)) continue;
      if (`${folder}/${name}` !== taken) found.push(`${folder}/${name}`);
    }
  } catch {
    // No folder yet: nothing to take over.
  }
  return found.sort();
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
