import assert from "node:assert/strict";
import { SwitchingProtocols } from "./http_response.ts";
import { LINES_PROTOCOL } from "./websocket_conn.ts";
import { acceptKey, upgradeWebSocket, WebSocketUpgrade } from "./websocket_handshake.ts";

const OPTIONS = {
  remoteAddr: { transport: "tcp" as const, hostname: "192.0.2.7", port: 50_000 },
  maxMessageBytes: 1000,
  open: () => {},
};

/** An upgrade request for /ws with `headers` over the usual ones (null: left out). */
function upgrade(headers: Record<string, string | null> = {}, method = "GET"): Request {
  const all: Record<string, string | null> = {
    upgrade: "websocket",
    connection: "keep-alive, Upgrade",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    "sec-websocket-version": "13",
    ...headers,
  };
  const given = Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== null);
  return new Request("http://chat.test/ws", { method, headers: given });
}

Deno.test("acceptKey() answers the RFC's own example", async () => {
  assert.equal(await acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

Deno.test("upgradeWebSocket() answers a proper request with a 101 that takes the connection", async () => {
  const response = await upgradeWebSocket(upgrade(), OPTIONS);
  assert.ok(response instanceof WebSocketUpgrade);
  assert.ok(response instanceof SwitchingProtocols);
  assert.equal(response.status, 101);
  assert.equal(response.headers.get("upgrade"), "websocket");
  assert.equal(response.headers.get("connection"), "Upgrade");
  assert.equal(response.headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  assert.equal(response.headers.get("sec-websocket-protocol"), null, "no subprotocol offered");
});

Deno.test("upgradeWebSocket() takes chat-lines when the client offers it, among others or not", async () => {
  for (const offered of [LINES_PROTOCOL, `json, ${LINES_PROTOCOL}`]) {
    const response = await upgradeWebSocket(
      upgrade({ "sec-websocket-protocol": offered }),
      OPTIONS,
    );
    assert.equal(response.headers.get("sec-websocket-protocol"), LINES_PROTOCOL, offered);
  }
  const other = await upgradeWebSocket(upgrade({ "sec-websocket-protocol": "json" }), OPTIONS);
  assert.equal(other.status, 101);
  assert.equal(other.headers.get("sec-websocket-protocol"), null);
});

Deno.test("upgradeWebSocket() refuses what is not a proper upgrade, saying why", async () => {
  const cases: [Request, number, string][] = [
    [upgrade({ upgrade: null }), 426, "Expected a WebSocket upgrade"],
    [upgrade({}, "POST"), 405, "A WebSocket opens with GET"],
    [upgrade({ "sec-websocket-version": "8" }), 426, "Only WebSocket version 13 is served"],
    [upgrade({ connection: "keep-alive" }), 400, "Expected Connection: Upgrade"],
    [upgrade({ "sec-websocket-key": null }), 400, "Expected a Sec-WebSocket-Key of 16 bytes"],
    [upgrade({ "sec-websocket-key": "c2hvcnQ=" }), 400, "Expected a Sec-WebSocket-Key of 16 bytes"],
  ];
  for (const [request, status, text] of cases) {
    const response = await upgradeWebSocket(request, OPTIONS);
    assert.equal(response.status, status, text);
    assert.equal(await response.text(), `${text}\n`);
  }
  const version = await upgradeWebSocket(upgrade({ "sec-websocket-version": "8" }), OPTIONS);
  assert.equal(version.headers.get("sec-websocket-version"), "13");
  await version.body?.cancel();
});
