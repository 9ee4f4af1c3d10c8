/**
 * Who may come in: the server's cap on connections, and on connections from one address
 * (loopback spared unless asked), counted as connections open and close. A connection may count
 * toward one cap alone: a trusted proxy's connection to the web port counts toward the cap in all
 * when accepted, and its WebSocket toward the cap per address, by the client the proxy names, once
 * its request says who that is.
 *
 * @module
 */

import type { ServerLimits } from "./limits.ts";

/** Whether `ip` is a loopback address (127.0.0.0/8 or ::1, also IPv4-mapped). */
export function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1" || ip.startsWith("::ffff:127.");
}

/** Which caps a connection counts toward. */
export interface Caps {
  /** The cap on connections in all (`--max-clients`). */
  total: boolean;
  /** The cap per address (`--max-per-ip`). */
  perIp: boolean;
}

/** Both caps: what a connection counts toward unless said otherwise. */
export const BOTH_CAPS: Readonly<Caps> = { total: true, perIp: true };

/** The connections let in, counted in all and per address, against the server's caps. */
export class Admission {
  readonly #limits: Pick<ServerLimits, "maxClients" | "maxPerIp" | "limitLoopback">;
  /** Open connections per remote address. */
  readonly #perIp = new Map<string, number>();
  #count = 0;

  /** Counts against `limits`' caps. */
  constructor(limits: Pick<ServerLimits, "maxClients" | "maxPerIp" | "limitLoopback">) {
    this.#limits = limits;
  }

  /** Whether the server holds as many connections as it may. */
  get full(): boolean {
    return this.#count >= this.#limits.maxClients;
  }

  /** Why a new connection from `ip` may not stay (within `caps`), or undefined when it may. */
  problem(ip: string, caps: Readonly<Caps> = BOTH_CAPS): string | undefined {
    const { maxClients, maxPerIp, limitLoopback } = this.#limits;
    if (caps.total && this.#count >= maxClients) {
      return `Server full: ${maxClients} connections already; try again later`;
    }
    if (caps.perIp && maxPerIp > 0 && (limitLoopback || !isLoopback(ip))) {
      if ((this.#perIp.get(ip) ?? 0) >= maxPerIp) {
        return `Too many connections from ${ip}: the limit is ${maxPerIp}`;
      }
    }
    return undefined;
  }

  /** Counts a connection from `ip` that was let in (toward `caps`). */
  opened(ip: string, caps: Readonly<Caps> = BOTH_CAPS): void {
    if (caps.total) this.#count++;
    if (caps.perIp) this.#perIp.set(ip, (this.#perIp.get(ip) ?? 0) + 1);
  }

  /** Counts out a connection from `ip` that was let in (as it was counted, toward `caps`). */
  closed(ip: string, caps: Readonly<Caps> = BOTH_CAPS): void {
    if (caps.total) this.#count--;
    if (!caps.perIp) return;
    const count = (this.#perIp.get(ip) ?? 1) - 1;
    if (count > 0) this.#perIp.set(ip, count);
    else this.#perIp.delete(ip);
  }
}
