/**
 * File names from other people, made safe: a name only (never a path), nothing that hides or
 * reorders what is shown, nothing a file system treats specially; and a name that does not
 * clash with a file already there.
 *
 * @module
 */

import { utf8ByteLength } from "../common/utf8.ts";

/** Most bytes of a file name in UTF-8 (what most file systems allow). */
export const MAX_NAME_BYTES = 255;

/** What stands in for a name with nothing usable left in it. */
export const STAND_IN_NAME = "file";

/** Names Windows keeps for devices, with or without an extension. */
const DEVICE_NAME = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;

/**
 * `name` as a safe file name: path separators and characters Windows forbids become `_`;
 * control, format and direction-override characters are dropped; no leading dots (so no `..`),
 * no trailing dots or spaces, never a device name, at most 255 bytes (the extension kept);
 * `file` when nothing is left.
 */
export function safeFileName(name: string): string {
  let safe = name.normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, "")
    .replace(/[/\\<>:"|?*]/g, "_")
    .trim()
    .replace(/^\.+/, "")
    .replace(/[. ]+$/, "");
  if (DEVICE_NAME.test(safe)) safe = `_${safe}`;
  safe = cutToBytes(safe, MAX_NAME_BYTES);
  return safe === "" ? STAND_IN_NAME : safe;
}

/** `name` cut to at most `max` UTF-8 bytes at a character boundary, keeping a short extension. */
function cutToBytes(name: string, max: number): string {
  if (utf8ByteLength(name) <= max) return name;
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : "";
  let stem = name.slice(0, name.length - extension.length);
  const room = max - utf8ByteLength(extension);
  while (utf8ByteLength(stem) > room) stem = [...stem].slice(0, -1).join("");
  return stem + extension;
}

/**
 * The first of `name`, `name (1)`, `name (2)`, ... (before the extension) for which `taken`
 * says no: `report.pdf` becomes `report (1).pdf`.
 */
export function freeName(name: string, taken: (candidate: string) => boolean): string {
  if (!taken(name)) return name;
  const dot = name.lastIndexOf(".");
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  for (let n = 1;; n++) {
    const candidate = cutToBytes(`${stem} (${n})${extension}`, MAX_NAME_BYTES);
    if (!taken(candidate)) return candidate;
  }
}
