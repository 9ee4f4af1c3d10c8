import assert from "node:assert/strict";
import { InOrder } from "./in_order.ts";

Deno.test("InOrder runs steps at once while none waits, and after a waiting one otherwise", async () => {
  const order = new InOrder();
  const seen: string[] = [];
  order.run(() => void seen.push("first"));
  assert.deepEqual(seen, ["first"]);
  const gate = Promise.withResolvers<void>();
  order.run(async () => {
    await gate.promise;
    seen.push("slow");
  });
  order.run(() => void seen.push("after"));
  assert.deepEqual(seen, ["first"]);
  gate.resolve();
  await order.idle();
  assert.deepEqual(seen, ["first", "slow", "after"]);
  order.run(() => void seen.push("now"));
  assert.deepEqual(seen.at(-1), "now");
});

Deno.test("InOrder hands a step's error to onError and goes on", async () => {
  const order = new InOrder();
  const errors: unknown[] = [];
  order.run(() => Promise.reject(new Error("no")), (error) => errors.push(error));
  order.run(() => {
    throw new Error("also no");
  }, (error) => errors.push(error));
  await order.idle();
  assert.deepEqual(errors.map((error) => (error as Error).message), ["no", "also no"]);
});
