/**
 * The client's side of files on disk: whether a name is taken, a file's size and checksum read a
 * block at a time, the same for its end-to-end encrypted form, reading a file in full blocks, and
 * a download's `.part` file and the name it is kept under.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { FileChunks } from "../../../web/common/e2e.js";
import { freeName } from "../../protocol/file_names.ts";

/** Bytes of a file read at a time, for its checksum and its chunks. */
export const READ_BLOCK_BYTES = 1024 * 1024;

/** Whether anything (a file, a folder, a link) is at `path`. */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A new transfer id: 16 random hex digits. */
export function randomId(): string {
  return [...crypto.getRandomValues(new Uint8Array(8))]
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The size and SHA-256 (hex) of the file at `path`, read a block at a time. (node:crypto,
 * which ships with Deno, because WebCrypto cannot hash a stream: it would need the whole file
 * in memory, and takes eight times as long.)
 */
export async function checksum(path: string): Promise<{ size: number; sha256: string }> {
  using file = await Deno.open(path);
  const info = await file.stat();
  if (!info.isFile) throw new Error("not a file");
  const hash = createHash("sha256");
  const block = new Uint8Array(READ_BLOCK_BYTES);
  let size = 0;
  for (let n = await file.read(block); n !== null; n = await file.read(block)) {
    hash.update(block.subarray(0, n));
    size += n;
  }
  return { size, sha256: hash.digest("hex") };
}

/**
 * The SHA-256 (hex) of the first `size` bytes of the file at `path` as they cross the server end
 * to end encrypted: in pieces of `piece` bytes, each encrypted by `chunks`.
 */
export async function encryptedChecksum(
  path: string,
  size: number,
  piece: number,
  chunks: FileChunks,
): Promise<string> {
  using file = await Deno.open(path);
  const hash = createHash("sha256");
  for (let seq = 0; seq * piece < size; seq++) {
    const bytes = new Uint8Array(Math.min(piece, size - seq * piece));
    await readFully(file, bytes);
    hash.update(await chunks.encrypt(seq, bytes));
  }
  return hash.digest("hex");
}

/** Fills `bytes` from `file`; throws when the file ends first. */
export async function readFully(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let filled = 0;
  while (filled < bytes.length) {
    const n = await file.read(bytes.subarray(filled));
    if (n === null) throw new Error("the file got shorter while it was being sent");
    filled += n;
  }
}

/** A `.part` path in `dir` for a download named `name`, clashing with no file nor `.part` file. */
export function freePartPath(dir: string, name: string): string {
  const free = freeName(name, (c) => exists(`${dir}/${c}`) || exists(`${dir}/${c}.part`));
  return `${dir}/${free}.part`;
}

/**
 * Makes the whole `.part` file at `part` the download `name` in `dir` (or `name (1)`, ..., when
 * taken) and removes the `.part` name; the download's path.
 */
export async function keepDownload(part: string, dir: string, name: string): Promise<string> {
  let path: string;
  while (true) {
    path = `${dir}/${freeName(name, (c) => exists(`${dir}/${c}`))}`;
    try {
      // A link never replaces a file that appeared meanwhile, as a rename would.
      await Deno.link(part, path);
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  await Deno.remove(part);
  return path;
}
