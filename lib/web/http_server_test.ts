import assert from "node:assert/strict";
import { WAIT_MS, within } from "../tools/testing.ts";
import {
  type ConnectionGate,
  countingGate,
  HttpServer,
  type HttpServerOptions,
} from "./http_server.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A server on a free loopback port answering `/` and `/ws`, with short deadlines. */
function serve(options: Partial<HttpServerOptions> = {}) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const server = new HttpServer(listener, {
    handler: (request) => {
      const path = new URL(request.url).pathname;
      if (request.method !== "GET" && request.method !== "HEAD") {
        return new Response("Method not allowed\n", { status: 405 });
      }
      return new Response(`page ${path}\n`, { headers: { "content-type": "text/plain" } });
    },
    scheme: "http",
    headTimeoutMs: 300,
    idleTimeoutMs: 300,
    writeTimeoutMs: 1000,
    ...options,
  });
  server.serve();
  return {
    port: server.addr.port,
    server,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/** A connection to `port` driven by hand. */
async function connect(port: number) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let received = "";
  return {
    conn,
    send: (text: string) => conn.write(encoder.encode(text)),
    /** Everything until the server closes, and how long that took (ms). */
    async untilClosed(): Promise<{ text: string; ms: number }> {
      const start = Date.now();
      const buffer = new Uint8Array(4096);
      const read = async () => {
        while (true) {
          let n: number | null;
          try {
            n = await conn.read(buffer);
          } catch {
            n = null; // A reset ends it too.
          }
          if (n === null) return;
          received += decoder.decode(buffer.subarray(0, n));
        }
      };
      await within(read(), WAIT_MS, "the server to close the connection");
      return { text: received, ms: Date.now() - start };
    },
    /** What has arrived once it holds `count` responses. */
    async responses(count: number): Promise<string> {
      const buffer = new Uint8Array(4096);
      while ((received.match(/HTTP\/1\.1 /g) ?? []).length < count || !complete(received)) {
        const n = await within(conn.read(buffer), WAIT_MS, `${count} responses`);
        if (n === null) throw new Error(`Closed after ${JSON.stringify(received)}`);
        received += decoder.decode(buffer.subarray(0, n));
      }
      return received;
    },
    [Symbol.dispose]() {
      try {
        conn.close();
      } catch {
        // Closed.
      }
    },
  };
}

/** Whether the last response in `text` has all its body. */
function complete(text: string): boolean {
  const last = text.lastIndexOf("HTTP/1.1 ");
  const head = text.indexOf("\r\n\r\n", last);
  if (head < 0) return false;
  const length = Number(/content-length: (\d+)/.exec(text.slice(last, head))?.[1] ?? 0);
  return encoder.encode(text.slice(head + 4)).length >= length;
}

Deno.test("HttpServer keeps a connection alive, answers pipelined requests in order, and honours close", async () => {
  await using web = serve();
  using client = await connect(web.port);
  await client.send("GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
  assert.match(await client.responses(1), /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\npage \/a\n$/);
  await client.send(
    "GET /b HTTP/1.1\r\nHost: t\r\n\r\nHEAD /c HTTP/1.1\r\nHost: t\r\n\r\n" +
      "GET /d HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n",
  );
  const { text } = await client.untilClosed();
  const bodies = text.split(/HTTP\/1\.1 200 OK\r\n/).slice(1).map((r) => r.split("\r\n\r\n")[1]);
  assert.deepEqual(bodies, ["page /a\n", "page /b\n", "", "page /d\n"]);
  assert.match(text, /content-length: 8\r\nconnection: close\r\n\r\npage \/d\n$/);
  using old = await connect(web.port);
  await old.send("GET /e HTTP/1.0\r\n\r\n");
  assert.match((await old.untilClosed()).text, /connection: close\r\n\r\npage \/e\n$/);
});

Deno.test("HttpServer answers a head cut short 408 at its deadline, and closes a silent connection without a word", async () => {
  await using web = serve({ headTimeoutMs: 200 });
  using partial = await connect(web.port);
  await partial.send("GET / HTTP/1.1\r\nHost: t\r\n");
  const cut = await partial.untilClosed();
  assert.match(cut.text, /^HTTP\/1\.1 408 Request Timeout\r\n[^]*connection: close\r\n/);
  assert.ok(cut.ms >= 150, `not before the deadline (${cut.ms} ms)`);
  using silent = await connect(web.port);
  assert.equal((await silent.untilClosed()).text, "");
});

Deno.test("HttpServer closes a kept-alive connection idle past its idle deadline", async () => {
  await using web = serve({ headTimeoutMs: 5000, idleTimeoutMs: 200 });
  using client = await connect(web.port);
  await client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  await client.responses(1);
  const idle = await client.untilClosed();
  assert.equal(idle.text.match(/HTTP\/1\.1/g)?.length, 1, "nothing more said");
  assert.ok(idle.ms >= 150, `not before the deadline (${idle.ms} ms)`);
});

Deno.test("HttpServer refuses a head over 16 KiB (431), a body (413) and a method the handler does not take (405)", async () => {
  await using web = serve({ headTimeoutMs: 5000 });
  const cases: [string, RegExp][] = [
    [`GET / HTTP/1.1\r\nHost: t\r\nX-Big: ${"b".repeat(17 * 1024)}\r\n\r\n`, /^HTTP\/1\.1 431 /],
    ["POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc", /^HTTP\/1\.1 413 /],
    ["POST / HTTP/1.1\r\nHost: t\r\nContent-Length: x\r\n\r\n", /^HTTP\/1\.1 400 /],
    ["GET / HTTP/1.1\r\n\r\n", /^HTTP\/1\.1 400 [^]*\r\n\r\nA request needs one Host header\n$/],
    ["TRACE / HTTP/1.1\r\nHost: t\r\n\r\n", /^HTTP\/1\.1 405 /],
  ];
  for (const [request, answer] of cases) {
    using client = await connect(web.port);
    await client.send(request).catch(() => {});
    const { text } = await client.untilClosed();
    assert.match(text, answer, request.slice(0, 40));
    assert.match(text, /connection: close\r\n/);
  }
  using post = await connect(web.port);
  await post.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  assert.match(await post.responses(1), /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
});

Deno.test("HttpServer gives the head of a request to a path it names a shorter deadline", async () => {
  await using web = serve({
    headTimeoutMs: 5000,
    headTimeoutFor: (path) => path === "/ws" ? 200 : undefined,
  });
  using handshake = await connect(web.port);
  await handshake.send("GET /ws HTTP/1.1\r\nHost: t\r\n");
  const cut = await handshake.untilClosed();
  assert.match(cut.text, /^HTTP\/1\.1 408 /);
  assert.ok(cut.ms < 5000, "before the usual deadline");
});

Deno.test("HttpServer counts each connection through its gate until it closes, and answers one past a cap 503 at once", async () => {
  const counted = new Map<string, number>();
  const refused: string[] = [];
  const gate: ConnectionGate = {
    enter: (ip, perIp) => {
      assert.equal(perIp, true);
      if ((counted.get(ip) ?? 0) >= 2) return `Too many connections from ${ip}: the limit is 2`;
      counted.set(ip, (counted.get(ip) ?? 0) + 1);
      return undefined;
    },
    leave: (ip) => {
      counted.set(ip, counted.get(ip)! - 1);
      left.resolve();
    },
  };
  const left = Promise.withResolvers<void>();
  await using web = serve({
    headTimeoutMs: 5000,
    gate,
    refused: (ip, why) => refused.push(`${ip}: ${why}`),
  });
  using first = await connect(web.port);
  using second = await connect(web.port);
  await first.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  await first.responses(1);
  await second.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  await second.responses(1);
  using third = await connect(web.port);
  const { text } = await third.untilClosed();
  assert.match(text, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
  assert.match(
    text,
    /\r\nretry-after: 10\r\n[^]*connection: close\r\n\r\nToo many connections from 127\.0\.0\.1: the limit is 2\n$/,
  );
  assert.deepEqual(refused, ["127.0.0.1: Too many connections from 127.0.0.1: the limit is 2"]);
  first.conn.close();
  // Once the first has gone (and been counted out), another may come in.
  await within(left.promise, WAIT_MS, "the first connection to be counted out");
  assert.equal(counted.get("127.0.0.1"), 1);
  using fourth = await connect(web.port);
  await fourth.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  assert.match(await fourth.responses(1), /^HTTP\/1\.1 200 /);
});

Deno.test("HttpServer's shutdown closes every connection, idle or waiting for its head", async () => {
  const web = serve({ headTimeoutMs: 5000, idleTimeoutMs: 5000 });
  using idle = await connect(web.port);
  await idle.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  await idle.responses(1);
  using waiting = await connect(web.port);
  await waiting.send("GET / HTT");
  await within(web.server.shutdown(), WAIT_MS, "the shutdown");
  assert.equal((await waiting.untilClosed()).text, "");
  assert.equal((await idle.untilClosed()).text.match(/HTTP\/1\.1/g)?.length, 1);
});

Deno.test("countingGate() lets in so many connections at once, whatever their address", () => {
  const gate = countingGate(2);
  assert.equal(gate.enter("192.0.2.1", true), undefined);
  assert.equal(gate.enter("192.0.2.2", true), undefined);
  assert.equal(gate.enter("192.0.2.3", true), "Too many connections: this port takes 2 at once");
  gate.leave("192.0.2.1", true);
  assert.equal(gate.enter("192.0.2.3", true), undefined);
});
