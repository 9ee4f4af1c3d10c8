/** The reader side of `write_floor.ts`: connects, then reads and discards until closed. */

const [port, count] = Deno.args.map(Number);
const conns: Deno.Conn[] = [];
for (let i = 0; i < count; i++) conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
console.log("connected");
await Promise.all(conns.map(async (c) => {
  const buf = new Uint8Array(65536);
  try {
    while ((await c.read(buf)) !== null) { /* discard */ }
  } catch { /* closed */ }
}));
