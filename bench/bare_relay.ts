/**
 * The floor under a big room in Deno: the least a Deno program can do to relay chat, measured
 * with compare.sh's own workloads (the comparison harness BENCHMARKS.md describes, kept outside
 * this repository). It does what that harness's C relay (`relay.c -j`) does and no more: a
 * line containing `"type":"nickname"` makes its sender a member, and a line containing
 * `"type":"message"` goes to every other member with that token rewritten to
 * `"type":"broadcast"`, one `conn.write` per recipient, not awaited, no queue, no checks.
 *
 * Run: `compare.sh --only bigroom -- deno run -A bench/bare_relay.ts {port}` (compare.sh labels it
 * "ours").
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const NICKNAME = '"type":"nickname"';
const MESSAGE = '"type":"message"';
const BROADCAST = '"type":"broadcast"';

const members = new Set<Deno.Conn>();
const listener = Deno.listen({ hostname: "0.0.0.0", port: Number(Deno.args[0] ?? 0) });
console.log(`bare relay on port ${listener.addr.port}`);

async function serve(conn: Deno.TcpConn): Promise<void> {
  conn.setNoDelay(true);
  const buffer = new Uint8Array(64 * 1024);
  let pending = "";
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      pending += decoder.decode(buffer.subarray(0, n), { stream: true });
      let end: number;
      while ((end = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, end + 1);
        pending = pending.slice(end + 1);
        if (line.includes(NICKNAME)) members.add(conn);
        else if (line.includes(MESSAGE)) relay(conn, line.replace(MESSAGE, BROADCAST));
      }
    }
  } catch {
    // A reset: the connection is over.
  }
  members.delete(conn);
  conn.close();
}

function relay(from: Deno.Conn, line: string): void {
  const bytes = encoder.encode(line);
  for (const member of members) {
    if (member !== from) member.write(bytes).catch(() => members.delete(member));
  }
}

for await (const conn of listener) serve(conn);
