import assert from "node:assert/strict";
import {
  httpDate,
  plainAnswer,
  responseBytes,
  responseHead,
  STATUS_TEXT,
  SwitchingProtocols,
} from "./http_response.ts";

const decoder = new TextDecoder();
const NOW = new Date(Date.UTC(2026, 10, 22, 3, 30, 33));

Deno.test("responseBytes() writes the status line, headers, Date, Content-Length and the body", async () => {
  const response = new Response("héllo", {
    status: 404,
    headers: { "content-type": "text/plain", "content-length": "999", "x-a": "1" },
  });
  const text = decoder.decode(
    await responseBytes(response, { head: false, close: false, now: NOW }),
  );
  assert.equal(
    text,
    "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\nx-a: 1\r\n" +
      "date: Sun, 22 Nov 2026 03:30:33 GMT\r\ncontent-length: 6\r\n\r\nhéllo",
  );
});

Deno.test("responseBytes() answers HEAD with no body and the length it is given, and says when it closes", async () => {
  const response = new Response(null, { headers: { "content-length": "1234" } });
  const text = decoder.decode(await responseBytes(response, { head: true, close: true, now: NOW }));
  assert.equal(
    text,
    "HTTP/1.1 200 OK\r\ndate: Sun, 22 Nov 2026 03:30:33 GMT\r\ncontent-length: 1234\r\n" +
      "connection: close\r\n\r\n",
  );
  const empty = await responseBytes(new Response(null), { head: false, close: false, now: NOW });
  assert.match(decoder.decode(empty), /content-length: 0\r\n\r\n$/);
});

Deno.test("plainAnswer() is a short text answer that closes its connection", () => {
  const text = decoder.decode(plainAnswer(503, "Server full\n", { "retry-after": "10" }));
  assert.match(text, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
  assert.match(text, /\r\nretry-after: 10\r\n/);
  assert.match(text, /\r\ncontent-length: 12\r\nconnection: close\r\n\r\nServer full\n$/);
  for (const status of [400, 408, 413, 431, 505]) assert.ok(STATUS_TEXT[status], String(status));
});

Deno.test("a SwitchingProtocols answers 101 and keeps its Connection: Upgrade, with no length", () => {
  class Upgrade extends SwitchingProtocols {
    takeOver(): Promise<void> {
      return Promise.resolve();
    }
  }
  const response = new Upgrade({ upgrade: "websocket", connection: "Upgrade" });
  assert.equal(response.status, 101);
  assert.equal(response.statusText, "Switching Protocols");
  assert.equal(
    decoder.decode(responseHead(101, response.headers, { close: false })),
    "HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: websocket\r\n\r\n",
  );
  assert.equal(httpDate(NOW), "Sun, 22 Nov 2026 03:30:33 GMT");
});
