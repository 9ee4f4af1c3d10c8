import assert from "node:assert/strict";
import { WebSocketConn } from "./websocket_conn.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A server that hands its one WebSocket over as a WebSocketConn, and a client socket to it. */
async function pair() {
  let accepted: (conn: WebSocketConn) => void = () => {};
  const conn = new Promise<WebSocketConn>((resolve) => accepted = resolve);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request, info) => {
      const remoteAddr = info.remoteAddr;
      const { socket, response } = Deno.upgradeWebSocket(request);
      socket.onopen = () => accepted(new WebSocketConn(socket, remoteAddr));
      return response;
    },
  );
  const client = new WebSocket(`ws://127.0.0.1:${server.addr.port}/`);
  const received: string[] = [];
  let arrived: () => void = () => {};
  client.onmessage = (event) => {
    received.push(event.data);
    arrived();
  };
  await new Promise((resolve) => client.onopen = resolve);
  const closed = new Promise((resolve) => client.onclose = resolve);
  const messages = async (count: number) => {
    while (received.length < count) await new Promise<void>((resolve) => arrived = resolve);
    return received;
  };
  return { conn: await conn, client, closed, server, messages };
}

Deno.test("WebSocketConn reads each text message as its bytes and a newline, in order", async () => {
  const { conn, client, closed, server } = await pair();
  client.send('{"type":"list"}');
  client.send("héllo");
  const buffer = new Uint8Array(8);
  let text = "";
  while (!text.endsWith("héllo\n")) {
    const n = await conn.read(buffer);
    assert.notEqual(n, null);
    text += decoder.decode(buffer.subarray(0, n!), { stream: true });
  }
  assert.equal(text, '{"type":"list"}\nhéllo\n');
  assert.equal(conn.remoteAddr.hostname, "127.0.0.1");
  client.close();
  await closed;
  assert.equal(await conn.read(buffer), null, "the end of the stream once the socket closed");
  await server.shutdown();
});

Deno.test("WebSocketConn sends each line written as one text message, and fails once closed", async () => {
  const { conn, closed, server, messages } = await pair();
  assert.equal(await conn.write(encoder.encode('{"a":1}\n{"b":2}\n')), 16);
  assert.deepEqual(await messages(2), ['{"a":1}', '{"b":2}']);
  await conn.closeWrite();
  await closed;
  await assert.rejects(() => conn.write(encoder.encode("x\n")), /closed/);
  await server.shutdown();
});
