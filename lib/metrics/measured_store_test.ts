import assert from "node:assert/strict";
import { MemoryStore } from "../store/memory.ts";
import type { Store } from "../store/store.ts";
import { measuredStore, STORE_OPERATIONS } from "./measured_store.ts";
import { Registry } from "./registry.ts";

const BOUNDS = { offlineMax: 10, offlineMaxAgeMs: 60_000, historyMax: 10, historyMaxAgeMs: 60_000 };

/** A registry with the store's figures, and a clock that moves 2 ms each time it is read. */
function figures() {
  const registry = new Registry();
  const operation = { operation: STORE_OPERATIONS };
  const latency = registry.histogram("store_seconds", "Latency", [0.001, 0.01], operation);
  const errors = registry.counter("store_errors_total", "Failures", operation);
  const remembered = registry.counter("remembered_total", "Added to history").with();
  let ms = 0;
  return { registry, figures: { latency, errors, remembered }, now: () => ms += 2 };
}

Deno.test("a measured store answers as the store does, each operation timed until it settles", async () => {
  const { registry, figures: f, now } = figures();
  const inner = new MemoryStore(BOUNDS);
  const store = measuredStore(inner, f, now);
  assert.equal(store.description, inner.description);
  assert.deepEqual(await store.accountNames(), []);
  assert.deepEqual(await store.accountNames(), []);
  store.remember({ target: "*", nickname: "a", text: "hi", timestamp: "t", at: 1 });
  assert.equal((await store.history("*", 10, 2)).entries.length, 1);
  const scrape = registry.scrape();
  assert.match(scrape, /^store_seconds_bucket\{operation="accountNames",le="0.01"\} 2$/m);
  assert.match(scrape, /^store_seconds_bucket\{operation="accountNames",le="0.001"\} 0$/m);
  assert.match(scrape, /^store_seconds_sum\{operation="accountNames"\} 0.004$/m);
  // Adding to history is counted, not timed.
  assert.match(scrape, /^remembered_total 1$/m);
  assert.doesNotMatch(scrape, /^store_seconds_count\{operation="remember"\}/m);
  assert.match(scrape, /^store_seconds_count\{operation="history"\} 1$/m);
  assert.match(scrape, /^store_errors_total\{operation="accountNames"\} 0$/m);
  // Operations never used make no series.
  assert.doesNotMatch(scrape, /operation="putRoom"/);
});

Deno.test("a failed operation, rejected or thrown, is counted and still fails", async () => {
  const { registry, figures: f, now } = figures();
  const failing = {
    description: "failing",
    account: () => Promise.reject(new Error("Redis is away")),
    remember: () => {
      throw new Error("closed");
    },
  } as unknown as Store;
  const store = measuredStore(failing, f, now);
  await assert.rejects(store.account("a"), /Redis is away/);
  assert.throws(() => store.remember({} as never), /closed/);
  const scrape = registry.scrape();
  assert.match(scrape, /^store_errors_total\{operation="account"\} 1$/m);
  assert.match(scrape, /^store_errors_total\{operation="remember"\} 1$/m);
  assert.match(scrape, /^store_seconds_count\{operation="account"\} 1$/m);
});

Deno.test("every method of the Store interface is an operation", () => {
  assert.ok(STORE_OPERATIONS.includes("keep"));
  assert.ok(STORE_OPERATIONS.includes("close"));
  assert.equal(new Set(STORE_OPERATIONS).size, STORE_OPERATIONS.length);
  const methods = Object.getOwnPropertyNames(MemoryStore.prototype)
    .filter((name) => name !== "constructor" && !name.startsWith("#"));
  for (const method of methods) {
    const descriptor = Object.getOwnPropertyDescriptor(MemoryStore.prototype, method)!;
    if (typeof descriptor.value === "function") {
      assert.ok(STORE_OPERATIONS.includes(method as never), `${method} is not measured`);
    }
  }
});
