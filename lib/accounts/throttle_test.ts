import assert from "node:assert/strict";
import { Throttle } from "./throttle.ts";

Deno.test("Throttle lets 5 failures a minute through, then makes the key wait", () => {
  const throttle = new Throttle(5, 60_000);
  const keys = ["account:alice", "ip:192.0.2.7"];
  for (let i = 0; i < 5; i++) {
    assert.equal(throttle.wait(keys, 1000 + i), 0);
    throttle.count(keys, 1000 + i);
  }
  assert.equal(throttle.wait(keys, 2000), 59_000);
  assert.equal(throttle.wait(["account:alice"], 2000), 59_000);
  assert.equal(throttle.wait(["account:bob"], 2000), 0);
  assert.equal(throttle.wait(keys, 61_000), 0);
});

Deno.test("Throttle counts an IP address across accounts, and clear() forgets an account", () => {
  const throttle = new Throttle(2, 10_000);
  throttle.count(["account:a", "ip:x"], 0);
  throttle.count(["account:b", "ip:x"], 1);
  assert.equal(throttle.wait(["account:c", "ip:x"], 2), 9_998);
  assert.equal(throttle.wait(["account:a", "ip:y"], 2), 0);
  throttle.count(["account:a", "ip:y"], 3);
  assert.equal(throttle.wait(["account:a"], 4), 9_996);
  throttle.clear("account:a");
  assert.equal(throttle.wait(["account:a"], 4), 0);
});
