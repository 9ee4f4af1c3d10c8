/**
 * Where the terminal client's key file is, and whether it may use one. What is done with the keys
 * is `web/common/e2e_keys.js`'s `E2eClient`, which the web page shares.
 *
 * @module
 */

import type { KeyRing } from "../../../web/common/e2e_keys.js";
import { defaultKeyFile, defaultKeyFolder, folderOf, openKeyFile } from "./key_store.ts";

/** The keys a client has, or why it has none. */
export type ClientKeyStore = { ring: KeyRing } | { unavailable: string };

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
    return { ring: await openKeyFile(path) };
  } catch (error) {
    return { unavailable: `cannot use the key file "${path}": ${(error as Error).message}` };
  }
}
