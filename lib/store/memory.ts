/**
 * The store in memory: it behaves as the SQLite store does, until the server stops.
 *
 * @module
 */

import type {
  Account,
  HistoryEntry,
  HistoryPage,
  KeepResult,
  KeptMessage,
  NewDevice,
  ServerBan,
  Store,
  StoreBounds,
  StoredDevice,
  StoredRoom,
} from "./store.ts";
import { keptThrough, newChatId } from "./store.ts";

/** A store that keeps everything in memory. */
export class MemoryStore implements Store {
  readonly description: string =
    "Store: in memory (accounts, offline messages and history last until " +
    "the server stops; to keep them, give --data <dir> with --allow-read and --allow-write " +
    "for it, as `deno task server` does)";
  readonly #bounds: StoreBounds;
  readonly #accounts = new Map<string, Account>();
  readonly #kept = new Map<string, KeptMessage[]>();
  readonly #history = new Map<string, HistoryEntry[]>();
  readonly #devices = new Map<string, StoredDevice[]>();
  readonly #chatId = newChatId();
  readonly #rooms = new Map<string, string>();
  readonly #bans = new Map<string, ServerBan>();
  #lastId = 0;

  /** Creates an empty store that keeps within `bounds`. */
  constructor(bounds: StoreBounds) {
    this.#bounds = bounds;
  }

  accountNames(): Promise<string[]> {
    return Promise.resolve([...this.#accounts.values()].map((account) => account.nickname));
  }

  account(key: string): Promise<Account | undefined> {
    const account = this.#accounts.get(key);
    return Promise.resolve(account === undefined ? undefined : { ...account });
  }

  createAccount(key: string, account: Account): Promise<boolean> {
    if (this.#accounts.has(key)) return Promise.resolve(false);
    this.#accounts.set(key, { ...account });
    return Promise.resolve(true);
  }

  setPassword(key: string, passwordHash: string): Promise<boolean> {
    const account = this.#accounts.get(key);
    if (account !== undefined) account.passwordHash = passwordHash;
    return Promise.resolve(account !== undefined);
  }

  devices(key: string): Promise<StoredDevice[]> {
    return Promise.resolve((this.#devices.get(key) ?? []).map((device) => ({ ...device })));
  }

  putDevice(key: string, device: NewDevice): Promise<boolean> {
    if (!this.#accounts.has(key)) return Promise.resolve(false);
    const devices = this.#devices.get(key) ?? [];
    const old = devices.findIndex((each) => each.id === device.id);
    if (old < 0) devices.push({ ...device, acked: 0 });
    else {
      const { added, acked } = devices[old];
      devices[old] = { ...device, added, acked };
    }
    this.#devices.set(key, devices);
    return Promise.resolve(true);
  }

  removeDevice(key: string, id: string): Promise<boolean> {
    const devices = this.#devices.get(key) ?? [];
    const rest = devices.filter((device) => device.id !== id);
    if (rest.length === devices.length) return Promise.resolve(false);
    if (rest.length > 0) {
      this.#devices.set(key, rest);
      this.#drop(key, keptThrough(rest));
    } else this.#devices.delete(key);
    return Promise.resolve(true);
  }

  deleteAccount(key: string): Promise<void> {
    this.#accounts.delete(key);
    this.#kept.delete(key);
    this.#devices.delete(key);
    return Promise.resolve();
  }

  seen(key: string, at: number): Promise<void> {
    const account = this.#accounts.get(key);
    if (account !== undefined) account.lastSeen = at;
    return Promise.resolve();
  }

  keep(key: string, message: Omit<KeptMessage, "id">): Promise<KeepResult> {
    const queue = this.#unexpired(key, message.at);
    if (queue.length >= this.#bounds.offlineMax) {
      return Promise.resolve({ ok: false, reason: "full" });
    }
    const id = ++this.#lastId;
    queue.push({ ...message, id });
    this.#kept.set(key, queue);
    return Promise.resolve({ ok: true, id });
  }

  waiting(key: string, now: number, device?: string): Promise<KeptMessage[]> {
    const acked = this.#devices.get(key)?.find((each) => each.id === device)?.acked ?? 0;
    return Promise.resolve(
      this.#unexpired(key, now).filter((message) => message.id > acked)
        .map((message) => ({ ...message })),
    );
  }

  acknowledge(key: string, id: number, device?: string): Promise<void> {
    const devices = this.#devices.get(key) ?? [];
    if (devices.length === 0) this.#drop(key, id);
    else {
      const acking = devices.find((each) => each.id === device);
      if (acking !== undefined) {
        acking.acked = Math.max(acking.acked, id);
        this.#drop(key, keptThrough(devices));
      }
    }
    return Promise.resolve();
  }

  /** Forgets the messages kept for `key` numbered up to `id`. */
  #drop(key: string, id: number): void {
    const queue = this.#kept.get(key);
    if (queue === undefined) return;
    const rest = queue.filter((message) => message.id > id);
    if (rest.length > 0) this.#kept.set(key, rest);
    else this.#kept.delete(key);
  }

  remember(entry: HistoryEntry): void {
    let entries = this.#history.get(entry.target);
    if (entries === undefined) this.#history.set(entry.target, entries = []);
    entries.push(entry);
    // Trimmed a tenth of the bound at a time, not at every message; reads keep to the bound.
    const max = this.#bounds.historyMax;
    if (entries.length >= max + Math.max(1, Math.floor(max / 10))) {
      entries.splice(0, entries.length - max);
    }
  }

  history(target: string, limit: number, now: number, since?: number): Promise<HistoryPage> {
    const oldest = Math.max(now - this.#bounds.historyMaxAgeMs, since ?? -Infinity);
    const kept = (this.#history.get(target) ?? []).slice(-this.#bounds.historyMax)
      .filter((entry) => entry.at > oldest);
    const entries = limit > 0 ? kept.slice(-limit) : [];
    return Promise.resolve({
      entries: entries.map((entry) => ({ ...entry })),
      earlier: kept.length - entries.length,
    });
  }

  chatId(): Promise<string> {
    return Promise.resolve(this.#chatId);
  }

  rooms(): Promise<StoredRoom[]> {
    return Promise.resolve([...this.#rooms].map(([key, data]) => ({ key, data })));
  }

  room(key: string): Promise<string | undefined> {
    return Promise.resolve(this.#rooms.get(key));
  }

  putRoom(key: string, data: string): Promise<void> {
    this.#rooms.set(key, data);
    return Promise.resolve();
  }

  deleteRoom(key: string): Promise<void> {
    this.#rooms.delete(key);
    return Promise.resolve();
  }

  forgetHistory(target: string): Promise<void> {
    this.#history.delete(target);
    return Promise.resolve();
  }

  serverBans(): Promise<ServerBan[]> {
    return Promise.resolve([...this.#bans.values()].map((ban) => ({ ...ban })));
  }

  putServerBan(ban: ServerBan): Promise<void> {
    this.#bans.set(ban.key, { ...ban });
    return Promise.resolve();
  }

  removeServerBan(key: string): Promise<boolean> {
    return Promise.resolve(this.#bans.delete(key));
  }

  problem(): Promise<string | undefined> {
    // Memory is there as long as the process is.
    return Promise.resolve(undefined);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The messages kept for `key` that have not expired at `now` (the expired are dropped). */
  #unexpired(key: string, now: number): KeptMessage[] {
    const oldest = now - this.#bounds.offlineMaxAgeMs;
    const queue = (this.#kept.get(key) ?? []).filter((message) => message.at > oldest);
    if (queue.length > 0) this.#kept.set(key, queue);
    else this.#kept.delete(key);
    return queue;
  }
}
