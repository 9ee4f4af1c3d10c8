/**
 * Issue 12's flow-control scenario, to run by hand against a server started apart: fifty clients
 * each send twenty 60 KiB messages as fast as the server takes them while reading everything they
 * are sent, and one more client connects and never reads. Prints what each kind received and who
 * was cut. Start `python3 testdata/slow_reader.py <port> slowpoke` beside it for a reader in a
 * slower language.
 *
 * Run: `deno run --allow-net=127.0.0.1 bench/busy_readers.ts <port>`
 *
 * @module
 */

import { encodeMessage } from "../protocol.ts";

const SENDERS = 50;
const EACH = 20;
const port = Number(Deno.args[0]);
if (!(port > 0)) {
  console.log("usage: busy_readers.ts <port>");
  Deno.exit(1);
}
const encoder = new TextEncoder();
const text = "x".repeat(60 * 1024);

/** Connects and registers `nickname`; counts broadcasts as they come unless `read` is false. */
async function open(nickname: string, read: boolean) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(encodeMessage({ type: "nickname", nickname, clientID: "busy" }));
  const client = { nickname, conn, broadcasts: 0, cut: false, reading: Promise.resolve() };
  if (read) {
    client.reading = (async () => {
      const buffer = new Uint8Array(256 * 1024);
      const marker = encoder.encode('"type":"broadcast"');
      try {
        while (true) {
          const n = await conn.read(buffer);
          if (n === null) break;
          // Every broadcast's line starts with its type: count the markers in what came.
          for (let i = buffer.subarray(0, n).indexOf(marker[0]); i >= 0 && i < n;) {
            if (marker.every((b, j) => buffer[i + j] === b)) client.broadcasts++;
            i = buffer.indexOf(marker[0], i + 1);
          }
        }
      } catch {
        // Reset.
      }
      client.cut = client.broadcasts < (SENDERS - 1) * EACH;
    })();
  }
  return client;
}

const readers = await Promise.all(
  Array.from({ length: SENDERS }, (_, i) => open(`busy${i}`, true)),
);
const stalled = await open("stalled", false);
console.log(`${SENDERS} busy readers and one stalled client connected; sending...`);
const started = performance.now();
const line = encodeMessage({ type: "message", message: text });
await Promise.all(readers.map(async (client) => {
  for (let i = 0; i < EACH; i++) {
    for (let written = 0; written < line.length;) {
      written += await client.conn.write(line.subarray(written));
    }
  }
}));
const expected = (SENDERS - 1) * EACH;
const deadline = performance.now() + 120_000;
while (
  readers.some((client) => client.broadcasts < expected) && performance.now() < deadline
) {
  await new Promise((resolve) => setTimeout(resolve, 200));
}
const complete = readers.filter((client) => client.broadcasts >= expected).length;
console.log(
  `${complete} of ${SENDERS} busy readers got all ${expected} messages in ` +
    `${((performance.now() - started) / 1000).toFixed(1)} s`,
);
for (const client of [...readers, stalled]) client.conn.close();
await Promise.all(readers.map((client) => client.reading));
