/**
 * `deno task bench:floor`: what a bare Deno program pays per socket write, the floor under our
 * server's cost per delivery in a big room. It accepts 1,000 connections from a reader process,
 * then writes one 150-byte line to each of them, round after round, as a big room's fan-out does,
 * and prints its own CPU time per write, for three ways of writing.
 *
 * @module
 */

import process from "node:process";

const CLIENTS = 1000;
const ROUNDS = 200;
const line = new TextEncoder().encode(
  `{"type":"broadcast","nickname":"s1","message":"${
    "x".repeat(64)
  }","timestamp":"2026-11-30T11:00:00.000Z"}\n`,
);

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const reader = new Deno.Command("deno", {
  args: [
    "run",
    "--allow-net=127.0.0.1",
    new URL("./write_floor_reader.ts", import.meta.url).pathname,
    `${listener.addr.port}`,
    `${CLIENTS}`,
  ],
  stdout: "null",
  stderr: "inherit",
}).spawn();
const conns: Deno.Conn[] = [];
while (conns.length < CLIENTS) {
  const conn = await listener.accept();
  conn.setNoDelay(true);
  conns.push(conn);
}

async function measure(name: string, round: () => Promise<unknown>): Promise<void> {
  const before = process.cpuUsage();
  const started = performance.now();
  for (let r = 0; r < ROUNDS; r++) await round();
  const cpu = process.cpuUsage(before);
  const writes = ROUNDS * CLIENTS;
  console.log(
    `${name.padEnd(44)} ${((cpu.user + cpu.system) / writes).toFixed(2)} µs of CPU per write ` +
      `(${(writes / ((performance.now() - started) / 1000)).toFixed(0)} writes/s)`,
  );
}

// One awaited write per socket, all in flight together (as one writer loop per connection does).
await measure(
  "conn.write, all at once, awaited together",
  () => Promise.all(conns.map((conn) => conn.write(line))),
);
// The same through an async function per write (as a writer loop adds).
await measure(
  "the same, through an async function each",
  () =>
    Promise.all(conns.map(async (conn) => {
      let written = 0;
      while (written < line.length) written += await conn.write(line.subarray(written));
    })),
);
// Writes issued one after another.
await measure("conn.write, one after another", async () => {
  for (const conn of conns) await conn.write(line);
});

for (const conn of conns) conn.close();
listener.close();
await reader.status;
