/**
 * The schema of the SQLite store, one migration step per version, and how a database is brought
 * up to date (the key bundles of version 2 become their accounts' first devices at version 4).
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { DEVICE_ID_CHARS } from "../../protocol.ts";

type Row = Record<string, unknown>;

/** The schema, one step per version: step i takes a database from version i to i + 1. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     key TEXT PRIMARY KEY,
     nickname TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     created INTEGER NOT NULL,
     last_seen INTEGER NOT NULL
   );
   CREATE TABLE offline (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     recipient TEXT NOT NULL,
     sender TEXT NOT NULL,
     text TEXT NOT NULL,
     timestamp TEXT NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX offline_by_recipient ON offline (recipient, id);
   CREATE TABLE history (
     id INTEGER PRIMARY KEY,
     target TEXT NOT NULL,
     room TEXT,
     nickname TEXT NOT NULL,
     text TEXT NOT NULL,
     timestamp TEXT NOT NULL,
     at INTEGER NOT NULL
   );
   CREATE INDEX history_by_target ON history (target, id);`,
  // Public key bundles for end-to-end messages (issue 14).
  `ALTER TABLE accounts ADD COLUMN key_bundle TEXT;`,
  // Kept private messages encrypted end to end: the envelope, as relayed (issue 14).
  `ALTER TABLE offline ADD COLUMN e2e TEXT;`,
  // The chat's id, and devices per account with their cursors in the kept messages: the key
  // bundle of version 2 becomes the account's first device (see LEGACY_BUNDLES).
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE devices (
     account TEXT NOT NULL,
     id TEXT NOT NULL,
     name TEXT NOT NULL,
     bundle TEXT NOT NULL,
     approved INTEGER NOT NULL,
     by_key TEXT,
     sig TEXT,
     added INTEGER NOT NULL,
     acked INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (account, id)
   );`,
  // Notices kept for an account that was away (an `unread`), beside its messages (issue 22).
  `ALTER TABLE offline ADD COLUMN notice TEXT;`,
  // Rooms that are kept (issue 23): owner, topic, settings, members, roles, bans, invitations,
  // as one JSON record per room (the rooms feature's; bounded there).
  `CREATE TABLE rooms (key TEXT PRIMARY KEY, data TEXT NOT NULL);`,
  // Server bans set by operators, by user or address (issue 23, point 6).
  `CREATE TABLE server_bans (
     key TEXT PRIMARY KEY,
     target TEXT NOT NULL,
     by_name TEXT NOT NULL,
     reason TEXT,
     at INTEGER NOT NULL,
     until INTEGER
   );`,
];

/** The step after which an account's one key bundle becomes its first device. */
const LEGACY_BUNDLES = 4;

/**
 * The id of the device whose Ed25519 key is `sign` (base64), as `deviceId` of
 * `web/common/device_ids.js` computes it, but at once (a migration runs in the constructor).
 */
export function deviceIdNow(sign: string): string {
  const digest = createHash("sha256").update(Uint8Array.from(atob(sign), (c) => c.charCodeAt(0)))
    .digest("base64");
  return digest.replace(/\+/g, "-").replace(/\//g, "_").slice(0, DEVICE_ID_CHARS);
}

/**
 * Makes each account's one key bundle (schema version 2) its first device: approved, named
 * "device", added when the migration runs.
 */
function legacyBundles(db: DatabaseSync, now: () => number): void {
  const rows = db.prepare(
    "SELECT key, key_bundle FROM accounts WHERE key_bundle IS NOT NULL",
  ).all() as Row[];
  const insert = db.prepare(
    "INSERT OR IGNORE INTO devices (account, id, name, bundle, approved, added) " +
      "VALUES (?, ?, 'device', ?, 1, ?)",
  );
  for (const row of rows) {
    let sign: unknown;
    try {
      sign = JSON.parse(row.key_bundle as string).sign;
      if (typeof sign !== "string") continue;
      insert.run(row.key as string, deviceIdNow(sign), row.key_bundle as string, now());
    } catch {
      // A bundle that does not read (it never could be used): no device.
    }
  }
  db.exec("UPDATE accounts SET key_bundle = NULL");
}

/**
 * Brings the schema of `db` up to the latest version, in one transaction (`now` dates the
 * devices a migration makes); throws, saying so, on a database of a newer server.
 */
export function migrate(db: DatabaseSync, now: () => number): void {
  const version = db.prepare("PRAGMA user_version").get()!.user_version as number;
  if (version > MIGRATIONS.length) {
    throw new Error(
      `the database has schema version ${version}, newer than this server's ` +
        `(${MIGRATIONS.length}): run a newer server`,
    );
  }
  db.exec("BEGIN IMMEDIATE");
  try {
    for (let step = version; step < MIGRATIONS.length; step++) {
      db.exec(MIGRATIONS[step]);
      if (step + 1 === LEGACY_BUNDLES) legacyBundles(db, now);
    }
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
