import assert from "node:assert/strict";
import { RateLimiter } from "./rate_limiter.ts";

Deno.test("RateLimiter lets a burst through at once, then spaces messages at the rate", () => {
  let now = 0;
  const limiter = new RateLimiter(3, 10, () => now);
  assert.deepEqual([limiter.take(), limiter.take(), limiter.take()], [0, 0, 0]);
  assert.equal(limiter.take(), 100, "the 4th waits one interval (100 ms at 10/s)");
  assert.equal(limiter.take(), 200, "the 5th waits two");
  now = 200; // the reader waited
  assert.equal(Math.round(limiter.take()), 100);
});

Deno.test("RateLimiter refills over time, never past the burst", () => {
  let now = 0;
  const limiter = new RateLimiter(2, 1, () => now);
  limiter.take();
  limiter.take();
  now = 1000;
  assert.equal(limiter.take(), 0, "one token back after one second");
  assert.equal(limiter.take(), 1000);
  now = 60_000;
  assert.deepEqual([limiter.take(), limiter.take()], [0, 0], "a long pause refills the burst");
  assert.ok(limiter.take() > 0, "but not more than the burst");
});

Deno.test("RateLimiter.throttledFor() counts how long a client has stayed over the rate", () => {
  let now = 0;
  const limiter = new RateLimiter(1, 10, () => now);
  limiter.take();
  assert.equal(limiter.throttledFor(), 0);
  for (let i = 0; i < 50; i++) {
    const wait = limiter.take();
    assert.ok(wait > 0);
    now += wait; // a flooder that sends again the moment it may
  }
  assert.equal(Math.round(limiter.throttledFor()), 5000, "50 waits of 100 ms");
  now += 1000; // then pauses
  assert.equal(limiter.take(), 0);
  assert.equal(limiter.throttledFor(), 0, "a message that need not wait ends the streak");
});

Deno.test("RateLimiter.refund() gives back a token that did not count, up to the burst", () => {
  let now = 0;
  const limiter = new RateLimiter(2, 1, () => now);
  assert.equal(limiter.take(), 0);
  assert.equal(limiter.take(), 0);
  limiter.refund();
  assert.equal(limiter.take(), 0, "the refunded token is there again");
  assert.equal(limiter.take(), 1000);
  limiter.refund();
  limiter.refund();
  limiter.refund();
  now = 0;
  assert.equal(limiter.take(), 0);
  assert.equal(limiter.take(), 0);
  assert.equal(limiter.take(), 1000, "refunds never pass the burst");
});
