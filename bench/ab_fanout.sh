#!/usr/bin/env bash
# ab_fanout.sh - the fanout workload of `deno task bench` (100 clients, 10 senders, 2,000 messages
# each of 64 bytes, to everyone) against several builds of our server, interleaved run by run so
# that the machine's drift falls on all of them alike; prints medians. The server runs on CPU 1,
# the load generator (bench/main.ts, from this checkout) on CPU 0.
#
# Usage: bench/ab_fanout.sh [--reps N] <label> <folder> <command> [<label> <folder> <command> ...]
#   <command> runs in <folder> (its chat-data/ is removed first); {port} is replaced.
# Example (this commit against the one before it), with a clone of each:
#   git clone -q . /tmp/before && git -C /tmp/before checkout -q HEAD~1
#   git clone -q . /tmp/after
#   bench/ab_fanout.sh --reps 8 \
#     before /tmp/before "deno run --allow-net ChatServer.ts {port} --max-rate 0" \
#     after  /tmp/after  "deno run --allow-net ChatServer.ts {port} --max-rate 0"
set -uo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
REPS=8
if [ "${1:-}" = "--reps" ]; then REPS=$2; shift 2; fi
[ $(($# % 3)) -eq 0 ] && [ $# -gt 0 ] || { sed -n 2,15p "$0"; exit 2; }
OUT=$(mktemp /tmp/ab_fanout.XXXXXX.jsonl)
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
run() { # label folder command
  local port pid line
  port=$(free_port)
  (cd "$2" && rm -rf chat-data && exec taskset -c 1 bash -c "exec ${3//\{port\}/$port}") >/dev/null 2>&1 </dev/null &
  pid=$!
  for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
  line=$(cd "$HERE" && taskset -c 0 deno run --allow-net=127.0.0.1 --allow-run=cat \
    bench/main.ts --only fanout --port "$port" --pid "$pid" --no-write --json 2>/dev/null | head -n 1)
  [ -n "$line" ] && echo "{\"label\":\"$1\",\"row\":$line}" >>"$OUT"
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}
for _ in $(seq 1 "$REPS"); do
  args=("$@")
  while [ ${#args[@]} -gt 0 ]; do run "${args[0]}" "${args[1]}" "${args[2]}"; args=("${args[@]:3}"); done
done
node - "$OUT" <<'JS'
const rows = require("fs").readFileSync(process.argv[2], "utf8").trim().split("\n").map(JSON.parse);
const by = {};
for (const { label, row } of rows) (by[label] ??= []).push(row);
const med = (xs) => { xs = xs.slice().sort((a, b) => a - b); return xs[(xs.length - 1) >> 1]; };
console.log("| build | runs | server CPU us per delivery (median) | p99 ms | peak RSS MiB | lost |");
console.log("|---|---|---|---|---|---|");
for (const [label, rs] of Object.entries(by)) {
  const cpu = med(rs.map((r) => r.cpuMicrosPerDelivery));
  const p99 = med(rs.map((r) => r.p99Ms));
  const rss = med(rs.map((r) => r.peakRssMiB));
  const lost = rs.reduce((a, r) => a + (r.lost || 0), 0);
  console.log(`| ${label} | ${rs.length} | ${cpu.toFixed(3)} | ${p99.toFixed(1)} | ${rss.toFixed(1)} | ${lost} |`);
}
JS
