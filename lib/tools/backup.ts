/**
 * `deno task backup <data-dir> <copy-file>`: a consistent copy of a server's SQLite store
 * (`chat.db`) taken while the server runs and its clients write. It reads the database through
 * SQLite's online backup (`node:sqlite`'s `backup`, all pages in one step, within one read
 * transaction: the copy is the store as of one commit, and the server's writes go on meanwhile),
 * writes it beside the copy's name as `<copy-file>.part`, turns it into a single file (rollback
 * journal, no `-wal`), checks it with `PRAGMA integrity_check`, and only then gives it its name,
 * never over an existing file. (`VACUUM INTO` would do the same, but Deno's `node:sqlite` attaches
 * no database, which it needs.)
 *
 * The task may read `chat-data` and `backups` and write `backups`; for other folders, run
 * `deno run --allow-read=<data-dir>,<copy's folder> --allow-write=<copy's folder>
 * lib/tools/backup.ts ...`. A server starts from the copy as from any store: put it as `chat.db`
 * in a new data directory.
 *
 * @module
 */

import { backup, DatabaseSync } from "node:sqlite";
import { DATABASE_FILE } from "../store/sqlite.ts";

/** What a backup made. */
export interface BackupResult {
  /** The database copied. */
  source: string;
  /** The copy's path. */
  copy: string;
  /** The copy's size in bytes. */
  bytes: number;
  /** The schema version the copy holds (`PRAGMA user_version`). */
  version: number;
}

/** How long to wait for a database another process has locked, by default (ms). */
const BUSY_MS = 5_000;

/** The usage line, for a wrong number of arguments. */
export const BACKUP_USAGE = "usage: deno task backup <data-dir> <copy-file>";

/** The store's database file in data directory `dir`. */
export function databaseIn(dir: string): string {
  return `${dir.replace(/\/+$/, "") || "/"}/${DATABASE_FILE}`;
}

/** Whether anything (a file, a folder, a link) is at `path`. */
function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Removes `path` and SQLite's files beside it, whichever exist. */
function removeWithJournals(path: string): void {
  for (const file of [path, `${path}-journal`, `${path}-wal`, `${path}-shm`]) {
    try {
      Deno.removeSync(file);
    } catch {
      // Not there.
    }
  }
}

/**
 * Makes the copy at `part` a single file, checks it, and reads its schema version; throws when
 * the check finds anything wrong.
 */
function settle(part: string): number {
  const db = new DatabaseSync(part);
  try {
    db.exec("PRAGMA journal_mode = DELETE");
    const rows = db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
    const problems = rows.map((row) => row.integrity_check).filter((text) => text !== "ok");
    if (problems.length > 0) {
      throw new Error(`the copy fails its integrity check: ${problems.join("; ")}`);
    }
    return (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
  } finally {
    db.close();
  }
}

/**
 * Copies the store of data directory `dataDir` to the new file `copy` while its server may run,
 * and checks the copy. Throws an error saying what is wrong when there is no store, when `copy`
 * (or `<copy>.part`) exists already, when the database stays locked for `busyMs`, or when the
 * copy fails; it then leaves no file behind.
 */
export async function backupStore(
  dataDir: string,
  copy: string,
  busyMs: number = BUSY_MS,
): Promise<BackupResult> {
  const source = databaseIn(dataDir);
  if (!exists(source)) throw new Error(`there is no store in "${dataDir}": no "${source}"`);
  if (exists(copy)) throw new Error(`"${copy}" exists already: name a new file`);
  const part = `${copy}.part`;
  const folder = copy.slice(0, copy.lastIndexOf("/"));
  if (folder !== "" && !exists(folder)) Deno.mkdirSync(folder, { recursive: true });
  // Made here (readable by its owner alone: it holds password hashes and kept messages), so that
  // a file of that name left by someone else is never written over.
  try {
    Deno.openSync(part, { write: true, createNew: true, mode: 0o600 }).close();
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    throw new Error(`"${part}" exists already: a backup stopped halfway? Remove it`);
  }
  try {
    const db = new DatabaseSync(source, { readOnly: true });
    try {
      // (Deno's node:sqlite takes no `timeout` option: its own is 5 seconds.)
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.round(busyMs))}`);
      // The read transaction is taken here, where a database held by another process's exclusive
      // lock fails after `busyMs` (the backup itself would try again for ever); the backup copies
      // within it.
      db.exec("BEGIN");
      db.prepare("SELECT count(*) FROM sqlite_schema").get();
      await backup(db, part, { rate: -1 });
      db.exec("COMMIT");
    } finally {
      db.close();
    }
    const version = settle(part);
    // A link fails when the name is taken meanwhile, where a rename would replace it.
    Deno.linkSync(part, copy);
    return { source, copy, bytes: Deno.statSync(copy).size, version };
  } finally {
    removeWithJournals(part);
  }
}

/** Runs the tool on `args`: returns its exit code, having printed what it did or why not. */
export async function backupMain(
  args: readonly string[],
  print: (line: string) => void = console.log,
): Promise<number> {
  if (args.length !== 2 || args.some((arg) => arg === "" || arg.startsWith("-"))) {
    print(BACKUP_USAGE);
    return 1;
  }
  const [dataDir, copy] = args;
  try {
    const done = await backupStore(dataDir, copy);
    print(
      `Copied ${done.source} to ${done.copy} (${done.bytes} bytes, schema version ` +
        `${done.version}, integrity ok)`,
    );
    print(`To start a server from it: put it as ${DATABASE_FILE} in a new data directory`);
    return 0;
  } catch (error) {
    print(`ERR - cannot back up "${dataDir}": ${(error as Error).message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await backupMain(Deno.args));
