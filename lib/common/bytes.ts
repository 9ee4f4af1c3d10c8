/**
 * Small helpers for byte arrays.
 *
 * @module
 */

/** Joins byte arrays whose lengths add up to `length` into one. */
export function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
