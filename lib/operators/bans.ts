/**
 * The server bans in force: users (an account's or a guest's nickname, by its key) and addresses
 * that operators banned, each until a time or until lifted, at most `MAX_SERVER_BANS` of them.
 * What the store keeps is loaded here; expired bans are dropped when looked up or when `expire`
 * runs. The clock is passed in, so that tests need not wait.
 *
 * @module
 */

import { formatUtc } from "../common/text.ts";
import { nicknameKey } from "../protocol/values.ts";
import type { ServerBan } from "../store/store.ts";

/** Most server bans in force at once: past it, a new one is refused. */
export const MAX_SERVER_BANS = 10_000;

/** The ban key of a user: its nickname's key (an account's, or a guest's nickname). */
export function userBanKey(nickname: string): string {
  return `user:${nicknameKey(nickname)}`;
}

/** An address as bans compare it: an IPv4-mapped IPv6 address as the IPv4 one, in lower case. */
export function normalAddress(ip: string): string {
  const lower = ip.toLowerCase().replace(/^\[|\]$/g, "");
  return lower.startsWith("::ffff:") && lower.includes(".") ? lower.slice(7) : lower;
}

/** The ban key of an address. */
export function addressBanKey(ip: string): string {
  return `address:${normalAddress(ip)}`;
}

/** Whether `text` reads as an IP address (IPv4 dotted, or IPv6 with its colons). */
export function looksLikeAddress(text: string): boolean {
  const ip = normalAddress(text);
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return ip.split(".").every((part) => Number(part) < 256);
  return /^[0-9a-f:.]+$/.test(ip) && (ip.match(/:/g) ?? []).length >= 2 && ip.length <= 45;
}

/** How long a ban lasts, in words: `until 2026-11-30 10:00:00 UTC`, or `until lifted`. */
export function banEnd(ban: Pick<ServerBan, "until">): string {
  return ban.until === undefined ? "until lifted" : `until ${formatUtc(new Date(ban.until))}`;
}

/** What someone refused by `ban` is told: who banned them, until when, and why. */
export function banRefusal(ban: ServerBan): string {
  const why = ban.reason === undefined ? "" : `: ${ban.reason}`;
  return `Banned from this server by an operator (${ban.by}) ${banEnd(ban)}${why}`;
}

/** The bans in force, by key. */
export class ServerBans {
  readonly #now: () => number;
  readonly #bans = new Map<string, ServerBan>();

  /** An empty list, whose bans end by the clock `now` (milliseconds since the epoch). */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** How many bans are kept (some may have ended since the last `expire`). */
  get size(): number {
    return this.#bans.size;
  }

  /** Takes `bans` (as the store kept them) in; those that ended are left out and returned. */
  load(bans: readonly ServerBan[]): ServerBan[] {
    const ended: ServerBan[] = [];
    for (const ban of bans) {
      if (this.#ended(ban)) ended.push(ban);
      else if (this.#bans.size < MAX_SERVER_BANS) this.#bans.set(ban.key, ban);
    }
    return ended;
  }

  /** Whether `ban` may be added: one of its key is replaced; a new one must fit the bound. */
  fits(ban: ServerBan): boolean {
    return this.#bans.has(ban.key) || this.#bans.size < MAX_SERVER_BANS;
  }

  /** Adds `ban` (replacing one of its key); false when there is no room for it. */
  add(ban: ServerBan): boolean {
    if (!this.fits(ban)) return false;
    this.#bans.set(ban.key, ban);
    return true;
  }

  /** Removes the ban of `key`, returning it; undefined when there was none in force. */
  remove(key: string): ServerBan | undefined {
    const ban = this.find(key);
    this.#bans.delete(key);
    return ban;
  }

  /** The ban of `key` in force now, if any (one that has ended is dropped). */
  find(key: string): ServerBan | undefined {
    const ban = this.#bans.get(key);
    if (ban === undefined) return undefined;
    if (!this.#ended(ban)) return ban;
    this.#bans.delete(key);
    return undefined;
  }

  /** The ban of user `nickname` in force, if any. */
  user(nickname: string): ServerBan | undefined {
    return this.find(userBanKey(nickname));
  }

  /** The ban of address `ip` in force, if any. */
  address(ip: string): ServerBan | undefined {
    return this.find(addressBanKey(ip));
  }

  /** Drops the bans that have ended, and returns them. */
  expire(): ServerBan[] {
    const ended = [...this.#bans.values()].filter((ban) => this.#ended(ban));
    for (const ban of ended) this.#bans.delete(ban.key);
    return ended;
  }

  /** When the next timed ban ends (ms since the epoch), or undefined when none is timed. */
  nextEnd(): number | undefined {
    let next: number | undefined;
    for (const ban of this.#bans.values()) {
      if (ban.until !== undefined && (next === undefined || ban.until < next)) next = ban.until;
    }
    return next;
  }

  #ended(ban: ServerBan): boolean {
    return ban.until !== undefined && ban.until <= this.#now();
  }
}
