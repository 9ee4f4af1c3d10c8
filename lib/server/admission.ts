/**
 * Who may come in: the server's cap on connections, and on connections from one address
 * (loopback spared unless asked), counted as connections open and close.
 *
 * @module
 */

import type { ServerLimits } from "./limits.ts";

/** Whether `ip` is a loopback address (127.0.0.0/8 or ::1, also IPv4-mapped). */
export function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1" || ip.startsWith("::ffff:127.");
}

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

  /** Why a new connection from `ip` may not stay, or undefined when it may. */
  problem(ip: string): string | undefined {
    const { maxClients, maxPerIp, limitLoopback } = this.#limits;
    if (this.#count >= maxClients) {
      return `Server full: ${maxClients} connections already; try again later`;
    }
    if (maxPerIp > 0 && (limitLoopback || !isLoopback(ip))) {
      if ((this.#perIp.get(ip) ?? 0) >= maxPerIp) {
        return `Too many connections from ${ip}: the limit is ${maxPerIp}`;
      }
    }
    return undefined;
  }

  /** Counts a connection from `ip` that was let in. */
  opened(ip: string): void {
    this.#count++;
    this.#perIp.set(ip, (this.#perIp.get(ip) ?? 0) + 1);
  }

  /** Counts out a connection from `ip` that was let in. */
  closed(ip: string): void {
    this.#count--;
    const count = (this.#perIp.get(ip) ?? 1) - 1;
    if (count > 0) this.#perIp.set(ip, count);
    else this.#perIp.delete(ip);
  }
}
