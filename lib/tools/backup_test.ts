import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { BACKUP_USAGE, backupMain, backupStore, databaseIn } from "./backup.ts";
import { SqliteStore } from "../store/sqlite.ts";
import { EVERYONE } from "../store/store.ts";
import { tempDir } from "./testing.ts";

const BOUNDS = {
  offlineMax: 100,
  offlineMaxAgeMs: 86_400_000,
  historyMax: 100,
  historyMaxAgeMs: 86_400_000,
};
const T = Date.UTC(2026, 11, 3, 10);
const ACCOUNT = { nickname: "Bob", passwordHash: "hash", created: T, lastSeen: T };

/** The files in `dir`, by name. */
function filesIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}

Deno.test("backupStore copies a store its server holds open, with every commit so far", async () => {
  using dir = tempDir();
  const store = new SqliteStore(`${dir.path}/data`, { bounds: BOUNDS, now: () => T });
  try {
    await store.createAccount("bob", ACCOUNT);
    await store.keep("bob", { from: "Alice", text: "kept", timestamp: "t", at: T });
    store.remember({ target: EVERYONE, nickname: "Alice", text: "said", timestamp: "t", at: T });
    await store.chatId();
    const done = await backupStore(`${dir.path}/data`, `${dir.path}/copies/one.db`);
    assert.equal(done.source, `${dir.path}/data/chat.db`);
    assert.equal(done.copy, `${dir.path}/copies/one.db`);
    assert.equal(done.version, store.version);
    assert.equal(done.bytes, Deno.statSync(done.copy).size);
    // One file, readable by its owner alone, nothing left beside it.
    assert.deepEqual(filesIn(`${dir.path}/copies`), ["one.db"]);
    assert.equal(Deno.statSync(done.copy).mode! & 0o777, 0o600);

    // The server goes on writing: the copy keeps what it held.
    await store.keep("bob", { from: "Alice", text: "after", timestamp: "t", at: T });
    Deno.mkdirSync(`${dir.path}/restored`);
    Deno.copyFileSync(done.copy, databaseIn(`${dir.path}/restored`));
    const restored = new SqliteStore(`${dir.path}/restored`, { bounds: BOUNDS, now: () => T });
    try {
      assert.deepEqual(await restored.account("bob"), ACCOUNT);
      assert.deepEqual((await restored.waiting("bob", T)).map((kept) => kept.text), ["kept"]);
      const history = await restored.history(EVERYONE, 10, T);
      assert.deepEqual(history.entries.map((entry) => entry.text), ["said"]);
      assert.equal(await restored.chatId(), await store.chatId());
    } finally {
      await restored.close();
    }
  } finally {
    await store.close();
  }
});

Deno.test("backupStore never writes over a file, and leaves nothing when it cannot copy", async () => {
  using dir = tempDir();
  const data = `${dir.path}/data`;
  const store = new SqliteStore(data, { bounds: BOUNDS, now: () => T });
  await store.chatId();
  await store.close();
  const copy = `${dir.path}/copy.db`;
  Deno.writeTextFileSync(copy, "an older copy");
  await assert.rejects(
    backupStore(data, copy),
    new Error(`"${copy}" exists already: name a new file`),
  );
  assert.equal(Deno.readTextFileSync(copy), "an older copy");

  Deno.writeTextFileSync(`${dir.path}/new.db.part`, "someone's file");
  await assert.rejects(
    backupStore(data, `${dir.path}/new.db`),
    new Error(`"${dir.path}/new.db.part" exists already: a backup stopped halfway? Remove it`),
  );
  assert.equal(Deno.readTextFileSync(`${dir.path}/new.db.part`), "someone's file");

  await assert.rejects(
    backupStore(`${dir.path}/nothing`, `${dir.path}/other.db`),
    new Error(`there is no store in "${dir.path}/nothing": no "${dir.path}/nothing/chat.db"`),
  );
  assert.deepEqual(filesIn(dir.path), ["copy.db", "data", "new.db.part"]);
});

Deno.test("backupStore refuses a file that is not a database, leaving no copy", async () => {
  using dir = tempDir();
  Deno.mkdirSync(`${dir.path}/junk`);
  Deno.writeTextFileSync(`${dir.path}/junk/chat.db`, "not a database ".repeat(100));
  await assert.rejects(backupStore(`${dir.path}/junk`, `${dir.path}/copy.db`), /not a database/);
  assert.deepEqual(filesIn(dir.path), ["junk"]);
});

Deno.test("backupStore gives up on a database locked by another, rather than wait for ever", async () => {
  using dir = tempDir();
  Deno.mkdirSync(`${dir.path}/data`);
  // As an older server held its database: SQLite's exclusive locking mode, after a write.
  const holder = new DatabaseSync(databaseIn(`${dir.path}/data`));
  try {
    holder.exec("PRAGMA locking_mode = EXCLUSIVE");
    holder.exec("PRAGMA journal_mode = WAL");
    holder.exec("CREATE TABLE t (x)");
    await assert.rejects(
      backupStore(`${dir.path}/data`, `${dir.path}/copy.db`, 50),
      /database is locked/,
    );
  } finally {
    holder.close();
  }
  assert.deepEqual(filesIn(dir.path), ["data"]);
});

Deno.test("the backup tool prints what it did, or why not, and its usage", async () => {
  using dir = tempDir();
  const store = new SqliteStore(`${dir.path}/data`, { bounds: BOUNDS, now: () => T });
  await store.chatId();
  const printed: string[] = [];
  const print = (line: string) => printed.push(line);
  try {
    assert.equal(await backupMain([`${dir.path}/data`, `${dir.path}/a.db`], print), 0);
    assert.equal(await backupMain([`${dir.path}/data`, `${dir.path}/a.db`], print), 1);
    assert.equal(await backupMain([`${dir.path}/data`], print), 1);
  } finally {
    await store.close();
  }
  const size = Deno.statSync(`${dir.path}/a.db`).size;
  const copy = new DatabaseSync(`${dir.path}/a.db`, { readOnly: true });
  const version = copy.prepare("PRAGMA user_version").get()!.user_version;
  copy.close();
  assert.deepEqual(printed, [
    `Copied ${dir.path}/data/chat.db to ${dir.path}/a.db (${size} bytes, schema version ` +
    `${version}, integrity ok)`,
    "To start a server from it: put it as chat.db in a new data directory",
    `ERR - cannot back up "${dir.path}/data": "${dir.path}/a.db" exists already: name a new file`,
    BACKUP_USAGE,
  ]);
});
