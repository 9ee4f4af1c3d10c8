/**
 * A node's users in short: their count and a hash of who they are, the rooms each is in and the
 * key bundle each published. Every node publishes the digest of its own users now and then, and
 * every other node compares it with the digest of what it believes of that node: when the two
 * differ (a message was lost, a race, a node deaf for a while), it asks for the full state. So
 * the nodes' views converge on their own, whatever went wrong.
 *
 * @module
 */

import { nicknameKey, roomKey } from "../protocol/values.ts";

/** One user as a digest counts it. */
export interface DigestEntry {
  /** Its nickname, as its node last said. */
  nickname: string;
  /** The rooms it is in, by name. */
  rooms: Iterable<string>;
  /** The signature of its key bundle, once it published one. */
  bundle?: string;
}

/** A node's users in short. */
export interface Digest {
  /** How many users. */
  count: number;
  /** A hash of who they are, their rooms and bundles: 16 hex digits. */
  hash: string;
}

/** The digest of `entries`, whatever their order. */
export function digestOf(entries: Iterable<DigestEntry>): Digest {
  const lines = [...entries].map((entry) =>
    [
      nicknameKey(entry.nickname),
      entry.nickname,
      [...entry.rooms].map(roomKey).sort().join("\u0001"),
      entry.bundle ?? "",
    ].join("\u0000")
  ).sort();
  return { count: lines.length, hash: hash64(lines.join("\u0002")) };
}

/** Whether two digests say the same. */
export function sameDigest(a: Digest, b: Digest): boolean {
  return a.count === b.count && a.hash === b.hash;
}

/** FNV-1a over the text's UTF-16 units, in two 32-bit lanes of different seeds: 16 hex digits. */
function hash64(text: string): string {
  let low = 0x811c9dc5;
  let high = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    low = Math.imul(low ^ unit, 0x01000193);
    high = Math.imul(high ^ unit, 0x01000193) ^ (low >>> 15);
  }
  const hex = (value: number) => (value >>> 0).toString(16).padStart(8, "0");
  return hex(high) + hex(low);
}
