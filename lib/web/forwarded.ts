/**
 * Who a web request is from when it comes through a reverse proxy (`--trust-proxy`): the client's
 * address from `X-Forwarded-For` and the page's scheme from `X-Forwarded-Proto`, believed only
 * when the request comes from a trusted proxy. From anyone else these headers are ignored, as
 * anybody can send them.
 *
 * Each proxy appends the address it was reached from to `X-Forwarded-For`, so the list is read
 * from the right: the first address that is not itself a trusted proxy is the client; whatever
 * lies left of it was written by the client and is not believed. A malformed value where the
 * client should be leaves the address of the proxy that connected (the peer).
 *
 * @module
 */

import { formatIp, inRange, type IpRange, parseIp, parseIpRange } from "../common/ip_address.ts";

/** The proxies whose forwarding headers are believed: addresses and CIDR ranges. */
export class TrustedProxies {
  readonly #ranges: IpRange[];

  /** Trusts `proxies` (addresses or ranges such as `10.0.0.0/8`); throws on a malformed one. */
  constructor(proxies: readonly string[]) {
    this.#ranges = proxies.map((text) => {
      const range = parseIpRange(text);
      if (range === undefined) throw new Error(`Not an IP address or range: "${text}"`);
      return range;
    });
  }

  /** Whether any proxy is trusted. */
  get any(): boolean {
    return this.#ranges.length > 0;
  }

  /** Whether the address `bytes` (from `parseIp`) is a trusted proxy's. */
  trusts(bytes: Uint8Array): boolean {
    return this.#ranges.some((range) => inRange(bytes, range));
  }

  /**
   * The client's address for a request from `peer` carrying `forwardedFor` (the
   * `X-Forwarded-For` header, its repeats joined by commas): the peer as it is unless it is a
   * trusted proxy; else the right-most address of the header that is not a trusted proxy
   * (written canonically), the left-most when all are, or the peer when that one is malformed
   * or the header is missing.
   */
  clientAddress(peer: string, forwardedFor: string | null): string {
    const peerBytes = parseIp(peer);
    if (peerBytes === undefined || !this.trusts(peerBytes)) return peer;
    const fallback = formatIp(peerBytes);
    if (forwardedFor === null) return fallback;
    const hops = forwardedFor.split(",").map((hop) => hop.trim());
    let client = fallback;
    for (let i = hops.length - 1; i >= 0; i--) {
      const bytes = hopAddress(hops[i]);
      if (bytes === undefined) return fallback;
      client = formatIp(bytes);
      if (!this.trusts(bytes)) return client;
    }
    return client;
  }

  /**
   * The scheme the client used (`http:` or `https:`), for a request from `peer` that reached this
   * server with `scheme`: `X-Forwarded-Proto`'s first value when `peer` is a trusted proxy and the
   * value is one of the two, else `scheme`.
   */
  clientScheme(peer: string, forwardedProto: string | null, scheme: string): string {
    const peerBytes = parseIp(peer);
    if (forwardedProto === null || peerBytes === undefined || !this.trusts(peerBytes)) {
      return scheme;
    }
    const first = forwardedProto.split(",")[0].trim().toLowerCase();
    return first === "http" || first === "https" ? `${first}:` : scheme;
  }
}

/**
 * The address of one `X-Forwarded-For` entry: a bare address, or with a port (`192.0.2.1:4711`,
 * `[2001:db8::1]:4711`) or brackets as some proxies write it; undefined when malformed.
 */
function hopAddress(hop: string): Uint8Array | undefined {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(hop);
  if (bracketed !== null) return parseIp(bracketed[1]);
  const v4WithPort = /^([\d.]+):\d{1,5}$/.exec(hop);
  return parseIp(v4WithPort === null ? hop : v4WithPort[1]);
}
