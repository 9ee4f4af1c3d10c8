/**
 * UTF-8 and code point helpers for the wires: checking bytes without exceptions, and measuring
 * text without encoding it.
 *
 * @module
 */

/**
 * Whether `bytes` is well-formed UTF-8: no stray continuation bytes, overlong forms,
 * surrogates, or code points past U+10FFFF.
 */
export function isWellFormedUtf8(bytes: Uint8Array): boolean {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    // The allowed range of the second byte, and how many continuation bytes follow in all.
    let low = 0x80, high = 0xbf, count: number;
    if (lead >= 0xc2 && lead <= 0xdf) count = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      count = 2;
      if (lead === 0xe0) low = 0xa0; // overlong
      else if (lead === 0xed) high = 0x9f; // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      count = 3;
      if (lead === 0xf0) low = 0x90; // overlong
      else if (lead === 0xf4) high = 0x8f; // past U+10FFFF
    } else return false;
    if (i + count >= n) return false; // cut short
    const second = bytes[i + 1];
    if (second < low || second > high) return false;
    for (let k = 2; k <= count; k++) {
      const next = bytes[i + k];
      if (next < 0x80 || next > 0xbf) return false;
    }
    i += count + 1;
  }
  return true;
}

/** The number of bytes `text` takes in UTF-8, without encoding it. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** The number of Unicode code points in `text`. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * A UTF-8 check of text that arrives in pieces (a WebSocket message's frames): `push` each piece,
 * then `end`. Well-formed as `isWellFormedUtf8` says, a character cut between pieces included.
 */
export class Utf8Stream {
  /** Continuation bytes still expected for the character under way. */
  #need = 0;
  /** The allowed range of the next byte (narrower than 0x80 to 0xbf right after some leads). */
  #low = 0x80;
  #high = 0xbf;

  /** Checks `bytes`, the next piece: false once anything so far is not well-formed. */
  push(bytes: Uint8Array): boolean {
    let need = this.#need, low = this.#low, high = this.#high;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (need > 0) {
        if (byte < low || byte > high) return false;
        need--;
        low = 0x80;
        high = 0xbf;
        continue;
      }
      if (byte < 0x80) continue;
      if (byte >= 0xc2 && byte <= 0xdf) need = 1;
      else if (byte >= 0xe0 && byte <= 0xef) {
        need = 2;
        if (byte === 0xe0) low = 0xa0; // overlong
        else if (byte === 0xed) high = 0x9f; // surrogates
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        need = 3;
        if (byte === 0xf0) low = 0x90; // overlong
        else if (byte === 0xf4) high = 0x8f; // past U+10FFFF
      } else return false;
    }
    this.#need = need;
    this.#low = low;
    this.#high = high;
    return true;
  }

  /** Whether the text ends where a character ends; the check is then ready for new text. */
  end(): boolean {
    const complete = this.#need === 0;
    this.#need = 0;
    this.#low = 0x80;
    this.#high = 0xbf;
    return complete;
  }
}
