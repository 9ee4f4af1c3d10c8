import assert from "node:assert/strict";
import { Outbox } from "../net/outbox.ts";
import { clientFrame, closeOf, RawWebSocket } from "../tools/raw_websocket.ts";
import { WAIT_MS, within } from "../tools/testing.ts";
import { type Keepalive, WebSocketConn } from "./websocket_conn.ts";
import { OPCODE } from "./websocket_frames.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A WebSocketConn on one end of a loopback TCP connection, and a hand-driven client on the other. */
async function pair(
  options: {
    batched?: boolean;
    maxMessageBytes?: number;
    leftover?: Uint8Array;
    keepalive?: Keepalive;
  } = {},
) {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const [client, server] = await Promise.all([
    Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
    listener.accept(),
  ]);
  const conn = new WebSocketConn(server, server.remoteAddr as Deno.NetAddr, {
    batched: options.batched ?? false,
    maxMessageBytes: options.maxMessageBytes ?? 1000,
    leftover: options.leftover,
    keepalive: options.keepalive,
  });
  const socket = RawWebSocket.from(client);
  return {
    conn,
    socket,
    /** The server's end of the TCP connection, under the WebSocketConn. */
    raw: server,
    [Symbol.dispose]() {
      conn.close();
      socket.close();
    },
  };
}

/** Everything `conn` reads until its stream ends, as text. */
async function readAll(conn: WebSocketConn): Promise<string> {
  const buffer = new Uint8Array(7);
  let text = "";
  for (let n; (n = await conn.read(buffer)) !== null;) {
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
  }
  return text;
}

Deno.test("WebSocketConn reads each message as its bytes and a newline, answers pings, echoes the close", async () => {
  using ends = await pair();
  const { conn, socket } = ends;
  await socket.sendRaw(clientFrame(OPCODE.text, '{"type":"list"}'));
  await socket.sendRaw(clientFrame(OPCODE.text, "hé", { fin: false }));
  await socket.sendRaw(clientFrame(OPCODE.ping, "ping!"));
  await socket.sendRaw(clientFrame(OPCODE.continuation, "llo"));
  await socket.sendRaw(clientFrame(OPCODE.close, Uint8Array.of(0x0f, 0xa0, 0x62, 0x79, 0x65)));
  assert.equal(await readAll(conn), '{"type":"list"}\nhéllo\n');
  const pong = await socket.nextFrame();
  assert.deepEqual([pong?.opcode, decoder.decode(pong?.payload)], [OPCODE.pong, "ping!"]);
  const close = await socket.nextFrame();
  assert.equal(close?.opcode, OPCODE.close);
  assert.deepEqual(closeOf(close!), { code: 4000, reason: "" }, "the client's code, echoed");
  await assert.rejects(() => conn.write(encoder.encode("{}\n")), /closed/);
  assert.equal(conn.remoteAddr.hostname, "127.0.0.1");
});

Deno.test("WebSocketConn reads first what came with the handshake", async () => {
  using ends = await pair({ leftover: clientFrame(OPCODE.text, "early") });
  const { conn, socket } = ends;
  await socket.sendRaw(clientFrame(OPCODE.text, "later"));
  await socket.conn.closeWrite();
  assert.equal(await readAll(conn), "early\nlater\n");
});

Deno.test("WebSocketConn fails a connection that breaks a rule, with its close code", async () => {
  for (
    const [frame, code] of [
      [clientFrame(OPCODE.text, "not masked", { mask: false }), 1002],
      [clientFrame(OPCODE.text, Uint8Array.of(0xc3, 0x28)), 1007],
      [clientFrame(OPCODE.text, "x".repeat(101)), 1009],
    ] as const
  ) {
    using ends = await pair({ maxMessageBytes: 100 });
    const { conn, socket } = ends;
    await socket.sendRaw(frame);
    assert.equal(await readAll(conn), "", `nothing read before ${code}`);
    const close = await socket.nextFrame();
    assert.equal(close?.opcode, OPCODE.close);
    assert.equal(closeOf(close!).code, code);
    conn.close();
    assert.equal(await socket.nextFrame(), undefined, "then the connection closes");
  }
});

Deno.test("WebSocketConn writes one message a frame, or every line in one frame with chat-lines, in one write", async () => {
  const lines = encoder.encode('{"a":1}\n{"b":2}\n');
  for (const batched of [false, true]) {
    using ends = await pair({ batched });
    const { conn, socket } = ends;
    assert.equal(await conn.write(lines), lines.length);
    const texts = [await socket.nextText()];
    if (!batched) texts.push(await socket.nextText());
    assert.deepEqual(texts, batched ? ['{"a":1}\n{"b":2}\n'] : ['{"a":1}', '{"b":2}']);
    await conn.closeWrite();
    const close = await socket.nextFrame();
    assert.deepEqual(closeOf(close!), { code: 1000, reason: "" });
    await assert.rejects(() => conn.write(lines), /closed/);
  }
});

/** A connection whose writes take at most `limit` bytes each, recording them. */
class TrickleConn {
  readonly written: number[] = [];
  writes = 0;
  constructor(readonly limit: number) {}
  write(bytes: Uint8Array): Promise<number> {
    this.writes++;
    const n = Math.min(this.limit, bytes.length);
    this.written.push(...bytes.subarray(0, n));
    return Promise.resolve(n);
  }
  read(): Promise<number | null> {
    return new Promise(() => {});
  }
  close(): void {}
}

Deno.test("WebSocketConn writes the frames of many messages to the socket in one write", async () => {
  const socket = new TrickleConn(Infinity);
  const conn = new WebSocketConn(
    socket as unknown as Deno.Conn,
    { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    { batched: false, maxMessageBytes: 100 },
  );
  const lines = encoder.encode('{"n":1}\n'.repeat(100));
  assert.equal(await conn.write(lines), lines.length);
  assert.equal(socket.writes, 1);
  assert.equal(socket.written.length, 100 * 9);
});

Deno.test("WebSocketConn reports a write cut short as the part of the lines it carried, and the outbox finishes it", async () => {
  for (const batched of [false, true]) {
    const trickle = new TrickleConn(5);
    const conn = new WebSocketConn(
      trickle as unknown as Deno.Conn,
      { transport: "tcp", hostname: "127.0.0.1", port: 1 },
      { batched, maxMessageBytes: 100 },
    );
    const counts: number[] = [];
    const outbox = new Outbox({
      write: async (bytes) => {
        const n = await conn.write(bytes);
        counts.push(n);
        return n;
      },
    }, { capBytes: 1000 });
    const lines = encoder.encode("one\ntwo\nthree\n");
    outbox.enqueue(lines);
    await outbox.drained();
    assert.equal(counts.reduce((sum, n) => sum + n, 0), lines.length, "every byte reported once");
    assert.ok(counts.length > 1, "in several writes");
    const bytes = Uint8Array.from(trickle.written);
    const expected = batched ? [0x81, 14, ...lines] : [
      0x81,
      3,
      ...encoder.encode("one"),
      0x81,
      3,
      ...encoder.encode("two"),
      0x81,
      5,
      ...encoder.encode("three"),
    ];
    assert.deepEqual([...bytes], expected, "the frames whole, in order");
  }
});

Deno.test("WebSocketConn answers only the latest of the pings that come while a write is under way", async () => {
  using ends = await pair();
  const { conn, socket } = ends;
  const pings = ["1", "2", "3"].map((payload) => clientFrame(OPCODE.ping, payload));
  await socket.sendRaw(Uint8Array.from([...pings.flatMap((ping) => [...ping])]));
  await socket.sendRaw(clientFrame(OPCODE.text, "then"));
  const line = new Uint8Array(16);
  assert.equal(decoder.decode(line.subarray(0, (await conn.read(line))!)), "then\n");
  const pongs: string[] = [];
  await conn.closeWrite();
  for (let frame = await socket.nextFrame(); frame?.opcode !== OPCODE.close;) {
    pongs.push(decoder.decode(frame!.payload));
    frame = await socket.nextFrame();
  }
  // The first ping's pong went out at once; the next two came while it was being written, or not.
  assert.equal(pongs[0], "1");
  assert.equal(pongs.at(-1), "3");
  assert.ok(pongs.length <= 3);
});

Deno.test("WebSocketConn counts as closed once its socket is closed under it (the web server stopping)", async () => {
  using ends = await pair();
  const { conn, raw } = ends;
  const reading = conn.read(new Uint8Array(16));
  raw.close();
  assert.equal(await reading, null);
  await within(conn.closed, WAIT_MS, "the connection to count as closed");
});

Deno.test("WebSocketConn pings a silent client, and closes it with 1001 when nothing comes back in time", async () => {
  using ends = await pair({ keepalive: { idleMs: 20, timeoutMs: 50 } });
  const { conn, socket } = ends;
  const read = readAll(conn);
  const ping = await socket.nextFrame();
  assert.equal(ping?.opcode, OPCODE.ping);
  // No pong: the client's network is gone.
  const close = await socket.nextFrame();
  assert.equal(close?.opcode, OPCODE.close);
  assert.equal(closeOf(close!).code, 1001);
  assert.equal(await within(read, WAIT_MS, "the stream's end"), "", "the stream ends");
  assert.equal(await socket.nextFrame(), undefined, "the socket is closed");
});

Deno.test("WebSocketConn keeps a client that answers its pings, and reads on", async () => {
  using ends = await pair({ keepalive: { idleMs: 20, timeoutMs: 50 } });
  const { conn, socket } = ends;
  const buffer = new Uint8Array(100);
  const read = conn.read(buffer);
  for (let i = 0; i < 5; i++) {
    const ping = await socket.nextFrame();
    assert.equal(ping?.opcode, OPCODE.ping, `ping ${i + 1}`);
    await socket.sendRaw(clientFrame(OPCODE.pong, ping!.payload));
  }
  await socket.sendRaw(clientFrame(OPCODE.text, "still here"));
  const n = await within(read, WAIT_MS, "the message");
  assert.equal(decoder.decode(buffer.subarray(0, n ?? 0)), "still here\n");
});

Deno.test("WebSocketConn pings no client the server is not reading from", async () => {
  using ends = await pair({ keepalive: { idleMs: 10, timeoutMs: 10 } });
  const { conn, socket } = ends;
  // Nobody reads `conn` for a while (the server behind on what the client sent): no ping, no close.
  await new Promise((resolve) => setTimeout(resolve, 100));
  await socket.sendRaw(clientFrame(OPCODE.text, "late"));
  const buffer = new Uint8Array(100);
  const n = await within(conn.read(buffer), WAIT_MS, "the message");
  assert.equal(decoder.decode(buffer.subarray(0, n ?? 0)), "late\n");
  // Reading again, it waits for the client: now a silent client is pinged.
  const next = conn.read(buffer);
  const frame = await socket.nextFrame();
  assert.equal(frame?.opcode, OPCODE.ping, "the first frame is a ping once it reads, not a close");
  conn.close();
  assert.equal(await next, null);
});
