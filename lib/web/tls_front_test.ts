import assert from "node:assert/strict";
import { TlsFront } from "./tls_front.ts";

const read = (name: string) =>
  Deno.readTextFileSync(new URL(`../../testdata/${name}`, import.meta.url));
const CA = read("ca.pem");
const PAIR = { cert: read("server.pem"), key: read("server.key") };

/** A plain echo server on loopback, standing for the page's server; it notes who connects. */
function echoServer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: Deno.NetAddr[] = [];
  const serving: Promise<void>[] = [];
  const done = (async () => {
    for await (const conn of listener) {
      seen.push(conn.remoteAddr);
      serving.push((async () => {
        const buffer = new Uint8Array(64 * 1024);
        try {
          for (let n; (n = await conn.read(buffer)) !== null;) {
            for (let at = 0; at < n;) at += await conn.write(buffer.subarray(at, n));
          }
        } finally {
          conn.close();
        }
      })());
    }
    await Promise.all(serving);
  })();
  const close = async () => {
    listener.close();
    await done;
  };
  return { addr: listener.addr, seen, close };
}

/** Reads from `conn` until `count` bytes have come. */
async function readBytes(conn: Deno.Conn, count: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(count);
  for (let at = 0; at < count;) {
    const n = await conn.read(bytes.subarray(at));
    if (n === null) throw new Error(`The connection ended after ${at} of ${count} bytes`);
    at += n;
  }
  return bytes;
}

Deno.test("TlsFront relays a TLS connection both ways and tells the page's server who it is", async () => {
  const page = echoServer();
  const tls = Deno.listenTls({ hostname: "127.0.0.1", port: 0, ...PAIR });
  const front = new TlsFront(tls, page.addr);
  front.serve();
  const client = await Deno.connectTls({
    hostname: "127.0.0.1",
    port: tls.addr.port,
    caCerts: [CA],
  });
  // Small, then more than a read takes at once.
  const sent = Uint8Array.from({ length: 100_000 }, (_, i) => i % 251);
  await client.write(sent.subarray(0, 10));
  assert.deepEqual(await readBytes(client, 10), sent.subarray(0, 10));
  const writing = (async () => {
    for (let at = 10; at < sent.length;) at += await client.write(sent.subarray(at));
  })();
  assert.deepEqual(await readBytes(client, sent.length - 10), sent.subarray(10));
  await writing;

  assert.equal(page.seen.length, 1);
  const relayed = page.seen[0];
  assert.deepEqual(front.clientOf(relayed), client.localAddr);
  const other: Deno.NetAddr = { transport: "tcp", hostname: "192.0.2.7", port: relayed.port + 1 };
  assert.equal(front.clientOf(other), other);

  // The client's end reaches the page's server, whose end comes back.
  await client.closeWrite();
  assert.equal(await client.read(new Uint8Array(1)), null);
  client.close();
  await front.close();
  assert.equal(front.clientOf(relayed), relayed, "the relay is forgotten once it has ended");
  await page.close();
});

Deno.test("TlsFront costs the page's server no connection for a client that fails the handshake", async () => {
  const page = echoServer();
  const tls = Deno.listenTls({ hostname: "127.0.0.1", port: 0, ...PAIR });
  const front = new TlsFront(tls, page.addr);
  front.serve();
  const plain = await Deno.connect({ hostname: "127.0.0.1", port: tls.addr.port });
  await plain.write(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
  const buffer = new Uint8Array(1024);
  while (await plain.read(buffer).catch(() => null) !== null) {
    // TLS's alert, if any, then the end.
  }
  plain.close();
  await front.close();
  await page.close();
  assert.deepEqual(page.seen, []);
});

Deno.test("TlsFront.close() ends the relays under way", async () => {
  const page = echoServer();
  const tls = Deno.listenTls({ hostname: "127.0.0.1", port: 0, ...PAIR });
  const front = new TlsFront(tls, page.addr);
  front.serve();
  const client = await Deno.connectTls({
    hostname: "127.0.0.1",
    port: tls.addr.port,
    caCerts: [CA],
  });
  await client.write(new Uint8Array([1]));
  await readBytes(client, 1);
  await front.close();
  assert.equal(await client.read(new Uint8Array(1)).catch(() => null), null);
  client.close();
  await page.close();
});
