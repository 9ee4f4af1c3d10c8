import assert from "node:assert/strict";
import { type HealthChecks, healthRoutes, notReady } from "./health.ts";
import type { ServerPhase } from "./server.ts";

/** Checks of a server in `phase` whose store and link say what they are given. */
function checks(
  phase: ServerPhase,
  store: string | undefined | Promise<string | undefined> = undefined,
  clusterUp?: boolean,
): HealthChecks {
  return {
    phase: () => phase,
    store: () => Promise.resolve(store),
    clusterUp: clusterUp === undefined ? undefined : () => clusterUp,
    storeCheckMs: 50,
  };
}

Deno.test("notReady() finds a serving server with a working store and link ready", async () => {
  assert.equal(await notReady(checks("serving")), undefined);
  assert.equal(await notReady(checks("serving", undefined, true)), undefined);
  assert.equal(await notReady({ phase: () => "serving" }), undefined, "no store, no cluster");
});

Deno.test("notReady() says why a server is not ready, its own state first", async () => {
  assert.equal(await notReady(checks("starting")), "the server is starting");
  assert.equal(await notReady(checks("stopping")), "the server is shutting down");
  assert.equal(
    await notReady(checks("stopping", "Redis does not answer", false)),
    "the server is shutting down",
  );
  assert.equal(
    await notReady(checks("serving", undefined, false)),
    "the cluster's link to Redis is down",
  );
  assert.equal(
    await notReady(checks("serving", 'the database file "chat-data/chat.db" is gone')),
    'the database file "chat-data/chat.db" is gone',
  );
});

Deno.test("notReady() does not wait past its bound for a store that does not answer", async () => {
  let answer: (value: string | undefined) => void = () => {};
  const silent = new Promise<string | undefined>((resolve) => answer = resolve);
  assert.equal(await notReady(checks("serving", silent)), "the store did not answer within 50 ms");
  answer(undefined);
  const failing: HealthChecks = {
    phase: () => "serving",
    store: () => Promise.reject(new Error("disk I/O error")),
  };
  assert.equal(await notReady(failing), "the store failed: disk I/O error");
});

Deno.test("/healthz answers ok while the server runs, even while it is not ready", async () => {
  const routes = healthRoutes(checks("stopping"));
  const response = await routes(new Request("http://chat.test/healthz"))!;
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "ok\n");
  assert.equal(response.headers.get("cache-control"), "no-store");
});

Deno.test("/readyz answers 200 when ready and 503 with the reason in one line when not", async () => {
  const ready = await healthRoutes(checks("serving"))(new Request("http://chat.test/readyz"))!;
  assert.equal(ready.status, 200);
  assert.equal(await ready.text(), "ready\n");
  const down = healthRoutes(checks("serving", undefined, false));
  const response = await down(new Request("http://chat.test/readyz"))!;
  assert.equal(response.status, 503);
  assert.equal(await response.text(), "not ready: the cluster's link to Redis is down\n");
  const head = await down(new Request("http://chat.test/readyz", { method: "HEAD" }))!;
  assert.equal(head.status, 503);
  assert.equal(head.body, null);
});

Deno.test("the health routes take only their two paths, by GET or HEAD", async () => {
  const routes = healthRoutes(checks("serving"));
  for (const path of ["/", "/ws", "/healthz/", "/readyz.txt", "/metrics"]) {
    assert.equal(routes(new Request(`http://chat.test${path}`)), undefined, path);
  }
  const post = await routes(new Request("http://chat.test/readyz", { method: "POST" }))!;
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
  // A query string does not matter.
  const query = await routes(new Request("http://chat.test/healthz?probe=1"))!;
  assert.equal(query.status, 200);
  await query.body?.cancel();
});
