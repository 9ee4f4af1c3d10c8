/**
 * `deno task bench:floor`: what a bare Deno program pays per socket write, the floor under our
 * server's cost per delivery in a big room. It accepts 1,000 connections from a reader process,
 * then writes one 150-byte line to each of them, round after round, as a big room's fan-out does,
 * and prints its own CPU time per write, for each way of writing that Deno offers: its own
 * `conn.write` (awaited in several shapes, then with a read pending on every socket, as a server
 * has), and Node's `net` module.
 *
 * @module
 */

import net from "node:net";
import process from "node:process";

const CLIENTS = 1000;
const ROUNDS = 200;
const line = new TextEncoder().encode(
  `{"type":"broadcast","nickname":"s1","message":"${
    "x".repeat(64)
  }","timestamp":"2026-11-30T11:00:00.000Z"}\n`,
);

/** Starts a reader process that opens `CLIENTS` connections to `port` and reads until closed. */
function startReader(port: number): Deno.ChildProcess {
  return new Deno.Command("deno", {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      new URL("./write_floor_reader.ts", import.meta.url).pathname,
      `${port}`,
      `${CLIENTS}`,
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
}

async function measure(name: string, round: () => Promise<unknown>): Promise<void> {
  const before = process.cpuUsage();
  const started = performance.now();
  for (let r = 0; r < ROUNDS; r++) await round();
  const cpu = process.cpuUsage(before);
  const writes = ROUNDS * CLIENTS;
  console.log(
    `${name.padEnd(56)} ${((cpu.user + cpu.system) / writes).toFixed(2)} µs of CPU per write ` +
      `(${(writes / ((performance.now() - started) / 1000)).toFixed(0)} writes/s)`,
  );
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const reader = startReader(listener.addr.port);
const conns: Deno.TcpConn[] = [];
while (conns.length < CLIENTS) {
  const conn = await listener.accept();
  conn.setNoDelay(true);
  conns.push(conn);
}

/** Writes one line to every connection, awaiting each write in one of three shapes. */
const deno = {
  // One awaited write per socket, all in flight together.
  together: () => Promise.all(conns.map((conn) => conn.write(line))),
  // The same through an async function per write (as an async writer loop adds).
  asyncEach: () =>
    Promise.all(conns.map(async (conn) => {
      let written = 0;
      while (written < line.length) written += await conn.write(line.subarray(written));
    })),
  // Issued in turn, each completion counted by a callback (as our outbox's writer does).
  callbacks: () =>
    new Promise<void>((resolve) => {
      let left = conns.length;
      const done = () => --left === 0 && resolve();
      for (const conn of conns) conn.write(line).then(done);
    }),
  // One after another.
  inTurn: async () => {
    for (const conn of conns) await conn.write(line);
  },
};
await measure("conn.write, all at once, awaited together", deno.together);
await measure("the same, through an async function each", deno.asyncEach);
await measure("issued in turn, each counted by .then()", deno.callbacks);
await measure("conn.write, one after another", deno.inTurn);

// A server has a read pending on every socket while it writes.
const reads = conns.map(async (conn) => {
  const buffer = new Uint8Array(256);
  try {
    while ((await conn.read(buffer)) !== null) { /* nothing comes */ }
  } catch { /* closed */ }
});
await measure("all at once, a read pending on every socket", deno.together);
await measure("issued in turn by .then(), reads pending", deno.callbacks);
for (const conn of conns) conn.close();
listener.close();
await Promise.all(reads);
await reader.status;

// Node's net module, as Deno provides it.
const sockets: net.Socket[] = [];
const accepted = Promise.withResolvers<void>();
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  if (sockets.push(socket) === CLIENTS) accepted.resolve();
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const nodeReader = startReader((server.address() as net.AddressInfo).port);
await accepted.promise;
await measure(
  "node:net socket.write, each callback awaited",
  () => Promise.all(sockets.map((socket) => new Promise((resolve) => socket.write(line, resolve)))),
);
for (const socket of sockets) socket.destroy();
await new Promise((resolve) => server.close(resolve));
await nodeReader.status;
