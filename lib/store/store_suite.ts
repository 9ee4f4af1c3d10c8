/**
 * The suite every store version passes (`memory_test.ts`, `sqlite_test.ts`, `redis_test.ts`): one behaviour,
 * whatever keeps the data.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  EVERYONE,
  type HistoryEntry,
  type NewDevice,
  type Store,
  type StoreBounds,
} from "./store.ts";

/** Small bounds, so that the suite reaches them. */
export const SUITE_BOUNDS: StoreBounds = {
  offlineMax: 3,
  offlineMaxAgeMs: 1000,
  historyMax: 5,
  historyMaxAgeMs: 1000,
};

/** Opens a fresh, empty store with `bounds`; `cleanup` removes what it left behind. */
export type OpenStore = (
  bounds: StoreBounds,
) =>
  | { store: Store; cleanup?: () => void | Promise<void> }
  | Promise<{ store: Store; cleanup?: () => void | Promise<void> }>;

/** The time the suite's messages are sent at (ms); a store's own clock should read it too. */
export const SUITE_NOW = 1_700_000_000_000;
const T = SUITE_NOW;

const ALICE = {
  nickname: "Alice",
  passwordHash: "hash-1",
  created: T,
  lastSeen: T,
};

function said(text: string, at: number, target = EVERYONE): HistoryEntry {
  return {
    target,
    room: target === EVERYONE ? undefined : `#${target.slice(1)}`,
    nickname: "bob",
    text,
    timestamp: new Date(at).toISOString(),
    at,
  };
}

/** A device id made of `letter` (a real one is made from the device's key). */
export function idOf(letter: string): string {
  return letter.repeat(16);
}

/** Device `letter`, unapproved, added at the suite's time, with `changes`. */
export function device(letter: string, changes: Partial<NewDevice> = {}): NewDevice {
  return {
    id: idOf(letter),
    name: `device ${letter}`,
    bundle: JSON.stringify({ v: 1, dh: letter, sign: letter, sig: letter }),
    approved: false,
    added: T,
    ...changes,
  };
}

/** Registers the shared store tests for the version `name`, opened by `open`. */
export function storeSuite(name: string, open: OpenStore): void {
  const test = (what: string, body: (store: Store) => Promise<void>) =>
    Deno.test(`${name}: ${what}`, async () => {
      const { store, cleanup } = await open(SUITE_BOUNDS);
      try {
        await body(store);
      } finally {
        await store.close();
        await cleanup?.();
      }
    });

  test("problem() finds nothing wrong with a store that works, and changes nothing", async (store) => {
    assert.equal(await store.problem(), undefined);
    await store.createAccount("alice", ALICE);
    assert.equal(await store.problem(), undefined);
    assert.deepEqual(await store.accountNames(), ["Alice"]);
  });

  test("createAccount() registers a key once; account() reads it back", async (store) => {
    assert.equal(await store.createAccount("alice", ALICE), true);
    assert.equal(await store.createAccount("alice", { ...ALICE, passwordHash: "other" }), false);
    assert.deepEqual(await store.account("alice"), ALICE);
    assert.equal(await store.account("bob"), undefined);
    assert.deepEqual(await store.accountNames(), ["Alice"]);
  });

  test("keep() keeps an end-to-end envelope as it is, and waiting() gives it back", async (store) => {
    const e2e = '{"v":1,"sid":"s","n":1,"t":"t","iv":"i","ct":"c","key":{}}';
    await store.keep("alice", { from: "bob", text: "", e2e, timestamp: "t", at: T });
    await store.keep("alice", { from: "bob", text: "in the clear", timestamp: "t", at: T });
    const [sealed, clear] = await store.waiting("alice", T);
    assert.equal(sealed.e2e, e2e);
    assert.equal(sealed.text, "");
    assert.equal(clear.e2e, undefined);
    assert.equal(clear.text, "in the clear");
  });

  test("keep() keeps a notice in place of a message, and waiting() gives it back", async (store) => {
    const notice = '{"type":"unread","nickname":"bob","t":"t","reason":"r"}';
    await store.keep("alice", { from: "bob", text: "", notice, timestamp: "t", at: T });
    const [kept] = await store.waiting("alice", T);
    assert.equal(kept.notice, notice);
    assert.equal(kept.e2e, undefined);
  });

  test("putDevice() adds devices in order, and updates one by its id", async (store) => {
    assert.equal(await store.putDevice("alice", device("A")), false);
    await store.createAccount("alice", ALICE);
    assert.deepEqual(await store.devices("alice"), []);
    assert.equal(await store.putDevice("alice", device("A", { approved: true })), true);
    assert.equal(await store.putDevice("alice", device("B", { added: T + 1 })), true);
    assert.equal(await store.putDevice("alice", device("C", { added: T + 2 })), true);
    const approvedB = { approved: true, by: "key-of-A", sig: "sig-of-A", name: "phone" };
    assert.equal(await store.putDevice("alice", device("B", { ...approvedB, added: T + 9 })), true);
    assert.deepEqual(await store.devices("alice"), [
      { ...device("A", { approved: true }), acked: 0 },
      { ...device("B", { ...approvedB, added: T + 1 }), acked: 0 },
      { ...device("C", { added: T + 2 }), acked: 0 },
    ]);
    assert.deepEqual(await store.devices("bob"), []);
  });

  test("removeDevice() removes one device; deleteAccount() all of them", async (store) => {
    await store.createAccount("alice", ALICE);
    for (const id of ["A", "B", "C"]) await store.putDevice("alice", device(id));
    assert.equal(await store.removeDevice("alice", idOf("B")), true);
    assert.equal(await store.removeDevice("alice", idOf("B")), false);
    assert.equal(await store.removeDevice("bob", idOf("A")), false);
    assert.deepEqual((await store.devices("alice")).map((d) => d.id), [idOf("A"), idOf("C")]);
    await store.deleteAccount("alice");
    assert.deepEqual(await store.devices("alice"), []);
    await store.createAccount("alice", ALICE);
    assert.deepEqual(await store.devices("alice"), []);
  });

  test("kept messages wait for each approved device until it acknowledges them", async (store) => {
    await store.createAccount("alice", ALICE);
    await store.putDevice("alice", device("A", { approved: true }));
    await store.putDevice("alice", device("B", { approved: true }));
    await store.putDevice("alice", device("C"));
    const ids = [];
    for (const text of ["one", "two"]) {
      const kept = await store.keep("alice", { from: "bob", text, timestamp: "t", at: T });
      assert.ok(kept.ok);
      ids.push(kept.id);
    }
    const texts = async (device?: string) =>
      (await store.waiting("alice", T, device)).map((m) => m.text);
    // Without a device, or from a device the account does not have: nothing changes.
    await store.acknowledge("alice", ids[1]);
    await store.acknowledge("alice", ids[1], idOf("Z"));
    assert.deepEqual(await texts(), ["one", "two"]);
    await store.acknowledge("alice", ids[1], idOf("A"));
    assert.deepEqual(await texts(idOf("A")), []);
    assert.deepEqual(await texts(idOf("B")), ["one", "two"]);
    assert.deepEqual(await texts(), ["one", "two"]);
    // An unapproved device's cursor moves, but nobody waits for it.
    await store.acknowledge("alice", ids[0], idOf("C"));
    assert.deepEqual(await texts(idOf("C")), ["two"]);
    await store.acknowledge("alice", ids[0], idOf("B"));
    assert.deepEqual(await texts(), ["two"]);
    assert.deepEqual((await store.devices("alice")).map((d) => d.acked), [ids[1], ids[0], ids[0]]);
    // A cursor never goes back; removing the device that lags lets the rest go.
    await store.acknowledge("alice", ids[0], idOf("A"));
    assert.equal((await store.devices("alice"))[0].acked, ids[1]);
    await store.removeDevice("alice", idOf("B"));
    assert.deepEqual(await texts(), []);
  });

  test("an account without devices forgets kept messages at the first acknowledgement", async (store) => {
    await store.createAccount("alice", ALICE);
    const kept = await store.keep("alice", { from: "bob", text: "hi", timestamp: "t", at: T });
    assert.ok(kept.ok);
    assert.deepEqual((await store.waiting("alice", T, idOf("A"))).map((m) => m.text), ["hi"]);
    await store.acknowledge("alice", kept.id, idOf("A"));
    assert.deepEqual(await store.waiting("alice", T), []);
  });

  test("rooms are kept, replaced and forgotten", async (store) => {
    assert.deepEqual(await store.rooms(), []);
    assert.equal(await store.room("#lab"), undefined);
    await store.putRoom("#lab", '{"name":"#Lab"}');
    await store.putRoom("#lab", '{"name":"#LAB"}');
    await store.putRoom("#dev", "{}");
    assert.equal(await store.room("#lab"), '{"name":"#LAB"}');
    const kept = (await store.rooms()).sort((a, b) => a.key < b.key ? -1 : 1);
    assert.deepEqual(kept, [{ key: "#dev", data: "{}" }, { key: "#lab", data: '{"name":"#LAB"}' }]);
    await store.deleteRoom("#lab");
    assert.deepEqual(await store.rooms(), [{ key: "#dev", data: "{}" }]);
  });

  test("a room's history is forgotten, and only its own", async (store) => {
    const said = (target: string, text: string) =>
      store.remember({ target, room: target, nickname: "Alice", text, timestamp: "t", at: T });
    said("#lab", "secret");
    said("#dev", "kept");
    // Remembered in the same turn as it is forgotten: it goes too.
    said("#lab", "more secret");
    await store.forgetHistory("#lab");
    assert.deepEqual((await store.history("#lab", 10, T)).entries, []);
    assert.deepEqual((await store.history("#dev", 10, T)).entries.map((e) => e.text), ["kept"]);
    said("#lab", "new room");
    assert.deepEqual((await store.history("#lab", 10, T)).entries.map((e) => e.text), ["new room"]);
  });

  test("server bans are kept, replaced by key and removed", async (store) => {
    assert.deepEqual(await store.serverBans(), []);
    const bob = { key: "user:bob", target: "Bob", by: "Alice", reason: "spam", at: T };
    const address = { key: "address:192.0.2.7", target: "192.0.2.7", by: "Alice", at: T };
    await store.putServerBan(bob);
    await store.putServerBan(address);
    await store.putServerBan({ ...bob, until: T + 60_000 });
    const bans = (await store.serverBans()).sort((a, b) => a.key.localeCompare(b.key));
    assert.deepEqual(bans, [address, { ...bob, until: T + 60_000 }]);
    assert.equal(await store.removeServerBan("user:bob"), true);
    assert.equal(await store.removeServerBan("user:bob"), false);
    assert.deepEqual(await store.serverBans(), [address]);
  });

  test("chatId() is made once and kept", async (store) => {
    const id = await store.chatId();
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(await store.chatId(), id);
  });

  test("setPassword() and seen() change an account; deleteAccount() removes it", async (store) => {
    await store.createAccount("alice", ALICE);
    assert.equal(await store.setPassword("alice", "hash-2"), true);
    assert.equal(await store.setPassword("bob", "hash-2"), false);
    await store.seen("alice", T + 5);
    assert.deepEqual(await store.account("alice"), {
      ...ALICE,
      passwordHash: "hash-2",
      lastSeen: T + 5,
    });
    await store.keep("alice", { from: "bob", text: "hi", timestamp: "t", at: T });
    await store.deleteAccount("alice");
    assert.equal(await store.account("alice"), undefined);
    assert.deepEqual(await store.waiting("alice", T), []);
    assert.deepEqual(await store.accountNames(), []);
  });

  test("keep() gives rising numbers; waiting() lists in order until acknowledged", async (store) => {
    const first = await store.keep("alice", { from: "bob", text: "one", timestamp: "t1", at: T });
    const second = await store.keep("alice", {
      from: "carol",
      text: "two",
      timestamp: "t2",
      at: T,
    });
    await store.keep("dave", { from: "bob", text: "other", timestamp: "t3", at: T });
    assert.ok(first.ok && second.ok && second.id > first.id);
    const waiting = await store.waiting("alice", T);
    assert.deepEqual(waiting.map((m) => [m.from, m.text, m.timestamp]), [
      ["bob", "one", "t1"],
      ["carol", "two", "t2"],
    ]);
    await store.acknowledge("alice", first.id);
    assert.deepEqual((await store.waiting("alice", T)).map((m) => m.text), ["two"]);
    await store.acknowledge("alice", second.id);
    assert.deepEqual(await store.waiting("alice", T), []);
    assert.deepEqual((await store.waiting("dave", T)).map((m) => m.text), ["other"]);
  });

  test("keep() refuses past the bound; expired messages neither wait nor count", async (store) => {
    for (const text of ["a", "b", "c"]) {
      assert.equal(
        (await store.keep("alice", { from: "bob", text, timestamp: "t", at: T })).ok,
        true,
      );
    }
    assert.deepEqual(await store.keep("alice", { from: "bob", text: "d", timestamp: "t", at: T }), {
      ok: false,
      reason: "full",
    });
    const later = T + SUITE_BOUNDS.offlineMaxAgeMs + 1;
    assert.deepEqual(await store.waiting("alice", later), []);
    const kept = await store.keep("alice", { from: "bob", text: "e", timestamp: "t", at: later });
    assert.equal(kept.ok, true);
    assert.deepEqual((await store.waiting("alice", later)).map((m) => m.text), ["e"]);
  });

  test("history() gives the last entries, oldest first, and counts the earlier", async (store) => {
    for (let i = 1; i <= 4; i++) store.remember(said(`m${i}`, T + i));
    store.remember(said("in the room", T + 5, "#lab"));
    const page = await store.history(EVERYONE, 2, T + 10);
    assert.deepEqual(page.entries.map((e) => e.text), ["m3", "m4"]);
    assert.equal(page.earlier, 2);
    assert.equal(page.entries[0].room, undefined);
    const since = await store.history(EVERYONE, 10, T + 10, T + 2);
    assert.deepEqual(since.entries.map((e) => e.text), ["m3", "m4"]);
    assert.equal(since.earlier, 0);
    const room = await store.history("#lab", 10, T + 10);
    assert.deepEqual(room.entries.map((e) => [e.room, e.nickname, e.text]), [
      ["#lab", "bob", "in the room"],
    ]);
    assert.deepEqual(await store.history("#none", 10, T + 10), { entries: [], earlier: 0 });
  });

  test("history keeps at most its bound per target, and nothing past its age", async (store) => {
    for (let i = 1; i <= 8; i++) store.remember(said(`m${i}`, T + i));
    const page = await store.history(EVERYONE, 100, T + 10);
    assert.deepEqual(page.entries.map((e) => e.text), ["m4", "m5", "m6", "m7", "m8"]);
    assert.equal(page.earlier, 0);
    const old = await store.history(EVERYONE, 100, T + 5 + SUITE_BOUNDS.historyMaxAgeMs);
    assert.deepEqual(old.entries.map((e) => e.text), ["m6", "m7", "m8"]);
  });
}
