/**
 * The store in one SQLite database file (`chat.db` in the data directory), through the
 * `node:sqlite` that ships with Deno: WAL mode, prepared statements, and the writes of one turn of
 * the event loop gathered into one transaction. One server holds a database at a time (a lock
 * file beside it, `chat.db.lock`); other processes may read it meanwhile, as the backup tool
 * does. The schema and its migrations are `sqlite_schema.ts`'s. It runs past 450 lines because
 * it is every method of the `Store` interface, each a statement or two, side by side with the one
 * commit they share.
 *
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  type Account,
  type HistoryEntry,
  type HistoryPage,
  type KeepResult,
  type KeptMessage,
  keptThrough,
  newChatId,
  type NewDevice,
  type ServerBan,
  serverBanOf,
  type Store,
  type StoreBounds,
  type StoredDevice,
  type StoredRoom,
} from "./store.ts";
import { migrate } from "./sqlite_schema.ts";

/** The database file's name in the data directory. */
export const DATABASE_FILE = "chat.db";

/** The lock file beside the database: `chat.db.lock`. */
const LOCK_SUFFIX = ".lock";

/** How often expired messages are deleted, at most (ms). */
const EXPIRY_PERIOD_MS = 60_000;

/** How a SQLite store is opened. */
export interface SqliteStoreOptions {
  /** How much the store keeps. */
  bounds: StoreBounds;
  /** Told of a commit that failed (nobody waits for history). */
  onError?: (error: Error) => void;
  /** The clock for deleting expired messages. */
  now?: () => number;
}

/** A write waiting for the turn's commit. */
interface PendingWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

type Row = Record<string, unknown>;

/**
 * Takes the lock file at `path`, or throws when another server holds it. The database itself is
 * left to SQLite's usual locks, so that other processes may read it while the server runs (a
 * backup, `sqlite3`); the lock file keeps out a second server, which would write beside it.
 */
function holdLock(path: string): Deno.FsFile {
  const file = Deno.openSync(path, { read: true, write: true, create: true });
  if (file.tryLockSync(true)) return file;
  file.close();
  throw new Error("database is locked: another server uses this data directory");
}

/** A store in a SQLite database file. */
export class SqliteStore implements Store {
  readonly description: string;
  readonly #db: DatabaseSync;
  /** The lock file, held while open: one server per database. */
  readonly #lock: Deno.FsFile;
  readonly #bounds: StoreBounds;
  readonly #onError: (error: Error) => void;
  readonly #now: () => number;
  readonly #statements = new Map<string, StatementSync>();
  #writes: PendingWrite[] = [];
  /** History to add at this turn's commit (nobody waits for it: no promise each). */
  #remembered: HistoryEntry[] = [];
  /** Entries added per history target since it was last trimmed to its bound. */
  readonly #untrimmed = new Map<string, number>();
  #commitTimer: ReturnType<typeof setTimeout> | undefined;
  #lastExpiry = 0;
  #closed = false;
  /** The database file, and its inode as opened (another file put in its place is not it). */
  readonly #path: string;
  readonly #inode: number | null;
  /** Why the last commit failed, until one succeeds. */
  #failure: string | undefined;

  /**
   * Opens (or creates) the store in directory `dir`, holding it alone until closed. Throws an
   * error saying what is wrong when the directory or database cannot be used.
   */
  constructor(dir: string, options: SqliteStoreOptions) {
    this.#bounds = options.bounds;
    this.#onError = options.onError ?? (() => {});
    this.#now = options.now ?? Date.now;
    const path = `${dir.replace(/\/+$/, "") || "/"}/${DATABASE_FILE}`;
    this.description = `Store: ${path} (SQLite)`;
    Deno.mkdirSync(dir, { recursive: true });
    // One server per database: a second one fails here, not later.
    this.#lock = holdLock(`${path}${LOCK_SUFFIX}`);
    try {
      this.#db = new DatabaseSync(path);
    } catch (error) {
      this.#lock.close();
      throw error;
    }
    try {
      this.#db.exec("PRAGMA journal_mode = WAL");
      // Durable when the process dies (kill -9); a power cut may lose the last commits.
      this.#db.exec("PRAGMA synchronous = NORMAL");
      migrate(this.#db, this.#now);
    } catch (error) {
      this.#db.close();
      this.#lock.close();
      throw error;
    }
    this.#path = path;
    this.#inode = Deno.statSync(path).ino;
  }

  /** The schema version of the database. */
  get version(): number {
    return this.#get("PRAGMA user_version")!.user_version as number;
  }

  accountNames(): Promise<string[]> {
    return this.#read(() =>
      this.#all("SELECT nickname FROM accounts ORDER BY created").map((row) =>
        row.nickname as string
      )
    );
  }

  account(key: string): Promise<Account | undefined> {
    return this.#read(() => {
      const row = this.#get(
        "SELECT nickname, password_hash, created, last_seen FROM accounts " +
          "WHERE key = ?",
        key,
      );
      if (row === undefined) return undefined;
      const account: Account = {
        nickname: row.nickname as string,
        passwordHash: row.password_hash as string,
        created: row.created as number,
        lastSeen: row.last_seen as number,
      };
      return account;
    });
  }

  createAccount(key: string, account: Account): Promise<boolean> {
    return this.#write(() =>
      this.#run(
        "INSERT OR IGNORE INTO accounts (key, nickname, password_hash, created, last_seen) " +
          "VALUES (?, ?, ?, ?, ?)",
        key,
        account.nickname,
        account.passwordHash,
        account.created,
        account.lastSeen,
      ).changes === 1
    );
  }

  setPassword(key: string, passwordHash: string): Promise<boolean> {
    return this.#write(() =>
      this.#run("UPDATE accounts SET password_hash = ? WHERE key = ?", passwordHash, key)
        .changes === 1
    );
  }

  devices(key: string): Promise<StoredDevice[]> {
    return this.#read(() => this.#devices(key));
  }

  putDevice(key: string, device: NewDevice): Promise<boolean> {
    return this.#write(() => {
      if (this.#get("SELECT 1 AS yes FROM accounts WHERE key = ?", key) === undefined) return false;
      this.#run(
        "INSERT INTO devices (account, id, name, bundle, approved, by_key, sig, added) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, id) DO UPDATE SET " +
          "name = excluded.name, bundle = excluded.bundle, approved = excluded.approved, " +
          "by_key = excluded.by_key, sig = excluded.sig",
        key,
        device.id,
        device.name,
        device.bundle,
        device.approved ? 1 : 0,
        device.by ?? null,
        device.sig ?? null,
        device.added,
      );
      return true;
    });
  }

  removeDevice(key: string, id: string): Promise<boolean> {
    return this.#write(() => {
      const removed =
        this.#run("DELETE FROM devices WHERE account = ? AND id = ?", key, id).changes === 1;
      const rest = this.#devices(key);
      if (removed && rest.length > 0) this.#dropKept(key, keptThrough(rest));
      return removed;
    });
  }

  deleteAccount(key: string): Promise<void> {
    return this.#write(() => {
      this.#run("DELETE FROM accounts WHERE key = ?", key);
      this.#run("DELETE FROM offline WHERE recipient = ?", key);
      this.#run("DELETE FROM devices WHERE account = ?", key);
    });
  }

  seen(key: string, at: number): Promise<void> {
    return this.#write(() => {
      this.#run("UPDATE accounts SET last_seen = ? WHERE key = ?", at, key);
    });
  }

  keep(key: string, message: Omit<KeptMessage, "id">): Promise<KeepResult> {
    return this.#write((): KeepResult => {
      const oldest = message.at - this.#bounds.offlineMaxAgeMs;
      this.#run("DELETE FROM offline WHERE recipient = ? AND at <= ?", key, oldest);
      const count = this.#get("SELECT count(*) AS n FROM offline WHERE recipient = ?", key)!
        .n as number;
      if (count >= this.#bounds.offlineMax) return { ok: false, reason: "full" };
      const { lastInsertRowid } = this.#run(
        "INSERT INTO offline (recipient, sender, text, timestamp, at, e2e, notice) " +
          "VALUES (?, ?, ?, ?, ?, ?, ?)",
        key,
        message.from,
        message.text,
        message.timestamp,
        message.at,
        message.e2e ?? null,
        message.notice ?? null,
      );
      return { ok: true, id: Number(lastInsertRowid) };
    });
  }

  waiting(key: string, now: number, device?: string): Promise<KeptMessage[]> {
    return this.#read(() =>
      this.#all(
        "SELECT id, sender, text, timestamp, at, e2e, notice FROM offline " +
          "WHERE recipient = ? AND at > ? AND id > ? ORDER BY id",
        key,
        now - this.#bounds.offlineMaxAgeMs,
        device === undefined ? 0 : this.#cursor(key, device),
      ).map((row) => {
        const kept: KeptMessage = {
          id: row.id as number,
          from: row.sender as string,
          text: row.text as string,
          timestamp: row.timestamp as string,
          at: row.at as number,
        };
        if (row.e2e !== null) kept.e2e = row.e2e as string;
        if (row.notice !== null) kept.notice = row.notice as string;
        return kept;
      })
    );
  }

  acknowledge(key: string, id: number, device?: string): Promise<void> {
    return this.#write(() => {
      const devices = this.#devices(key);
      if (devices.length === 0) {
        this.#dropKept(key, id);
        return;
      }
      const acking = devices.find((each) => each.id === device);
      if (acking === undefined) return;
      acking.acked = Math.max(acking.acked, id);
      this.#run(
        "UPDATE devices SET acked = ? WHERE account = ? AND id = ?",
        acking.acked,
        key,
        acking.id,
      );
      this.#dropKept(key, keptThrough(devices));
    });
  }

  chatId(): Promise<string> {
    return this.#write(() => {
      this.#run("INSERT OR IGNORE INTO meta (key, value) VALUES ('chat', ?)", newChatId());
      return this.#get("SELECT value FROM meta WHERE key = 'chat'")!.value as string;
    });
  }

  rooms(): Promise<StoredRoom[]> {
    return this.#read(() =>
      this.#all("SELECT key, data FROM rooms ORDER BY key").map((row) => ({
        key: row.key as string,
        data: row.data as string,
      }))
    );
  }

  room(key: string): Promise<string | undefined> {
    return this.#read(() =>
      this.#get("SELECT data FROM rooms WHERE key = ?", key)?.data as string | undefined
    );
  }

  putRoom(key: string, data: string): Promise<void> {
    return this.#write(() => {
      this.#run("INSERT OR REPLACE INTO rooms (key, data) VALUES (?, ?)", key, data);
    });
  }

  deleteRoom(key: string): Promise<void> {
    return this.#write(() => {
      this.#run("DELETE FROM rooms WHERE key = ?", key);
    });
  }

  forgetHistory(target: string): Promise<void> {
    // History remembered this turn is inserted before the writes: it goes too.
    return this.#write(() => {
      this.#run("DELETE FROM history WHERE target = ?", target);
      this.#untrimmed.delete(target);
    });
  }

  remember(entry: HistoryEntry): void {
    if (this.#closed) return;
    this.#remembered.push(entry);
    this.#commitTimer ??= setTimeout(() => this.#commit(), 0);
  }

  history(target: string, limit: number, now: number, since?: number): Promise<HistoryPage> {
    return this.#read(() => {
      const oldest = Math.max(now - this.#bounds.historyMaxAgeMs, since ?? -Infinity);
      // Trimming lags a little behind (see #trim): what is read keeps to the bound exactly.
      const max = this.#bounds.historyMax;
      const count = this.#get(
        "SELECT count(*) AS n FROM (SELECT 1 FROM history WHERE target = ? AND at > ? " +
          "ORDER BY id DESC LIMIT ?)",
        target,
        oldest,
        max,
      )!.n as number;
      const rows = limit <= 0 ? [] : this.#all(
        "SELECT room, nickname, text, timestamp, at FROM history " +
          "WHERE target = ? AND at > ? ORDER BY id DESC LIMIT ?",
        target,
        oldest,
        Math.min(limit, max),
      );
      const entries: HistoryEntry[] = rows.reverse().map((row) => ({
        target,
        room: (row.room as string | null) ?? undefined,
        nickname: row.nickname as string,
        text: row.text as string,
        timestamp: row.timestamp as string,
        at: row.at as number,
      }));
      return { entries, earlier: count - entries.length };
    });
  }

  serverBans(): Promise<ServerBan[]> {
    return this.#read(() =>
      this.#all("SELECT key, target, by_name, reason, at, until FROM server_bans").map((row) =>
        serverBanOf({ ...row, by: row.by_name })!
      )
    );
  }

  putServerBan(ban: ServerBan): Promise<void> {
    return this.#write(() => {
      this.#run(
        "INSERT OR REPLACE INTO server_bans (key, target, by_name, reason, at, until) " +
          "VALUES (?, ?, ?, ?, ?, ?)",
        ban.key,
        ban.target,
        ban.by,
        ban.reason ?? null,
        ban.at,
        ban.until ?? null,
      );
    });
  }

  removeServerBan(key: string): Promise<boolean> {
    return this.#write(() => this.#run("DELETE FROM server_bans WHERE key = ?", key).changes > 0);
  }

  async problem(): Promise<string | undefined> {
    if (this.#closed) return "the store is closed";
    let inode: number | null;
    try {
      inode = Deno.statSync(this.#path).ino;
    } catch {
      return `the database file "${this.#path}" is gone`;
    }
    if (inode !== this.#inode) return `the database file "${this.#path}" was replaced`;
    let version: number;
    try {
      version = this.version;
    } catch (error) {
      return `the store cannot be read: ${(error as Error).message}`;
    }
    if (this.#failure === undefined) return undefined;
    // Writing again (a change to nothing) tells when the store works again, a full disk freed.
    await this.#write(() => this.#run(`PRAGMA user_version = ${version}`)).catch(() => {});
    return this.#failure === undefined ? undefined : `the store cannot write: ${this.#failure}`;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#commit();
    this.#closed = true;
    this.#db.close();
    this.#lock.close();
    return Promise.resolve();
  }

  #devices(key: string): StoredDevice[] {
    return this.#all(
      "SELECT id, name, bundle, approved, by_key, sig, added, acked FROM devices " +
        "WHERE account = ? ORDER BY rowid",
      key,
    ).map((row) => {
      const device: StoredDevice = {
        id: row.id as string,
        name: row.name as string,
        bundle: row.bundle as string,
        approved: row.approved === 1,
        added: row.added as number,
        acked: row.acked as number,
      };
      if (row.by_key !== null) device.by = row.by_key as string;
      if (row.sig !== null) device.sig = row.sig as string;
      return device;
    });
  }

  /** How far device `id` of account `key` has read (0 when there is no such device). */
  #cursor(key: string, id: string): number {
    const row = this.#get("SELECT acked FROM devices WHERE account = ? AND id = ?", key, id);
    return (row?.acked as number | undefined) ?? 0;
  }

  #dropKept(key: string, through: number): void {
    this.#run("DELETE FROM offline WHERE recipient = ? AND id <= ?", key, through);
  }

  /** Queues a write for this turn's commit; resolves with its result once committed. */
  #write<T>(run: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("The store is closed"));
    return new Promise<T>((resolve, reject) => {
      this.#writes.push({ run, resolve: resolve as (value: unknown) => void, reject });
      this.#commitTimer ??= setTimeout(() => this.#commit(), 0);
    });
  }

  /** Reads after committing what is pending, so that a read sees every write before it. */
  #read<T>(query: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("The store is closed"));
    this.#commit();
    try {
      return Promise.resolve(query());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs the pending writes in one transaction, then settles them. */
  #commit(): void {
    clearTimeout(this.#commitTimer);
    this.#commitTimer = undefined;
    const writes = this.#writes;
    const remembered = this.#remembered;
    if (writes.length === 0 && remembered.length === 0) return;
    this.#writes = [];
    this.#remembered = [];
    let results: unknown[];
    try {
      this.#db.exec("BEGIN");
      this.#insertHistory(remembered);
      results = writes.map((write) => write.run());
      this.#trim();
      this.#db.exec("COMMIT");
      this.#failure = undefined;
    } catch (error) {
      try {
        this.#db.exec("ROLLBACK");
      } catch {
        // Nothing to roll back.
      }
      for (const write of writes) write.reject(error as Error);
      this.#failure = (error as Error).message;
      this.#onError(error as Error);
      return;
    }
    writes.forEach((write, i) => write.resolve(results[i]));
  }

  #insertHistory(entries: HistoryEntry[]): void {
    if (entries.length === 0) return;
    const insert = this.#statement(
      "INSERT INTO history (target, room, nickname, text, timestamp, at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    for (const entry of entries) {
      const { target } = entry;
      insert.run(target, entry.room ?? null, entry.nickname, entry.text, entry.timestamp, entry.at);
      this.#untrimmed.set(target, (this.#untrimmed.get(target) ?? 0) + 1);
    }
  }

  /**
   * Keeps history within its bounds, and drops expired messages now and then. A target is
   * trimmed once a tenth of its bound has been added since the last time: trimming scans the
   * bound's worth of rows, too dear to pay at every commit of a busy chat.
   */
  #trim(): void {
    const max = this.#bounds.historyMax;
    for (const [target, added] of this.#untrimmed) {
      if (added < Math.max(1, Math.floor(max / 10))) continue;
      this.#untrimmed.delete(target);
      this.#run(
        "DELETE FROM history WHERE target = ? AND id <= (SELECT id FROM history " +
          "WHERE target = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
        target,
        target,
        max,
      );
    }
    const now = this.#now();
    if (now - this.#lastExpiry < EXPIRY_PERIOD_MS) return;
    this.#lastExpiry = now;
    this.#run("DELETE FROM history WHERE at <= ?", now - this.#bounds.historyMaxAgeMs);
    this.#run("DELETE FROM offline WHERE at <= ?", now - this.#bounds.offlineMaxAgeMs);
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) this.#statements.set(sql, statement = this.#db.prepare(sql));
    return statement;
  }

  #run(sql: string, ...params: (string | number | null)[]) {
    return this.#statement(sql).run(...params);
  }

  #get(sql: string, ...params: (string | number | null)[]): Row | undefined {
    return this.#statement(sql).get(...params) as Row | undefined;
  }

  #all(sql: string, ...params: (string | number | null)[]): Row[] {
    return this.#statement(sql).all(...params) as Row[];
  }
}
