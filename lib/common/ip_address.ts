/**
 * IP addresses as text: IPv4 and IPv6 read strictly, written in one canonical form (an
 * IPv4-mapped IPv6 address as its IPv4 address, IPv6 as RFC 5952 writes it), and ranges in CIDR
 * notation, so that two spellings of one address compare equal.
 *
 * @module
 */

/** An address range: the address's bytes (4 or 16) of which the first `bits` must match. */
export interface IpRange {
  /** The address's bytes: 4 for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
  /** How many leading bits an address must share with `bytes` to be in the range. */
  bits: number;
}

/** The 12 bytes before an IPv4 address mapped into IPv6 (`::ffff:a.b.c.d`). */
const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** The 4 bytes of a dotted IPv4 address (no leading zeros, each part 0 to 255), or undefined. */
function parseIpv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    // A leading zero could be read as octal by some programs: refused, not guessed.
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    bytes.push(Number(part));
  }
  return bytes;
}

/** The 16 bytes of an IPv6 address (`::` and a dotted IPv4 tail allowed), or undefined. */
function parseIpv6(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string): number[] | undefined => {
    if (half === "") return [];
    const words: number[] = [];
    const parts = half.split(":");
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1 && part.includes(".")) {
        const v4 = parseIpv4(part);
        if (v4 === undefined) return undefined;
        words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        words.push(parseInt(part, 16));
      } else {
        return undefined;
      }
    }
    return words;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  // A dotted tail is allowed only at the end of the address.
  if (halves.length === 2 && halves[0].includes(".")) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const words = [...head, ...new Array(halves.length === 1 ? 0 : missing).fill(0), ...tail];
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}

/**
 * The bytes of the address `text`: 4 for IPv4 (and for IPv6 that maps an IPv4 address), 16 for
 * other IPv6; undefined for anything else (a name, a zone such as `%eth0`, brackets, a port).
 */
export function parseIp(text: string): Uint8Array | undefined {
  const bytes = text.includes(":") ? parseIpv6(text) : parseIpv4(text);
  if (bytes === undefined) return undefined;
  if (bytes.length === 16 && MAPPED_PREFIX.every((byte, i) => bytes[i] === byte)) {
    return new Uint8Array(bytes.slice(12));
  }
  return new Uint8Array(bytes);
}

/** `bytes` (4 or 16) written canonically: dotted IPv4, or IPv6 as RFC 5952 says. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join(".");
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i] << 8) | bytes[i + 1]);
  // The longest run of two or more zero words (the first of equal runs) becomes "::".
  let start = -1, length = 0;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > length && j - i >= 2) [start, length] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (from: number, to: number) =>
    words.slice(from, to).map((word) => word.toString(16)).join(":");
  return start < 0 ? hex(0, 8) : `${hex(0, start)}::${hex(start + length, 8)}`;
}

/** The address `text` written canonically, or undefined when it is no IP address. */
export function normalizeIp(text: string): string | undefined {
  const bytes = parseIp(text);
  return bytes === undefined ? undefined : formatIp(bytes);
}

/**
 * The range `text`: an address (the range of that address alone) or an address and a prefix
 * length (`10.0.0.0/8`, `2001:db8::/32`); undefined when malformed. A prefix on an IPv4-mapped
 * IPv6 address counts from the IPv4 address's first bit.
 */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf("/");
  const address = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseIp(address);
  if (bytes === undefined) return undefined;
  const max = bytes.length * 8;
  if (slash < 0) return { bytes, bits: max };
  const prefix = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) return undefined;
  const written = Number(prefix);
  // `::ffff:10.0.0.0/104` is `10.0.0.0/8`.
  const bits = bytes.length === 4 && address.includes(":") ? written - 96 : written;
  if (bits < 0 || bits > max) return undefined;
  return { bytes, bits };
}

/** Whether the address `bytes` (from `parseIp`) is in `range`. */
export function inRange(bytes: Uint8Array, range: IpRange): boolean {
  if (bytes.length !== range.bytes.length) return false;
  const whole = Math.floor(range.bits / 8);
  for (let i = 0; i < whole; i++) if (bytes[i] !== range.bytes[i]) return false;
  const rest = range.bits % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[whole] & mask) === (range.bytes[whole] & mask);
}
