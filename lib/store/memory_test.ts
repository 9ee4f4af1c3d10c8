import assert from "node:assert/strict";
import { MemoryStore } from "./memory.ts";
import { keptThrough } from "./store.ts";
import { device, storeSuite } from "./store_suite.ts";

storeSuite("MemoryStore", (bounds) => ({ store: new MemoryStore(bounds) }));

Deno.test("keptThrough() is the lowest cursor of the approved devices, or of all without one", () => {
  const at = (acked: number, approved: boolean) => ({ ...device("A", { approved }), acked });
  assert.equal(keptThrough([at(5, true), at(3, true), at(1, false)]), 3);
  assert.equal(keptThrough([at(5, false), at(3, false)]), 3);
});

Deno.test("MemoryStore makes a chat id of its own for each store", async () => {
  const bounds = { offlineMax: 1, offlineMaxAgeMs: 1, historyMax: 1, historyMaxAgeMs: 1 };
  assert.notEqual(await new MemoryStore(bounds).chatId(), await new MemoryStore(bounds).chatId());
});
