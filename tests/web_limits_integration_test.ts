/**
 * The web port's limits with a real ChatServer and raw sockets: heads that come too slowly or too
 * big, bodies and methods it does not take, the WebSocket's handshake deadline, its connections
 * counted with the chat port's against --max-per-ip (a WebSocket once; behind a trusted proxy, by
 * the client it names), 503 past the cap said once on the console, and a page that stops reading
 * in the middle of a burst cut at its sendq while the others get everything.
 */

import assert from "node:assert/strict";
import { EXTENSION_TYPES } from "../protocol.ts";
import { RawClient } from "../lib/tools/raw_client.ts";
import { RawWebSocket } from "../lib/tools/raw_websocket.ts";
import {
  line,
  processTest,
  ServerProgram,
  serverStats,
  WAIT_MS,
  within,
} from "../lib/tools/testing.ts";
import { LINES_PROTOCOL } from "../lib/web/websocket_conn.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A server with a web port (and `args`), and that port. */
async function webServer(args: string[]): Promise<{ server: ServerProgram; web: number }> {
  const server = await ServerProgram.start(["--web-port", "0", ...args], ["--allow-read=web"]);
  const { line: started } = await server.stdout.waitFor(/^Web client at http:\/\//);
  return { server, web: Number(/:(\d+)\/$/.exec(started)![1]) };
}

/** Registers `socket` as `nickname`, as the page does (announcing the notices it reads). */
function join(socket: RawWebSocket, nickname: string): Promise<void> {
  return socket.send({
    type: "nickname",
    nickname,
    clientID: "web",
    timestamp: new Date().toISOString(),
    extensions: EXTENSION_TYPES,
  });
}

/** Opens a connection to the web port, sends `text`, and returns all it gets until closed. */
async function exchange(port: number, text: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const bytes = encoder.encode(text);
    for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
    return await untilClosed(conn);
  } finally {
    conn.close();
  }
}

/** Everything `conn` gets until the server closes it (a reset ends it too). */
async function untilClosed(conn: Deno.Conn): Promise<string> {
  let received = "";
  const buffer = new Uint8Array(4096);
  const read = async () => {
    while (true) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) return received;
      received += decoder.decode(buffer.subarray(0, n));
    }
  };
  return await within(read(), WAIT_MS, "the server to close the connection");
}

processTest(
  "the web port answers a head cut short 408 after --http-timeout, and refuses a head over 16 KiB, a body and POST",
  async () => {
    const { server, web } = await webServer(["--http-timeout", "0.5"]);
    await using _server = server;
    const host = `Host: 127.0.0.1:${web}\r\n`;
    const slow = await exchange(web, `GET / HTTP/1.1\r\n${host}`);
    assert.match(slow, /^HTTP\/1\.1 408 Request Timeout\r\n[^]*connection: close\r\n/);
    const big = await exchange(
      web,
      `GET / HTTP/1.1\r\n${host}X-Big: ${"b".repeat(17_000)}\r\n\r\n`,
    );
    assert.match(big, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    const body = await exchange(web, `POST / HTTP/1.1\r\n${host}Content-Length: 5\r\n\r\nhello`);
    assert.match(body, /^HTTP\/1\.1 413 Content Too Large\r\n/);
    const chunked = await exchange(
      web,
      `POST / HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n`,
    );
    assert.match(chunked, /^HTTP\/1\.1 413 /);
    const post = await exchange(
      web,
      `POST / HTTP/1.1\r\n${host}Content-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    assert.match(post, /^HTTP\/1\.1 405 Method Not Allowed\r\n[^]*\r\n\r\nMethod not allowed\n$/);
    // Kept alive between requests: two pages on one connection.
    const pages = await exchange(
      web,
      `GET / HTTP/1.1\r\n${host}\r\nHEAD /app.js HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
    );
    assert.equal(pages.match(/HTTP\/1\.1 200 OK/g)?.length, 2);
  },
);

processTest(
  "a WebSocket handshake that does not finish within --register-timeout is closed, sooner than --http-timeout",
  async () => {
    const { server, web } = await webServer(["--http-timeout", "60", "--register-timeout", "0.5"]);
    await using _server = server;
    // Were the 60 s deadline the one kept, this would time out.
    const answer = await exchange(web, `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${web}\r\n`);
    assert.match(answer, /^HTTP\/1\.1 408 /);
  },
);

processTest(
  "web connections count toward --max-per-ip with the chat port's, a WebSocket once; past it, 503 at once and one console line",
  async () => {
    const { server, web } = await webServer(["--limit-loopback", "--max-per-ip", "3"]);
    await using _server = server;
    // One: a page's WebSocket, registered (counted when accepted, not again when it joins).
    using page = await RawWebSocket.open(web);
    await join(page, "Webby");
    await page.nextOfType("welcome");
    // Two: a terminal client on the chat port.
    await using terminal = await RawClient.registered(server.port, "Terminal");
    // Three: a connection that loaded the page and is kept alive.
    const idle = await Deno.connect({ hostname: "127.0.0.1", port: web });
    try {
      await idle.write(encoder.encode(`HEAD / HTTP/1.1\r\nHost: 127.0.0.1:${web}\r\n\r\n`));
      const head = new Uint8Array(4096);
      const n = await within(idle.read(head), WAIT_MS, "the HEAD's answer");
      assert.match(decoder.decode(head.subarray(0, n!)), /^HTTP\/1\.1 200 OK\r\n/);

      // Four and five: answered at once, without a request.
      const why = "Too many connections from 127.0.0.1: the limit is 3";
      for (let i = 0; i < 2; i++) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: web });
        try {
          const answer = await untilClosed(conn);
          assert.match(answer, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
          assert.match(answer, /\r\nretry-after: 10\r\n/);
          assert.match(answer, new RegExp(`connection: close\\r\\n\\r\\n${why}\\n$`));
        } finally {
          conn.close();
        }
      }
      // The chat port counts the same connections.
      await using refused = await RawClient.connect(server.port);
      await refused.register("Late");
      assert.equal((await refused.nextOfType("error")).message, why);
      await server.stdout.waitFor(line(`<dt> :: refused 127.0.0.1:<n>: ${why}`));
      const said = server.stdout.lines.filter((each) => each.includes(":: web port refused "));
      assert.equal(said.length, 1, "one line for both refusals");
      assert.match(said[0], new RegExp(`^\\S+ \\S+ :: web port refused 127\\.0\\.0\\.1: ${why}$`));
      // Those let in are served on.
      await terminal.sendMessage({ type: "message", message: "still here" });
      assert.equal((await page.nextOfType("broadcast")).message, "still here");
    } finally {
      idle.close();
    }
  },
);

processTest(
  "behind a trusted proxy, web connections count per address by the client the proxy names",
  async () => {
    const { server, web } = await webServer([
      ...["--trust-proxy", "127.0.0.1", "--limit-loopback", "--max-per-ip", "1"],
    ]);
    await using _server = server;
    // Both through the proxy's address, for two clients: neither is the proxy's one too many.
    using first = await RawWebSocket.open(web, { "x-forwarded-for": "203.0.113.7" });
    await join(first, "First");
    await first.nextOfType("welcome");
    using second = await RawWebSocket.open(web, { "x-forwarded-for": "203.0.113.8" });
    await join(second, "Second");
    await second.nextOfType("welcome");
    // A second connection of the first client is one too many.
    using again = await RawWebSocket.open(web, { "x-forwarded-for": "203.0.113.7" });
    await join(again, "Again");
    assert.equal(
      (await again.nextOfType("error")).message,
      "Too many connections from 203.0.113.7: the limit is 1",
    );
    assert.equal(await again.nextText(), undefined, "and closed");
  },
);

processTest(
  "a page that stops reading in the middle of a burst is cut at its sendq, while a page and a terminal that read get it all in order",
  async () => {
    const { server, web } = await webServer([
      ...["--sendq", "65536", "--write-timeout", "3", "--max-rate", "0", "--byte-rate", "0"],
    ]);
    await using _server = server;
    const lines = { "sec-websocket-protocol": LINES_PROTOCOL };
    using stalled = await RawWebSocket.open(web, lines);
    await join(stalled, "Stalled");
    await stalled.nextOfType("welcome");
    using page = await RawWebSocket.open(web, lines);
    await join(page, "Page");
    await page.nextOfType("welcome");
    await using terminal = await RawClient.registered(server.port, "Terminal", EXTENSION_TYPES);
    await using sender = await RawClient.registered(server.port, "Sender");

    // Past what the kernel buffers hold for a client that reads nothing (about 4 MiB here).
    const count = 150;
    const text = "y".repeat(60_000);
    const left: Record<string, unknown>[] = [];
    const everything = async (next: () => Promise<Record<string, unknown> | undefined>) => {
      for (let i = 0; i < count;) {
        const message = await next();
        if (message?.type === "left") left.push(message);
        if (message?.type !== "broadcast") continue;
        assert.equal(message.message, `${i++} ${text}`);
      }
    };
    const receiving = Promise.all([
      everything(() => page.next()),
      everything(() => terminal.next()),
      // The stalled page reads the first few, then no more.
      (async () => {
        for (let i = 0; i < 3; i++) await stalled.nextOfType("broadcast");
      })(),
    ]);
    for (let i = 0; i < count; i++) {
      await sender.send(JSON.stringify({ type: "message", message: `${i} ${text}` }) + "\n");
    }
    await receiving;
    await server.stdout.waitFor(line("<dt> :: Stalled: disconnected."));
    // Both readers were told, in the middle of the burst or after it.
    if (left.length < 2) left.push(await page.nextOfType("left"));
    if (left.length < 2) left.push(await terminal.nextOfType("left"));
    for (const each of left) {
      assert.equal(each.nickname, "Stalled");
      assert.match(String(each.reason), /^removed \((too slow to keep up|stopped reading)\)$/);
    }
  },
);

processTest(
  "SIGUSR2's stats count the web port's open HTTP connections, and a WebSocket once",
  async () => {
    const { server, web } = await webServer([]);
    await using _ = server;
    const before = await serverStats(server);
    // Two kept-alive connections, each answered once and waiting for its next request.
    const conns = await Promise.all(
      [1, 2].map(() => Deno.connect({ hostname: "127.0.0.1", port: web })),
    );
    try {
      for (const conn of conns) {
        await conn.write(encoder.encode("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"));
        const buffer = new Uint8Array(1024);
        const n = await within(conn.read(buffer), WAIT_MS, "the answer");
        assert.match(decoder.decode(buffer.subarray(0, n ?? 0)), /^HTTP\/1\.1 200 /);
      }
      const socket = await RawWebSocket.open(web);
      try {
        await join(socket, "Ann");
        await socket.nextOfType("welcome");
        const stats = await serverStats(server);
        assert.equal(
          stats.connections,
          before.connections + 3,
          "two HTTP connections, one WebSocket",
        );
        assert.equal(stats.registered, before.registered + 1);
      } finally {
        socket.close();
      }
    } finally {
      for (const conn of conns) conn.close();
    }
  },
);
