/**
 * The web client behind a real nginx that runs the example site of `deploy/nginx-chat.conf`
 * (`lib/tools/nginx.ts` replaces only its ports and certificate): the page over HTTPS, plain HTTP
 * redirected, the WebSocket through it, and what the server believes each client's address is,
 * with `--trust-proxy` and without.
 *
 * Everything runs on this machine, so a client and the proxy would both be 127.0.0.1: nginx
 * connects to the server from 127.0.0.2 (`proxy_bind`, added around the site) to be told apart.
 */

import assert from "node:assert/strict";
import { RawClient } from "../lib/tools/raw_client.ts";
import { Nginx } from "../lib/tools/nginx.ts";
import { processTest, ServerProgram, tempDir, TEST_TLS } from "../lib/tools/testing.ts";
import { WebSocketClient } from "../lib/tools/web_socket_client.ts";
import { CONTENT_SECURITY_POLICY } from "../lib/web/web_server.ts";

/** The address nginx connects to the server from. */
const PROXY = "127.0.0.2";

/** Starts a server with the web client on a free port, with `args`; returns it and the port. */
async function webServer(args: string[] = []): Promise<{ server: ServerProgram; web: number }> {
  const server = await ServerProgram.start(["--web-port", "0", ...args], ["--allow-read=web"]);
  const { line } = await server.stdout.waitFor(/^Web client at http:\/\//);
  return { server, web: Number(/:(\d+)\/$/.exec(line)![1]) };
}

/** An HTTP client that trusts the test certificate authority (close it after). */
async function testClient(): Promise<Deno.HttpClient> {
  return Deno.createHttpClient({ caCerts: [await Deno.readTextFile(TEST_TLS.ca)] });
}

/**
 * Opens `url` as the page would (with its `origin`, when given, and `X-Forwarded-For` as the
 * client's own), registers `nickname`, and says `text` to everyone once `listener` (already in
 * the chat) has heard it arrive. Returns the socket, open.
 */
async function chatThrough(
  url: string,
  nickname: string,
  options: { client?: Deno.HttpClient; origin?: string; forwardedFor?: string },
): Promise<WebSocketClient> {
  const headers: Record<string, string> = {};
  if (options.origin !== undefined) headers.origin = options.origin;
  if (options.forwardedFor !== undefined) headers["x-forwarded-for"] = options.forwardedFor;
  const socket = new WebSocketClient(url, { headers, client: options.client });
  try {
    await socket.opened();
    socket.send({ type: "nickname", nickname, clientID: "web" });
    await socket.nextOfType("welcome");
  } catch (error) {
    await socket.close();
    throw error;
  }
  return socket;
}

/** The console's `Received:` line for `nickname`'s next message, waited for from `from`. */
async function receivedFrom(server: ServerProgram, nickname: string, from: number) {
  const { line } = await server.stdout.waitFor(
    new RegExp(`^Received: IP:[^,]*, Port:\\d+, Client-Nickname:${nickname},`),
    { from },
  );
  return /^Received: IP:([^,]*),/.exec(line)![1];
}

processTest(
  "through nginx: the page over HTTPS, HTTP redirected, the WebSocket chatting, the client named from X-Forwarded-For and a forged header ignored",
  async () => {
    using dir = tempDir();
    const { server, web } = await webServer(["--trust-proxy", PROXY]);
    await using _server = server;
    await using nginx = await Nginx.start({ dir: dir.path, webPort: web, bind: PROXY });
    const client = await testClient();
    const https = `https://127.0.0.1:${nginx.httpsPort}`;
    const sockets: WebSocketClient[] = [];
    try {
      // The page, with its headers, and the health checks; the metrics are not let out.
      const page = await fetch(`${https}/`, { client });
      assert.equal(page.status, 200);
      assert.equal(await page.text(), await Deno.readTextFile("web/index.html"));
      assert.equal(page.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
      assert.equal(page.headers.get("strict-transport-security"), "max-age=63072000");
      const health = await fetch(`${https}/healthz`, { client });
      assert.deepEqual([health.status, await health.text()], [200, "ok\n"]);
      const ready = await fetch(`${https}/readyz`, { client });
      assert.deepEqual([ready.status, await ready.text()], [200, "ready\n"]);
      const metrics = await fetch(`${https}/metrics`, { client });
      assert.equal(metrics.status, 404);
      await metrics.body?.cancel();
      // Plain HTTP is sent to HTTPS, path and query kept.
      const plain = await fetch(`http://127.0.0.1:${nginx.httpPort}/app.js?v=1`, {
        redirect: "manual",
      });
      assert.equal(plain.status, 301);
      assert.equal(plain.headers.get("location"), "https://127.0.0.1/app.js?v=1");
      await plain.body?.cancel();

      // The page's WebSocket through nginx: its https origin is let in (the Host and scheme
      // forwarded), and it chats both ways with a terminal client.
      await using bob = await RawClient.registered(server.port, "Bob");
      const wendy = await chatThrough(`wss://127.0.0.1:${nginx.httpsPort}/ws`, "Wendy", {
        client,
        origin: https,
        forwardedFor: "203.0.113.7",
      });
      sockets.push(wendy);
      await bob.sendMessage({ type: "message", message: "hello through nginx" });
      assert.equal((await wendy.nextOfType("broadcast")).message, "hello through nginx");
      let from = server.stdout.lines.length;
      wendy.send({ type: "message", message: "hi from behind nginx" });
      assert.equal((await bob.nextOfType("broadcast")).message, "hi from behind nginx");
      // nginx passed on "203.0.113.7, 127.0.0.1": the address it appended (untrusted, so the
      // client) is named, neither the proxy (127.0.0.2) nor what the client wrote itself.
      assert.equal(await receivedFrom(server, "Wendy", from), "127.0.0.1");

      // Straight to the server, the header is anybody's word and is ignored.
      const dora = await chatThrough(`ws://127.0.0.1:${web}/ws`, "Dora", {
        forwardedFor: "203.0.113.9",
      });
      sockets.push(dora);
      from = server.stdout.lines.length;
      dora.send({ type: "message", message: "hi, straight in" });
      assert.equal((await bob.nextOfType("broadcast")).message, "hi, straight in");
      assert.equal(await receivedFrom(server, "Dora", from), "127.0.0.1");
      assert.ok(!server.stdout.lines.some((line) => line.includes("203.0.113.")));
    } finally {
      for (const socket of sockets) await socket.close();
      client.close();
    }
  },
);

processTest(
  "through nginx: a client behind trusted proxies is named as nginx was told, and without --trust-proxy the proxy is named and the https page refused",
  async () => {
    using dir = tempDir();
    // Every loopback address trusted: the test itself stands for a proxy in front of nginx.
    const trusting = await webServer(["--trust-proxy", "127.0.0.0/8"]);
    await using _trusting = trusting.server;
    Deno.mkdirSync(`${dir.path}/a`);
    await using first = await Nginx.start({ dir: `${dir.path}/a`, webPort: trusting.web });
    const client = await testClient();
    const sockets: WebSocketClient[] = [];
    try {
      await using bob = await RawClient.registered(trusting.server.port, "Bob");
      const https = `https://127.0.0.1:${first.httpsPort}`;
      const wendy = await chatThrough(`wss://127.0.0.1:${first.httpsPort}/ws`, "Wendy", {
        client,
        origin: https,
        forwardedFor: "203.0.113.7",
      });
      sockets.push(wendy);
      const from = trusting.server.stdout.lines.length;
      wendy.send({ type: "message", message: "from far away" });
      assert.equal((await bob.nextOfType("broadcast")).message, "from far away");
      assert.equal(await receivedFrom(trusting.server, "Wendy", from), "203.0.113.7");

      // Without --trust-proxy the proxy is the client, and the page's https origin is not its
      // own (the server sees http): a browser's WebSocket is refused, a program's is not.
      const { server, web } = await webServer();
      await using _server = server;
      Deno.mkdirSync(`${dir.path}/b`);
      await using second = await Nginx.start({ dir: `${dir.path}/b`, webPort: web, bind: PROXY });
      const url = `wss://127.0.0.1:${second.httpsPort}/ws`;
      const refused = new WebSocketClient(url, {
        client,
        headers: { origin: `https://127.0.0.1:${second.httpsPort}` },
      });
      await assert.rejects(refused.opened(), /The WebSocket failed/);
      await refused.closed();
      await using carol = await RawClient.registered(server.port, "Carol");
      const walt = await chatThrough(url, "Walt", { client, forwardedFor: "203.0.113.7" });
      sockets.push(walt);
      const later = server.stdout.lines.length;
      walt.send({ type: "message", message: "who am I?" });
      assert.equal((await carol.nextOfType("broadcast")).message, "who am I?");
      assert.equal(await receivedFrom(server, "Walt", later), PROXY);
    } finally {
      for (const socket of sockets) await socket.close();
      client.close();
    }
  },
);
