import assert from "node:assert/strict";
import {
  CONTENT_SECURITY_POLICY,
  readAssets,
  startRoutesServer,
  startWebServer,
  webHandler,
  type WebServerOptions,
} from "./web_server.ts";
import type { HttpRequestInfo } from "./http_connection.ts";
import { LINES_PROTOCOL, type WebSocketConn } from "./websocket_conn.ts";
import { tempDir, WAIT_MS, within } from "../tools/testing.ts";

const INFO: HttpRequestInfo = {
  remoteAddr: { transport: "tcp", hostname: "192.0.2.7", port: 50_000 },
};

function handlerFor(
  files: Record<string, string>,
  origins: string[] = [],
  more: Pick<WebServerOptions, "trustProxies" | "routes"> & { secure?: boolean } = {},
) {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    Deno.writeTextFileSync(`${dir.path}/${name}`, text);
  }
  Deno.mkdirSync(`${dir.path}/common`);
  Deno.writeTextFileSync(`${dir.path}/common/module.js`, "2");
  Deno.writeTextFileSync(`${dir.path}/common/module_test.ts`, "no");
  Deno.mkdirSync(`${dir.path}/.git`);
  Deno.writeTextFileSync(`${dir.path}/.git/secret.js`, "secret");
  const assets = readAssets(dir.path);
  dir[Symbol.dispose]();
  return webHandler(assets, { origins, onConnection: () => {}, ...more });
}

Deno.test("webHandler() serves the page's files and modules with a strict policy, and nothing else", async () => {
  const handle = handlerFor({
    "index.html": "<!doctype html>",
    "app.js": "1",
    ".hidden.js": "no",
    "notes.txt": "no",
  });
  const page = await handle(new Request("http://chat.test/"), INFO);
  assert.equal(page.status, 200);
  assert.equal(await page.text(), "<!doctype html>");
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(page.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self';.*connect-src 'self'/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  const script = await handle(new Request("http://chat.test/app.js"), INFO);
  assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
  await script.body?.cancel();
  const module = await handle(new Request("http://chat.test/common/module.js"), INFO);
  assert.equal(await module.text(), "2");
  for (
    const path of [
      "/.hidden.js",
      "/notes.txt",
      "/.git/secret.js",
      "/common/module_test.ts",
      "/common/",
      "/%2e%2e/x",
      "/index.html/",
    ]
  ) {
    const response = await handle(new Request(`http://chat.test${path}`), INFO);
    assert.equal(response.status, 404, path);
    await response.body?.cancel();
  }
  const post = await handle(new Request("http://chat.test/", { method: "POST", body: "x" }), INFO);
  assert.equal(post.status, 405);
  await post.body?.cancel();
  const head = await handle(new Request("http://chat.test/", { method: "HEAD" }), INFO);
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  assert.equal(head.headers.get("content-length"), "15", "the length a GET gets");
});

/** A WebSocket upgrade request for chat.test/ws, from a page of `origin`. */
const ws = (origin?: string) =>
  new Request("http://chat.test/ws", {
    headers: {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
      ...(origin === undefined ? {} : { origin }),
    },
  });

Deno.test("webHandler() opens the WebSocket to the page's own origin and to those allowed only", async () => {
  const handle = handlerFor({ "index.html": "x" }, ["https://allowed.test"]);
  const foreign = await handle(ws("http://evil.test"), INFO);
  assert.equal(foreign.status, 403);
  assert.equal(await foreign.text(), 'Origin "http://evil.test" may not open the chat\n');
  const plain = await handle(new Request("http://chat.test/ws"), INFO);
  assert.equal(plain.status, 426);
  await plain.body?.cancel();
  // The page's own origin, an allowed one, and a program that is not a browser are upgraded.
  for (const origin of ["http://chat.test", "https://allowed.test", undefined]) {
    assert.equal((await handle(ws(origin), INFO)).status, 101, String(origin));
  }
});

/** A request's handling details from `hostname`. */
function from(hostname: string): HttpRequestInfo {
  return { ...INFO, remoteAddr: { ...INFO.remoteAddr, hostname } };
}

Deno.test("webHandler() asks the other routes first, with the client's address", async () => {
  const seen: string[] = [];
  const handle = handlerFor({ "index.html": "page" }, [], {
    trustProxies: ["127.0.0.1"],
    routes: (request, client) => {
      seen.push(client.hostname);
      return new URL(request.url).pathname === "/healthz" ? new Response("ok\n") : undefined;
    },
  });
  const forwarded = { "x-forwarded-for": "203.0.113.7" };
  const health = await handle(
    new Request("http://chat.test/healthz", { headers: forwarded }),
    from("127.0.0.1"),
  );
  assert.equal(await health.text(), "ok\n");
  // Not the routes': the page answers.
  const page = await handle(
    new Request("http://chat.test/", { headers: forwarded }),
    from("192.0.2.7"),
  );
  assert.equal(await page.text(), "page");
  // The trusted proxy's header is believed; another client's is not.
  assert.deepEqual(seen, ["203.0.113.7", "192.0.2.7"]);
});

Deno.test("behind a trusted proxy that ends TLS, the page's own https origin may open the WebSocket", async () => {
  const handle = handlerFor({ "index.html": "x" }, [], { trustProxies: ["10.0.0.0/8"] });
  const ws = (proto: string) =>
    new Request("http://chat.example.org/ws", {
      headers: {
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
        origin: "https://chat.example.org",
        "x-forwarded-proto": proto,
      },
    });
  assert.equal((await handle(ws("https"), from("10.1.2.3"))).status, 101);
  // From anyone else the header is ignored, and the origin is not the page's (http://...).
  const direct = await handle(ws("https"), from("192.0.2.7"));
  assert.equal(direct.status, 403);
  await direct.body?.cancel();
  const plain = await handle(ws("http"), from("10.1.2.3"));
  assert.equal(plain.status, 403);
  await plain.body?.cancel();
});

Deno.test("webHandler() served over TLS takes the page's https origin for its own, not http", async () => {
  const handle = handlerFor({ "index.html": "x" }, [], { secure: true });
  assert.equal((await handle(ws("https://chat.test"), INFO)).status, 101);
  const plain = await handle(ws("http://chat.test"), INFO);
  assert.equal(plain.status, 403);
  await plain.body?.cancel();
});

Deno.test("startWebServer() serves the WebSocket itself: one message a frame, or the lines in one frame with chat-lines", async () => {
  using dir = tempDir();
  Deno.writeTextFileSync(`${dir.path}/index.html`, "page");
  const opened: { conn: WebSocketConn; proxied: boolean }[] = [];
  let wake = () => {};
  const web = startWebServer({
    port: 0,
    hostname: "127.0.0.1",
    root: dir.path,
    origins: [],
    onConnection: (conn, proxied) => {
      opened.push({ conn, proxied });
      wake();
    },
  });
  try {
    for (const protocols of [[], [LINES_PROTOCOL]]) {
      const socket = new WebSocket(`ws://127.0.0.1:${web.port}/ws`, protocols);
      const frames: string[] = [];
      let arrived = () => {};
      socket.onmessage = (event) => {
        frames.push(event.data);
        arrived();
      };
      await within(new Promise((resolve) => socket.onopen = resolve), WAIT_MS, "the socket");
      assert.equal(socket.protocol, protocols[0] ?? "");
      while (opened.length === 0) await new Promise<void>((resolve) => wake = resolve);
      const { conn, proxied } = opened.shift()!;
      assert.equal(proxied, false);
      assert.equal(conn.batched, protocols.length > 0);
      socket.send('{"type":"list"}');
      const line = new Uint8Array(64);
      const n = await conn.read(line);
      assert.equal(new TextDecoder().decode(line.subarray(0, n!)), '{"type":"list"}\n');
      await conn.write(new TextEncoder().encode('{"a":1}\n{"b":2}\n'));
      const expected = protocols.length > 0 ? ['{"a":1}\n{"b":2}\n'] : ['{"a":1}', '{"b":2}'];
      while (frames.length < expected.length) {
        await within(new Promise<void>((resolve) => arrived = resolve), WAIT_MS, "the frames");
      }
      assert.deepEqual(frames, expected);
      const closed = new Promise((resolve) => socket.onclose = resolve);
      socket.close();
      assert.equal(await conn.read(line), null, "the client's close ends the stream");
      conn.close();
      await within(closed, WAIT_MS, "the close");
    }
  } finally {
    await web.shutdown();
  }
});

Deno.test("startRoutesServer() answers its routes alone, 404 to the rest, and closes a head that is late", async () => {
  const server = startRoutesServer({
    port: 0,
    hostname: "127.0.0.1",
    routes: (request, client) =>
      new URL(request.url).pathname === "/metrics"
        ? new Response(`up 1 from ${client.hostname}\n`)
        : undefined,
    limits: {
      maxMessageBytes: 1024,
      headTimeoutMs: 200,
      handshakeTimeoutMs: 200,
      idleTimeoutMs: 200,
      writeTimeoutMs: 1000,
    },
  });
  try {
    const scraped = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    assert.equal(await scraped.text(), "up 1 from 127.0.0.1\n");
    const other = await fetch(`http://127.0.0.1:${server.port}/`);
    assert.equal(other.status, 404);
    await other.body?.cancel();
    // Half a request: answered 408 and closed at the head's deadline.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(new TextEncoder().encode("GET /metrics HTTP/1.1\r\n"));
    let answer = "";
    const buffer = new Uint8Array(1024);
    await within(
      (async () => {
        for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
          answer += new TextDecoder().decode(buffer.subarray(0, n));
        }
      })(),
      WAIT_MS,
      "the late head's answer and close",
    );
    conn.close();
    assert.match(answer, /^HTTP\/1\.1 408 /);
  } finally {
    await server.shutdown();
  }
});
