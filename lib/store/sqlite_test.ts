import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { tempDir } from "../tools/testing.ts";
import { DATABASE_FILE, SqliteStore } from "./sqlite.ts";
import { MIGRATIONS } from "./sqlite_schema.ts";
import { deviceId } from "../../protocol.ts";
import { generateIdentity, publicBundle } from "../../web/common/e2e.js";
import { EVERYONE } from "./store.ts";
import { storeSuite, SUITE_BOUNDS, SUITE_NOW } from "./store_suite.ts";

storeSuite("SqliteStore", (bounds) => {
  const dir = tempDir();
  const store = new SqliteStore(dir.path, { bounds, now: () => SUITE_NOW });
  return { store, cleanup: () => dir[Symbol.dispose]() };
});

const T = SUITE_NOW;

Deno.test("SqliteStore keeps accounts, offline messages and history across a reopen", async () => {
  using dir = tempDir();
  const first = new SqliteStore(dir.path, { bounds: SUITE_BOUNDS, now: () => T });
  await first.createAccount("alice", {
    nickname: "Alice",
    passwordHash: "h",
    created: T,
    lastSeen: T,
  });
  const kept = await first.keep("alice", { from: "bob", text: "hi", timestamp: "t", at: T });
  first.remember({ target: EVERYONE, nickname: "bob", text: "hello all", timestamp: "t", at: T });
  await first.close();
  const second = new SqliteStore(dir.path, { bounds: SUITE_BOUNDS, now: () => T });
  try {
    assert.deepEqual(await second.accountNames(), ["Alice"]);
    assert.deepEqual(await second.waiting("alice", T), [
      { id: kept.ok ? kept.id : -1, from: "bob", text: "hi", timestamp: "t", at: T },
    ]);
    const page = await second.history(EVERYONE, 10, T);
    assert.deepEqual(page.entries.map((e) => e.text), ["hello all"]);
  } finally {
    await second.close();
  }
});

Deno.test("SqliteStore commits a turn's writes together, and reads see writes not yet committed", async () => {
  using dir = tempDir();
  const store = new SqliteStore(dir.path, { bounds: SUITE_BOUNDS, now: () => T });
  try {
    const writes = [1, 2, 3].map((i) =>
      store.keep("alice", { from: "bob", text: `m${i}`, timestamp: "t", at: T })
    );
    store.remember({ target: EVERYONE, nickname: "bob", text: "x", timestamp: "t", at: T });
    // Read in the same turn: the pending writes are committed first.
    assert.deepEqual((await store.waiting("alice", T)).map((m) => m.text), ["m1", "m2", "m3"]);
    assert.deepEqual((await Promise.all(writes)).map((r) => r.ok), [true, true, true]);
    assert.equal((await store.history(EVERYONE, 5, T)).entries.length, 1);
  } finally {
    await store.close();
  }
});

Deno.test("SqliteStore migrates a new database to the latest schema version", async () => {
  using dir = tempDir();
  const store = new SqliteStore(dir.path, { bounds: SUITE_BOUNDS, now: () => T });
  assert.equal(store.version, MIGRATIONS.length);
  await store.close();
  const db = new DatabaseSync(`${dir.path}/${DATABASE_FILE}`);
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all().map((row) => row.name);
  const mode = db.prepare("PRAGMA journal_mode").get()!.journal_mode;
  db.close();
  assert.deepEqual(tables.filter((name) => name !== "sqlite_sequence"), [
    "accounts",
    "devices",
    "history",
    "meta",
    "offline",
    "rooms",
    "server_bans",
  ]);
  assert.equal(mode, "wal");
});

Deno.test("SqliteStore migrates a database of version 1 and keeps its accounts", async () => {
  using dir = tempDir();
  const old = new DatabaseSync(`${dir.path}/${DATABASE_FILE}`);
  old.exec(MIGRATIONS[0]);
  old.exec("PRAGMA user_version = 1");
  old.prepare(
    "INSERT INTO accounts (key, nickname, password_hash, created, last_seen) VALUES (?, ?, ?, ?, ?)",
  ).run("alice", "Alice", "hash", T, T);
  old.close();
  const store = new SqliteStore(dir.path, { bounds: SUITE_BOUNDS, now: () => T });
  try {
    assert.equal(store.version, MIGRATIONS.length);
    assert.deepEqual(await store.account("alice"), {
      nickname: "Alice",
      passwordHash: "hash",
      created: T,
      lastSeen: T,
    });
    assert.deepEqual(await store.devices("alice"), []);
  } finally {
    await store.close();
  }
});

Deno.test("SqliteStore refuses a database from a newer server, a corrupt file, and a second opener", async () => {
  using dir = tempDir();
  const store = new SqliteStore(dir.path, { bounds: SUITE_BOUNDS, now: () => T });
  assert.throws(
    () => new SqliteStore(dir.path, { bounds: SUITE_BOUNDS, now: () => T }),
    /database is locked/,
  );
  await store.close();
  const db = new DatabaseSync(`${dir.path}/${DATABASE_FILE}`);
  db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
  db.close();
  assert.throws(
    () => new SqliteStore(dir.path, { bounds: SUITE_BOUNDS, now: () => T }),
    new RegExp(
      `schema version ${
        MIGRATIONS.length + 1
      }, newer than this server's \\(${MIGRATIONS.length}\\)`,
    ),
  );
  using junk = tempDir();
  Deno.writeTextFileSync(`${junk.path}/${DATABASE_FILE}`, "not a database ".repeat(100));
  assert.throws(() => new SqliteStore(junk.path, { bounds: SUITE_BOUNDS }), /not a database/);
});

Deno.test("SqliteStore makes an account's one key bundle of version 3 its first device", async () => {
  using dir = tempDir();
  const bundle = await publicBundle(await generateIdentity());
  const old = new DatabaseSync(`${dir.path}/${DATABASE_FILE}`);
  for (const step of MIGRATIONS.slice(0, 3)) old.exec(step);
  old.exec("PRAGMA user_version = 3");
  const insert = old.prepare(
    "INSERT INTO accounts (key, nickname, password_hash, created, last_seen, key_bundle) " +
      "VALUES (?, ?, ?, ?, ?, ?)",
  );
  insert.run("alice", "Alice", "hash", T, T, JSON.stringify(bundle));
  insert.run("bob", "Bob", "hash", T, T, null);
  insert.run("carol", "Carol", "hash", T, T, "{not json");
  old.close();
  const store = new SqliteStore(dir.path, { bounds: SUITE_BOUNDS, now: () => T });
  try {
    assert.deepEqual(await store.devices("alice"), [{
      id: await deviceId(bundle.sign),
      name: "device",
      bundle: JSON.stringify(bundle),
      approved: true,
      added: T,
      acked: 0,
    }]);
    assert.deepEqual(await store.devices("bob"), []);
    assert.deepEqual(await store.devices("carol"), []);
  } finally {
    await store.close();
  }
});

Deno.test("SqliteStore keeps the chat's id across a reopen", async () => {
  using dir = tempDir();
  const first = new SqliteStore(dir.path, { bounds: SUITE_BOUNDS, now: () => T });
  const id = await first.chatId();
  await first.close();
  const second = new SqliteStore(dir.path, { bounds: SUITE_BOUNDS, now: () => T });
  try {
    assert.equal(await second.chatId(), id);
  } finally {
    await second.close();
  }
});

Deno.test("SqliteStore's problem() says when its database file is gone or replaced, or it is closed", async () => {
  using dir = tempDir();
  const path = `${dir.path}/${DATABASE_FILE}`;
  const store = new SqliteStore(dir.path, { bounds: SUITE_BOUNDS, now: () => T });
  try {
    assert.equal(await store.problem(), undefined);
    Deno.renameSync(path, `${path}.moved`);
    assert.equal(await store.problem(), `the database file "${path}" is gone`);
    Deno.writeFileSync(path, new Uint8Array());
    assert.equal(await store.problem(), `the database file "${path}" was replaced`);
    Deno.removeSync(path);
    Deno.renameSync(`${path}.moved`, path);
    assert.equal(await store.problem(), undefined, "the same file back in its place");
  } finally {
    await store.close();
  }
  assert.equal(await store.problem(), "the store is closed");
});
